// A connection over memory instead of a socket: socket-free tests and the fuzz targets.

extension HTTP2Connection {
    /// A connection over `memory` instead of a socket (socket-free tests and fuzzing), started as
    /// a server or client one is; its delegate is set by `setDelegate` before it starts.
    static func overMemory(
        _ memory: InMemoryByteStream, role: Role, loop: EventLoop, limits: ConnectionLimits,
        setDelegate: (HTTP2Connection) -> Void
    ) -> HTTP2Connection? {
        // Named like a Unix socket client: the address only labels logs.
        guard let peer = try? SocketAddress(unixPath: "memory") else { return nil }
        guard
            let connection = HTTP2Connection(
                socket: ConnectionSocket(memory: memory), role: role, peer: peer, loop: loop, limits: limits,
                isLocal: false)
        else { return nil }
        setDelegate(connection)
        connection.start()
        return connection
    }
}

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

    /// A channel's dial that connects over `memory` instead of a socket and waits, as
    /// ``Connector`` does, for the server's SETTINGS; `connected` is given the connection first.
    static func dial(
        over memory: InMemoryByteStream, connected: @escaping @Sendable (HTTP2Connection) -> Void = { _ in }
    ) -> Connector.Dial {
        { _, _, limits, deadline, delegate in
            guard
                let connection = HTTP2Connection.overMemory(
                    memory, role: .client, loop: EventLoopGroup.shared.next(), limits: limits,
                    setDelegate: { $0.clientDelegate = delegate })
            else { return .failure(RPCError(.failedToConnect(lastError: "no memory for a connection"))) }
            connected(connection)
            do throws(RPCError) {
                try connection.waitUntilReady(until: deadline)
            } catch {
                connection.close(failingStreamsWith: .connectionClosed)
                return .failure(error)
            }
            return .success(connection)
        }
    }
}

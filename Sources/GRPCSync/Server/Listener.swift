#if canImport(Glibc)
    import Glibc
#endif

/// A listening socket on an event loop; hands each accepted connection to the server.
final class Listener: EventLoopSource, @unchecked Sendable {  // fd is closed once, under the server's lock
    let fd: Int32
    let address: SocketAddress
    let displayName: String
    private let loop: EventLoop
    private let onAccept: (Int32, SocketAddress) -> Void
    private var isOpen = true

    init(
        fd: Int32, address: SocketAddress, displayName: String, loop: EventLoop,
        onAccept: @escaping (Int32, SocketAddress) -> Void
    ) {
        self.fd = fd
        self.address = address
        self.displayName = displayName
        self.loop = loop
        self.onAccept = onAccept
    }

    func start() throws {
        try Socket.listen(fd, displayName: displayName)
        loop.register(fd: fd, source: self)
    }

    func handleReadable() {
        while isOpen, let (connection, peer) = Socket.accept(fd) {
            // A Unix socket client has no address of its own: name it by the server's path.
            onAccept(connection, address.family == AF_UNIX ? address : peer)
        }
    }

    func handleWritable() {}

    /// Stops accepting and closes the socket (on the loop thread, so no accept races the close).
    func close(started: Bool) {
        if !started {
            _ = Glibc.close(fd)
            return
        }
        loop.execute { [self] in
            guard isOpen else { return }
            isOpen = false
            loop.unregister(fd: fd, source: self)
            _ = Glibc.close(fd)
            if address.family == AF_UNIX {
                let path = String(address.description.dropFirst("unix:".count))
                _ = unlink(path)
            }
        }
    }
}

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
        while isOpen {
            guard let (connection, peer) = Socket.accept(fd) else {
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    pauseAccepting()
                }
                return
            }
            // A Unix socket client has no address of its own: name it by the server's path.
            onAccept(connection, address.family == AF_UNIX ? address : peer)
        }
    }

    /// Out of descriptors or memory: stop watching the socket for a moment instead of waking
    /// the loop over and over for connections that cannot be accepted yet.
    private func pauseAccepting() {
        loop.setInterest(fd: fd, source: self, read: false, write: false)
        loop.schedule(at: Deadline.after(seconds: 0.1)) { [self] in
            if isOpen { loop.setInterest(fd: fd, source: self, read: true, write: false) }
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

import Glibc

/// Who takes the connections a ``Listener`` accepts: the server.
protocol ListenerDelegate: AnyObject, Sendable {
    /// The delegate of a connection about to start.
    func newConnectionDelegate() -> any ServerConnectionDelegate
    /// The new connection has started, with `delegate`: the server keeps it, or closes it when
    /// it no longer serves.
    func listenerAccepted(_ connection: any ServerConnection, delegate: any ServerConnectionDelegate)
}

/// A listening socket on an event loop: it accepts connections and starts an HTTP/2 server
/// connection on each, placed on the loops round-robin.
final class Listener: EventLoopSource, @unchecked Sendable {  // `isOpen`: its loop thread only
    let fd: Int32
    let address: SocketAddress
    let displayName: String
    private let loop: EventLoop
    private let limits: ConnectionLimits
    private let security: ServerSecurity
    private weak var delegate: (any ListenerDelegate)?
    private var isOpen = true

    private init(
        fd: Int32, address: SocketAddress, displayName: String, loop: EventLoop, limits: ConnectionLimits,
        security: ServerSecurity, delegate: any ListenerDelegate
    ) {
        self.security = security
        self.fd = fd
        self.address = address
        self.displayName = displayName
        self.loop = loop
        self.limits = limits
        self.delegate = delegate
    }

    /// Binds every address `address` resolves to (`[::]:0`, `0.0.0.0:50051`, `localhost:0`,
    /// `unix:path`), all on one port, and returns their listeners (not yet listening, see
    /// ``start()``) and the port (0 for Unix sockets). Throws an error naming the address when
    /// its first address cannot be bound.
    static func bind(
        _ address: String, limits: ConnectionLimits, reusePort: Bool, security: ServerSecurity,
        delegate: any ListenerDelegate
    ) throws -> (listeners: [Listener], port: Int) {
        let target = try Target(parsing: address, defaultPort: nil)
        let addresses = try target.resolve(passive: true)
        guard !addresses.isEmpty else { throw UsageError("address \"\(address)\" resolves to nothing") }
        var bound: [Listener] = []
        var port = 0
        for (i, var resolved) in addresses.enumerated() {
            if i > 0 && port != 0 { resolved.setPort(port) }
            do {
                let fd = try Socket.bind(to: resolved, displayName: address, reusePort: reusePort)
                let local = Socket.localAddress(fd) ?? resolved
                if i == 0 { port = local.port }
                bound.append(
                    Listener(
                        fd: fd, address: local, displayName: address, loop: EventLoopGroup.shared.next(),
                        limits: limits, security: security, delegate: delegate))
            } catch {
                // The first address must bind; later ones (the IPv4 twin of localhost) may fail.
                if i == 0 { throw error }
            }
        }
        return (bound, port)
    }

    /// Starts accepting connections.
    func start() throws {
        try Socket.listen(fd, displayName: displayName)
        loop.register(fd: fd, source: self)
    }

    func handleReadable() {
        while isOpen {
            guard let (connectionFD, acceptedPeer) = Socket.accept(fd) else {
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    pauseAccepting()
                }
                return
            }
            guard let delegate else {
                Socket.close(connectionFD)
                continue
            }
            // A Unix socket client has no address of its own: name it by the server's path.
            let peer = address.family == AF_UNIX ? address : acceptedPeer
            var tls: TLSContext?
            switch security {
            case .insecure:
                break
            case .local(let kind):
                guard kind.accepts(peer) else {
                    Socket.close(connectionFD)
                    continue
                }
            case .tls(let source):
                tls = source.contextForNextConnection()
            }
            let connectionDelegate = delegate.newConnectionDelegate()
            let connection = HTTP2Connection.server(
                fd: connectionFD, peer: peer, loop: EventLoopGroup.shared.next(), limits: limits, tls: tls,
                isLocal: security.isLocal, delegate: connectionDelegate)
            if let connection { delegate.listenerAccepted(connection, delegate: connectionDelegate) }
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
            Socket.close(fd)
            return
        }
        loop.execute { [self] in
            guard isOpen else { return }
            isOpen = false
            loop.unregister(fd: fd, source: self)
            Socket.close(fd)
            if address.family == AF_UNIX, address.description.hasPrefix("unix:") {  // not an abstract name
                _ = unlink(String(address.description.dropFirst("unix:".count)))
            }
        }
    }
}

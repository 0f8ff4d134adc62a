import Glibc

/// How a client secures the connections it makes.
enum ClientSecurity: Sendable {
    case insecure
    /// Local credentials: the server must be on this machine, reached as `kind` says.
    case local(LocalConnectionKind)
    /// TLS with `context`; the server's certificate must be valid for `serverName`.
    case tls(TLSContext, serverName: String)
    /// TLS that cannot be set up (bad PEM bytes); every connection attempt fails with the reason.
    case unusable(TLSError)

    var isLocal: Bool {
        if case .local = self { return true }
        return false
    }

    /// Whether the connection protects what call credentials send (TLS or local).
    var protectsCallCredentials: Bool {
        switch self {
        case .insecure, .unusable: false
        case .local, .tls: true
        }
    }
}

/// How a server secures the connections it accepts on one port.
enum ServerSecurity: Sendable {
    case insecure
    /// Local credentials: only peers on this machine, reached as `kind` says, are served.
    case local(LocalConnectionKind)
    /// TLS, with the context the source gives for each new connection.
    case tls(ServerTLSSource)

    var isLocal: Bool {
        if case .local = self { return true }
        return false
    }
}

/// Which local connections local credentials accept (grpcio's `grpc.LocalConnectionType`).
enum LocalConnectionKind: Sendable {
    /// A Unix domain socket.
    case unixSocket
    /// TCP to a loopback address.
    case loopbackTCP

    /// Whether a connection to or from `address` is of this kind.
    func accepts(_ address: SocketAddress) -> Bool {
        switch self {
        case .unixSocket: address.family == AF_UNIX
        case .loopbackTCP: address.family != AF_UNIX && address.isLocal
        }
    }
}

/// The TLS context a server's port uses for its next connection: a fixed one, or one that a
/// fetch function may replace before each handshake (certificate rotation).
final class ServerTLSSource: @unchecked Sendable {  // `current` is protected by `lock`
    private let fetch: (@Sendable () -> TLSConfiguration?)?
    private let lock = Lock()
    private var current: TLSContext

    init(_ context: TLSContext, fetch: (@Sendable () -> TLSConfiguration?)? = nil) {
        current = context
        self.fetch = fetch
    }

    /// The context for a connection about to start its handshake. With a fetch function, it is
    /// called first (no lock held); a configuration it returns replaces the current one from
    /// now on, unless it cannot be used, when the current one stays.
    func contextForNextConnection() -> TLSContext {
        if let fetch, let configuration = fetch(), let context = try? TLSContext(configuration) {
            lock.withLock { current = context }
            return context
        }
        return lock.withLock { current }
    }
}

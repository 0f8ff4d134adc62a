import Logging

/// How a channel secures its connections, as grpcio's `grpc.ChannelCredentials`: TLS
/// (``sslChannelCredentials(rootCertificates:privateKey:certificateChain:)``), local
/// (``localChannelCredentials(_:)``), either with call credentials
/// (``compositeChannelCredentials(_:_:_:)``). Given to ``secureChannel(_:_:options:compression:logger:)``.
public final class ChannelCredentials: Sendable {
    enum Kind: Sendable {
        /// TLS; the context, or why it cannot be made.
        case tls(Result<TLSContext, TLSError>)
        case local(LocalConnectionKind)
    }

    let kind: Kind
    /// Credentials every call on the channel sends.
    let callCredentials: CallCredentials?

    init(kind: Kind, callCredentials: CallCredentials?) {
        self.kind = kind
        self.callCredentials = callCredentials
    }
}

/// Which local connections local credentials accept (`grpc.LocalConnectionType`).
public enum LocalConnectionType: Sendable {
    /// A Unix domain socket (`UDS`).
    case uds
    /// TCP to a loopback address (`LOCAL_TCP`).
    case localTCP

    var kind: LocalConnectionKind {
        switch self {
        case .uds: .unixSocket
        case .localTCP: .loopbackTCP
        }
    }
}

/// TLS credentials for a channel (`grpc.ssl_channel_credentials(root_certificates,
/// private_key, certificate_chain)`), all PEM bytes: the roots the server's certificate must lead
/// to (nil: the system's trust store), and for mutual TLS the client's key and certificate chain.
/// The server's certificate must name the target's host (or `grpc.ssl_target_name_override`).
/// Bytes that are not usable PEM make every connection attempt fail UNAVAILABLE with the reason.
///
/// - Parameters:
///   - rootCertificates: PEM certificates the server's certificate must lead to; nil: the
///     system's trust store.
///   - privateKey: The client's PEM private key, for mutual TLS; nil: none.
///   - certificateChain: The client's PEM certificate chain (leaf first), for mutual TLS.
/// - Returns: Credentials for ``secureChannel(_:_:options:compression:logger:)``.
public func sslChannelCredentials(
    rootCertificates: [UInt8]? = nil, privateKey: [UInt8]? = nil, certificateChain: [UInt8]? = nil
) -> ChannelCredentials {
    let configuration = TLSConfiguration(
        role: .client, certificateChain: certificateChain, privateKey: privateKey, trustRoots: rootCertificates)
    let context = Result { () throws(TLSError) in try TLSContext(configuration) }
    return ChannelCredentials(kind: .tls(context), callCredentials: nil)
}

/// Credentials for a channel to a server on this machine, without encryption
/// (`grpc.local_channel_credentials(local_connect_type)`): the connection must be a Unix socket
/// (`.uds`) or TCP to a loopback address (`.localTCP`), and call credentials are sent over it.
///
/// - Parameter localConnectType: `.localTCP` (loopback addresses) or `.uds` (Unix sockets).
/// - Returns: Credentials for ``secureChannel(_:_:options:compression:logger:)``.
public func localChannelCredentials(_ localConnectType: LocalConnectionType = .localTCP) -> ChannelCredentials {
    ChannelCredentials(kind: .local(localConnectType.kind), callCredentials: nil)
}

/// `channelCredentials` whose calls also send every one of `callCredentials`
/// (`grpc.composite_channel_credentials`).
///
/// - Parameters:
///   - channelCredentials: How connections are secured (TLS or local).
///   - callCredentials: Call credentials every call sends, after those `channelCredentials` has.
///   - more: Further call credentials, sent in order after `callCredentials`.
/// - Returns: Credentials for ``secureChannel(_:_:options:compression:logger:)``.
public func compositeChannelCredentials(
    _ channelCredentials: ChannelCredentials, _ callCredentials: CallCredentials, _ more: CallCredentials...
) -> ChannelCredentials {
    let added = ([callCredentials] + more).flatMap(\.plugins)
    return ChannelCredentials(
        kind: channelCredentials.kind,
        callCredentials: CallCredentials(plugins: (channelCredentials.callCredentials?.plugins ?? []) + added))
}

/// Makes a channel whose connections are secured by `credentials`
/// (`grpc.secure_channel(target, credentials, options, compression)`). Nothing connects until
/// the first call; see ``insecureChannel(_:options:compression:logger:)`` for the targets,
/// `options`, `compression` and `logger`.
///
/// - Parameters:
///   - target: Where to connect, as for ``insecureChannel(_:options:compression:logger:)``.
///   - credentials: TLS or local credentials, possibly with call credentials
///     (``compositeChannelCredentials(_:_:_:)``).
///   - options: grpcio's options; `grpc.ssl_target_name_override` names the host the server's
///     certificate must match.
///   - compression: The algorithm requests are compressed with, unless a call chooses otherwise.
///   - logger: Where the channel logs (swift-log); nil: the default that honours
///     `GRPC_VERBOSITY` and `GRPC_TRACE`.
/// - Returns: The channel; close it with ``Channel/close()``.
public func secureChannel(
    _ target: String, _ credentials: ChannelCredentials, options: [(String, OptionValue)] = [],
    compression: Compression? = nil, logger: Logger? = nil
) -> Channel {
    Channel(
        transport: ChannelTransport(
            target: target, options: options, compression: compression, credentials: credentials, logger: logger),
        interceptors: [])
}

/// How a server port secures its connections, as grpcio's `grpc.ServerCredentials`: TLS
/// (``sslServerCredentials(_:rootCertificates:requireClientAuth:)``), TLS whose certificates
/// can change while the server runs
/// (``dynamicSSLServerCredentials(_:fetcher:requireClientAuthentication:)``),
/// or local (``localServerCredentials(_:)``). Given to ``Server/addSecurePort(_:_:)``.
public final class ServerCredentials: Sendable {
    let security: ServerSecurity

    init(security: ServerSecurity) {
        self.security = security
    }
}

/// A server's private key and certificate chain (leaf first), PEM bytes.
public typealias PrivateKeyCertificateChainPair = (privateKey: [UInt8], certificateChain: [UInt8])

/// TLS credentials for a server port (`grpc.ssl_server_credentials(private_key_certificate_chain_pairs,
/// root_certificates, require_client_auth)`): its key and certificate chain, and for mutual TLS
/// the roots client certificates must lead to, with `requireClientAuth` refusing clients that
/// present none. Throws when the pairs are empty, when client authentication is required without
/// roots (as grpcio raises), or when the PEM bytes cannot be used.
///
/// Only the first pair is used: a server presents one certificate chain.
///
/// - Parameters:
///   - privateKeyCertificateChainPairs: The server's PEM private key and certificate chain (leaf
///     first); only the first pair is used.
///   - rootCertificates: PEM certificates that client certificates must lead to; nil asks
///     clients for no certificate.
///   - requireClientAuth: Whether a client without a certificate that leads to the roots is
///     refused at the handshake.
/// - Returns: Credentials for ``Server/addSecurePort(_:_:)``.
/// - Throws: ``UsageError`` when there is no pair, when client authentication is required
///   without roots, or when OpenSSL cannot use the key, the chain or the roots.
public func sslServerCredentials(
    _ privateKeyCertificateChainPairs: [PrivateKeyCertificateChainPair], rootCertificates: [UInt8]? = nil,
    requireClientAuth: Bool = false
) throws -> ServerCredentials {
    let configuration = try sslServerCertificateConfiguration(
        privateKeyCertificateChainPairs, rootCertificates: rootCertificates)
    return try dynamicSSLServerCredentials(
        configuration, fetcher: { nil }, requireClientAuthentication: requireClientAuth)
}

/// A server's TLS certificates, for ``dynamicSSLServerCredentials(_:fetcher:requireClientAuthentication:)``
/// (`grpc.ServerCertificateConfiguration`).
public final class ServerCertificateConfiguration: Sendable {
    let pair: KeyAndChain
    let rootCertificates: [UInt8]?

    init(pair: KeyAndChain, rootCertificates: [UInt8]?) {
        self.pair = pair
        self.rootCertificates = rootCertificates
    }

    func tlsConfiguration(requireClientAuth: Bool) -> TLSConfiguration {
        TLSConfiguration(
            role: .server, certificateChain: pair.certificateChain, privateKey: pair.privateKey,
            trustRoots: rootCertificates, clientCertificates: requireClientAuth ? .required : .notRequested)
    }
}

/// A key and chain kept in a `Sendable` value.
struct KeyAndChain: Sendable {
    var privateKey: [UInt8]
    var certificateChain: [UInt8]
}

/// A server certificate configuration (`grpc.ssl_server_certificate_configuration(
/// private_key_certificate_chain_pairs, root_certificates)`). Throws when the pairs are empty.
///
/// - Parameters:
///   - privateKeyCertificateChainPairs: The server's PEM private key and certificate chain (leaf
///     first); only the first pair is used.
///   - rootCertificates: PEM certificates that client certificates must lead to; nil: none.
/// - Returns: The configuration. Its PEM bytes are checked only when it is used, by
///   ``dynamicSSLServerCredentials(_:fetcher:requireClientAuthentication:)`` or its fetcher.
/// - Throws: ``UsageError`` "At least one private key-certificate chain pair is required!" when
///   `privateKeyCertificateChainPairs` is empty.
public func sslServerCertificateConfiguration(
    _ privateKeyCertificateChainPairs: [PrivateKeyCertificateChainPair], rootCertificates: [UInt8]? = nil
) throws -> ServerCertificateConfiguration {
    guard let first = privateKeyCertificateChainPairs.first else {
        throw UsageError("At least one private key-certificate chain pair is required!")
    }
    return ServerCertificateConfiguration(
        pair: KeyAndChain(privateKey: first.privateKey, certificateChain: first.certificateChain),
        rootCertificates: rootCertificates)
}

/// TLS credentials whose certificates may change while the server runs
/// (`grpc.dynamic_ssl_server_credentials(initial_certificate_configuration,
/// certificate_configuration_fetcher, require_client_authentication)`): before each new
/// connection's handshake, `fetcher` is called (on the server's event loop, no lock held; keep it
/// quick) and may return a new configuration, used from then on, or nil to keep the current one.
/// A configuration that cannot be used is ignored and the current one stays. Throws when
/// `initialConfiguration` cannot be used.
///
/// - Parameters:
///   - initialConfiguration: The certificates used until `fetcher` returns others.
///   - fetcher: Called before each new connection's handshake; returns new certificates, or nil
///     to keep the current ones.
///   - requireClientAuthentication: Whether a client without a certificate that leads to the
///     configuration's roots is refused at the handshake.
/// - Returns: Credentials for ``Server/addSecurePort(_:_:)``.
/// - Throws: ``UsageError`` when client authentication is required and `initialConfiguration` has
///   no roots, or when OpenSSL cannot use its key, chain or roots.
public func dynamicSSLServerCredentials(
    _ initialConfiguration: ServerCertificateConfiguration,
    fetcher: @escaping @Sendable () -> ServerCertificateConfiguration?,
    requireClientAuthentication: Bool = false
) throws -> ServerCredentials {
    if requireClientAuthentication && initialConfiguration.rootCertificates == nil {
        throw UsageError("Illegal to require client auth without providing root certificates!")
    }
    let initial: TLSContext
    do {
        initial = try TLSContext(initialConfiguration.tlsConfiguration(requireClientAuth: requireClientAuthentication))
    } catch {
        throw UsageError("the server's TLS credentials cannot be used: \(error)")
    }
    let source = ServerTLSSource(initial) {
        fetcher()?.tlsConfiguration(requireClientAuth: requireClientAuthentication)
    }
    return ServerCredentials(security: .tls(source))
}

/// Credentials for a port that serves only clients on this machine, without encryption
/// (`grpc.local_server_credentials(local_connect_type)`): a connection from elsewhere is closed
/// at once.
///
/// - Parameter localConnectType: `.localTCP` (loopback addresses) or `.uds` (Unix sockets).
/// - Returns: Credentials for ``Server/addSecurePort(_:_:)``.
public func localServerCredentials(_ localConnectType: LocalConnectionType = .localTCP) -> ServerCredentials {
    ServerCredentials(security: .local(localConnectType.kind))
}

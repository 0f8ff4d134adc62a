import COpenSSL

/// What one end of a TLS connection presents and trusts, as PEM bytes; a ``TLSContext`` is made
/// from it.
struct TLSConfiguration: Sendable, Hashable {
    enum Role: Sendable, Hashable { case client, server }

    /// How a server treats client certificates.
    enum ClientCertificates: Sendable, Hashable {
        /// None is asked for.
        case notRequested
        /// Asked for and verified against the trust roots; a client without one is refused.
        case required
    }

    var role: Role
    /// Our certificate chain (leaf first) and its key; optional for a client.
    var certificateChain: [UInt8]?
    var privateKey: [UInt8]?
    /// The certificates the peer's chain must lead to; nil on a client means the system's trust store.
    var trustRoots: [UInt8]?
    var clientCertificates: ClientCertificates = .notRequested
}

/// The reason a TLS setting, certificate or handshake was refused.
struct TLSError: Error, Sendable, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }

    /// `what` followed by the reasons OpenSSL queued on this thread (the queue is emptied).
    static func fromOpenSSL(_ what: String) -> TLSError {
        let reasons = openSSLErrors()
        return TLSError(reasons.isEmpty ? what : "\(what): \(reasons)")
    }

    /// The reasons OpenSSL queued on this thread, oldest first, `; `-separated; empties the queue.
    static func openSSLErrors() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                reasons.append("OpenSSL error \(code)")
            }
        }
        return reasons.joined(separator: "; ")
    }
}

/// An OpenSSL `SSL_CTX` made from a ``TLSConfiguration``: TLS 1.2 and 1.3, ALPN `h2`, the
/// certificate chain, the key and the trust roots loaded. Shared by every connection made with
/// it; OpenSSL allows that from any thread.
final class TLSContext: @unchecked Sendable {  // the SSL_CTX is not changed after init
    /// The one protocol offered and accepted (ALPN).
    static let applicationProtocol: [UInt8] = Array("h2".utf8)

    let configuration: TLSConfiguration
    let context: OpaquePointer

    /// OpenSSL set up once, before its first use, without the cleanup it would otherwise run at
    /// exit: a thread still inside OpenSSL then (a connection attempt the process no longer waits
    /// for) would find its locks freed.
    private static let openSSLReady: Bool = copenssl_init_without_atexit() == 1

    init(_ configuration: TLSConfiguration) throws(TLSError) {
        guard TLSContext.openSSLReady else { throw TLSError.fromOpenSSL("OpenSSL cannot be initialized") }
        self.configuration = configuration
        guard let context = SSL_CTX_new(configuration.role == .client ? TLS_client_method() : TLS_server_method())
        else { throw TLSError.fromOpenSSL("cannot make a TLS context") }
        self.context = context
        _ = copenssl_ctx_set_min_tls12(context)
        // Written records are handed over whole (the buffer may move between retries), and
        // an idle connection gives its read and write buffers back.
        _ = copenssl_ctx_set_mode(
            context, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS))
        copenssl_ctx_set_read_ahead(context)
        try load(configuration)
        switch configuration.role {
        case .client:
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        case .server:
            SSL_CTX_set_alpn_select_cb(context, selectApplicationProtocol, nil)
            if configuration.clientCertificates == .required {
                SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
            }
        }
    }

    deinit {
        SSL_CTX_free(context)
    }

    private func load(_ configuration: TLSConfiguration) throws(TLSError) {
        if let chain = configuration.certificateChain {
            let certificates = try PEM.certificates(chain, what: "certificate chain")
            defer { for certificate in certificates { X509_free(certificate) } }
            guard SSL_CTX_use_certificate(context, certificates[0]) == 1 else {
                throw TLSError.fromOpenSSL("the certificate cannot be used")
            }
            for certificate in certificates.dropFirst() {
                // add1: the context takes its own reference.
                guard SSL_CTX_ctrl(context, SSL_CTRL_CHAIN_CERT, 1, UnsafeMutableRawPointer(certificate)) == 1 else {
                    throw TLSError.fromOpenSSL("the certificate chain cannot be used")
                }
            }
        }
        if let key = configuration.privateKey {
            let privateKey = try PEM.privateKey(key)
            defer { EVP_PKEY_free(privateKey) }
            guard SSL_CTX_use_PrivateKey(context, privateKey) == 1 else {
                throw TLSError.fromOpenSSL("the private key cannot be used")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw TLSError.fromOpenSSL("the private key does not match the certificate")
            }
        } else if configuration.certificateChain != nil {
            throw TLSError("a certificate chain needs its private key")
        }
        if let roots = configuration.trustRoots {
            let certificates = try PEM.certificates(roots, what: "root certificates")
            defer { for certificate in certificates { X509_free(certificate) } }
            let store = SSL_CTX_get_cert_store(context)
            for certificate in certificates {
                guard X509_STORE_add_cert(store, certificate) == 1 else {
                    throw TLSError.fromOpenSSL("a root certificate cannot be used")
                }
            }
            if configuration.role == .server {
                // The CAs a client is told it may present a certificate from.
                let names = copenssl_x509_name_stack_new()
                for certificate in certificates {
                    _ = copenssl_x509_name_stack_push(names, X509_NAME_dup(X509_get_subject_name(certificate)))
                }
                SSL_CTX_set_client_CA_list(context, names)
            }
        } else if configuration.role == .client {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw TLSError.fromOpenSSL("the system's trust store cannot be loaded")
            }
        }
        ERR_clear_error()
    }
}

/// The server's ALPN choice: `h2` when the client offers it; otherwise the handshake fails. The
/// `no_application_protocol` alert OpenSSL queues is dropped with the connection: the client
/// sees the connection close, as it does when grpcio's server refuses it after the handshake.
private func selectApplicationProtocol(
    _ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    _ outLength: UnsafeMutablePointer<UInt8>?, _ offered: UnsafePointer<UInt8>?, _ offeredLength: UInt32,
    _ argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let offered, let out, let outLength else { return SSL_TLSEXT_ERR_ALERT_FATAL }
    // The offer is a list of length-prefixed names.
    var index = 0
    let count = Int(offeredLength)
    while index < count {
        let length = Int(offered[index])
        let start = index + 1
        guard start + length <= count else { break }
        if length == 2 && offered[start] == UInt8(ascii: "h") && offered[start + 1] == UInt8(ascii: "2") {
            out.pointee = offered + start
            outLength.pointee = 2
            return SSL_TLSEXT_ERR_OK
        }
        index = start + length
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL
}

/// Reading PEM bytes.
enum PEM {
    /// Every certificate in `pem`, in order; at least one. The caller frees them.
    static func certificates(_ pem: [UInt8], what: String) throws(TLSError) -> [OpaquePointer] {
        var certificates: [OpaquePointer] = []
        pem.withUnsafeBytes { bytes in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return }
            defer { BIO_free(bio) }
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(certificate)
            }
        }
        ERR_clear_error()  // the end of the input reads as an error
        guard !certificates.isEmpty else { throw TLSError("the \(what) hold no PEM certificate") }
        return certificates
    }

    /// The private key in `pem`. The caller frees it.
    static func privateKey(_ pem: [UInt8]) throws(TLSError) -> OpaquePointer {
        let key: OpaquePointer? = pem.withUnsafeBytes { bytes in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { throw TLSError.fromOpenSSL("the private key is not a PEM private key") }
        return key
    }
}

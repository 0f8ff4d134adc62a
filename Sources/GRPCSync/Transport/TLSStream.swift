import COpenSSL
import Glibc

/// TLS over one connection's socket: OpenSSL reads the ciphertext straight from the socket (a
/// `BIO` whose read is `recv`), and the records it writes are queued in ``cipherText`` and sent
/// from there, so encrypting never waits for the socket. The HTTP/2 session above reads and
/// writes plaintext through ``ConnectionSocket`` as it does without TLS. Used under the
/// connection's lock.
final class TLSStream {
    enum State: Equatable {
        case handshaking
        case established
        /// The handshake or the record layer failed; the text says why.
        case failed(String)
    }

    /// How much plaintext is encrypted before the records made from it are sent.
    static let encryptBatchSize = 64 * 1024

    let role: TLSConfiguration.Role
    private let ssl: OpaquePointer
    private let fd: Int32
    /// Records waiting for the socket: a batch of encrypted plaintext is a bit over
    /// ``encryptBatchSize``, and its buffer stays for the next batch.
    var cipherText = WriteQueue(keptCapacity: 2 * TLSStream.encryptBatchSize)
    private(set) var state = State.handshaking
    /// The peer's close_notify arrived.
    private(set) var sawCloseNotify = false
    /// A client's ClientHello has been made.
    private var sentFirstFlight = false
    /// The write path is making the ClientHello: the socket BIO reads nothing meanwhile.
    private var makingFirstFlight = false

    /// A TLS stream over `fd` with `context`'s settings; a client names the server it expects
    /// (`serverName`: checked against the certificate, sent as SNI when it is a host name).
    init(context: TLSContext, fd: Int32, serverName: String?) throws(TLSError) {
        guard let ssl = SSL_new(context.context) else { throw TLSError.fromOpenSSL("cannot start TLS") }
        self.ssl = ssl
        self.fd = fd
        role = context.configuration.role
        guard let bio = BIO_new(TLSStream.socketMethod) else {
            SSL_free(ssl)
            throw TLSError.fromOpenSSL("cannot start TLS")
        }
        BIO_set_data(bio, Unmanaged.passUnretained(self).toOpaque())
        BIO_set_init(bio, 1)
        SSL_set_bio(ssl, bio, bio)
        if role == .client {
            try configureClient(serverName: serverName)
            SSL_set_connect_state(ssl)
        } else {
            SSL_set_accept_state(ssl)
        }
    }

    deinit {
        SSL_free(ssl)
    }

    private func configureClient(serverName: String?) throws(TLSError) {
        var protocols = [UInt8(TLSContext.applicationProtocol.count)] + TLSContext.applicationProtocol
        guard SSL_set_alpn_protos(ssl, &protocols, UInt32(protocols.count)) == 0 else {
            throw TLSError.fromOpenSSL("cannot offer ALPN h2")
        }
        guard let serverName else { return }
        // An IP address is matched against the certificate's IP names and not sent as SNI.
        let host =
            serverName.hasPrefix("[") && serverName.hasSuffix("]")
            ? String(serverName.dropFirst().dropLast()) : serverName
        if SocketAddress.isNumericHost(host) {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 else {
                throw TLSError.fromOpenSSL("cannot verify the server's address \(host)")
            }
        } else {
            guard SSL_set1_host(ssl, host) == 1, copenssl_set_sni(ssl, host) == 1 else {
                throw TLSError.fromOpenSSL("cannot verify the server's name \(host)")
            }
        }
    }

    var isEstablished: Bool { state == .established }

    // MARK: reading

    /// Decrypts what has arrived into `buffer`: stops when the buffer is full or the socket has
    /// nothing more; drives the handshake first while it lasts.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ConnectionSocket.ReadResult {
        if state == .handshaking {
            switch handshake() {
            case .established: break
            case .needsInput: return .wouldBlock
            case .failed(let reason): return .handshakeFailed(reason)
            }
        }
        if case .failed(let reason) = state { return .failed(reason) }
        var filled = 0
        while filled < buffer.count {
            var read = 0
            let ok = SSL_read_ex(ssl, buffer.baseAddress! + filled, buffer.count - filled, &read)
            if ok == 1 {
                filled += read
                continue
            }
            switch SSL_get_error(ssl, 0) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return filled > 0 ? .bytes(filled) : .wouldBlock
            case SSL_ERROR_ZERO_RETURN:
                sawCloseNotify = true
                return filled > 0 ? .bytes(filled) : .endOfStream
            case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
                // The socket ended without close_notify: a truncation, reported once what was
                // decrypted has been handed on.
                if filled > 0 { return .bytes(filled) }
                state = .failed("TLS connection closed without close_notify")
                return .endOfStream
            default:
                let reason = TLSError.fromOpenSSL("TLS record layer failed").description
                if filled > 0 { return .bytes(filled) }
                state = .failed(reason)
                return .failed(reason)
            }
        }
        return .bytes(filled)
    }

    /// Whether a read that filled less than its buffer may have left input behind (a
    /// close_notify arrived after data, which no socket event would announce again).
    var hasUnreportedEnd: Bool { sawCloseNotify }

    private enum HandshakeStep {
        case established, needsInput
        case failed(String)
    }

    private func handshake() -> HandshakeStep {
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            guard negotiatedH2 else {
                let reason = "the peer did not negotiate the h2 application protocol (ALPN)"
                state = .failed(reason)
                return .failed(reason)
            }
            state = .established
            return .established
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .needsInput
        default:
            let reason = handshakeFailureReason()
            state = .failed(reason)
            return .failed(reason)
        }
    }

    private var negotiatedH2: Bool {
        var name: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &name, &length)
        guard let name, Int(length) == TLSContext.applicationProtocol.count else { return false }
        return UnsafeBufferPointer(start: name, count: Int(length)).elementsEqual(TLSContext.applicationProtocol)
    }

    private func handshakeFailureReason() -> String {
        let verify = SSL_get_verify_result(ssl)
        let queued = TLSError.openSSLErrors()
        if verify != X509_V_OK, let text = X509_verify_cert_error_string(verify) {
            return "certificate verify failed: \(String(cString: text))"
        }
        if !queued.isEmpty { return queued }
        return "the peer closed the connection during the TLS handshake"
    }

    // MARK: writing

    /// Sends queued records, finishes the handshake's part that writes, and encrypts the
    /// plaintext queued in `plainText` as far as the socket takes it.
    func write(from plainText: inout WriteQueue) -> ConnectionSocket.WriteResult {
        while true {
            if !cipherText.isEmpty {
                switch cipherText.write(to: fd) {
                case .done: break
                case .wouldBlock: return .wouldBlock
                case .failed: return .failed
                }
            }
            switch state {
            case .handshaking:
                // Only a client's first flight is written from here. Everything after needs the
                // peer's bytes, and handling them belongs to the read path: a handshake that ended
                // here would end unseen, with no socket event left to report it.
                if role == .client && !sentFirstFlight {
                    sentFirstFlight = true
                    // The peer's bytes stay in the socket, for the read path: a server that
                    // speaks first (HTTP/2 in the clear sends its SETTINGS at once) would
                    // otherwise fail the handshake here, with no socket event left to report it.
                    makingFirstFlight = true
                    let step = handshake()
                    makingFirstFlight = false
                    if case .failed = step { return .failed }
                    if !cipherText.isEmpty { continue }
                }
                return plainText.isEmpty ? .done : .waitingForHandshake
            case .failed:
                return .failed
            case .established:
                break
            }
            if plainText.isEmpty { return .done }
            let ok = plainText.consume(upTo: TLSStream.encryptBatchSize) { bytes in
                var written = 0
                return SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &written) == 1
            }
            if !ok {
                state = .failed(TLSError.fromOpenSSL("TLS encryption failed").description)
                return .failed
            }
        }
    }

    /// Queues a close_notify alert (the connection is closing in order).
    func shutdown() {
        guard state == .established else { return }
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    // MARK: the peer

    /// What the handshake established about the peer: its certificate and the rest of its
    /// verified chain (leaf first; the caller frees them) and the session's settings.
    func peerCertificates() -> (chain: [OpaquePointer], session: AuthProperties.Session) {
        var chain: [OpaquePointer] = []
        if let leaf = SSL_get1_peer_certificate(ssl) {
            chain.append(leaf)
            // Then the rest of the chain that verification built, up to the trusted root.
            let verified = SSL_get0_verified_chain(ssl)
            for i in 0..<copenssl_x509_stack_count(verified) {
                guard let certificate = copenssl_x509_stack_at(verified, i), X509_cmp(leaf, certificate) != 0 else {
                    continue
                }
                X509_up_ref(certificate)
                chain.append(certificate)
            }
        }
        let serverName = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) }
        let group = SSL_group_to_name(ssl, Int32(copenssl_negotiated_group(ssl))).map { String(cString: $0) }
        let session = AuthProperties.Session(
            reused: copenssl_session_reused(ssl) == 1, requestedServerName: serverName,
            version: String(cString: SSL_get_version(ssl)), keyExchangeGroup: group)
        return (chain, session)
    }

    // MARK: the socket BIO

    /// Reads with `recv` from the stream's socket; writes append to ``cipherText``.
    private nonisolated(unsafe) static let socketMethod: OpaquePointer = {
        let method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "grpc-sync socket")!
        BIO_meth_set_write_ex(method) { bio, data, length, written in
            guard let bio, let data, let written else { return 0 }
            let stream = Unmanaged<TLSStream>.fromOpaque(BIO_get_data(bio)).takeUnretainedValue()
            stream.cipherText.append(copying: UnsafeRawBufferPointer(start: data, count: length))
            written.pointee = length
            return 1
        }
        BIO_meth_set_read_ex(method) { bio, data, length, read in
            guard let bio, let data, let read else { return 0 }
            let stream = Unmanaged<TLSStream>.fromOpaque(BIO_get_data(bio)).takeUnretainedValue()
            copenssl_bio_clear_retry(bio)
            if stream.makingFirstFlight {
                read.pointee = 0
                copenssl_bio_set_retry_read(bio)
                return 0
            }
            let n = recv(stream.fd, data, length, 0)
            if n > 0 {
                read.pointee = n
                return 1
            }
            read.pointee = 0
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                copenssl_bio_set_retry_read(bio)
            }
            return 0
        }
        BIO_meth_set_ctrl(method) { _, command, _, _ in
            // Flushing is the writer's job (the records wait in cipherText); nothing else is supported.
            command == copenssl_bio_ctrl_flush() ? 1 : 0
        }
        return method
    }()
}

import COpenSSL

/// What a connection's security established about its peer, as gRPC's auth context names it:
/// properties in order (a name may repeat: each subject alternative name is one property), and
/// which property names the peer's identity.
struct AuthProperties: Sendable, Equatable {
    struct Property: Sendable, Equatable {
        var name: String
        var value: [UInt8]
    }

    var properties: [Property] = []
    /// The name of the properties that identify the peer, when some do.
    var peerIdentityKey: String?

    mutating func add(_ name: String, _ value: String) {
        properties.append(Property(name: name, value: Array(value.utf8)))
    }

    /// A connection without transport security.
    static let insecure: AuthProperties = {
        var properties = AuthProperties()
        properties.add("transport_security_type", "insecure")
        properties.add("security_level", "TSI_SECURITY_NONE")
        return properties
    }()

    /// A connection made with local credentials (a Unix socket or loopback TCP).
    static let local: AuthProperties = {
        var properties = AuthProperties()
        properties.add("transport_security_type", "local")
        properties.add("security_level", "TSI_PRIVACY_AND_INTEGRITY")
        properties.peerIdentityKey = "transport_security_type"
        return properties
    }()

    /// What a TLS handshake settled besides the peer's certificates.
    struct Session: Sendable {
        var reused: Bool
        /// The server name the client asked for (SNI), if any.
        var requestedServerName: String?
        /// `TLSv1.3`, `TLSv1.2`.
        var version: String
        /// The key exchange group (`X25519`), if known.
        var keyExchangeGroup: String?
    }

    /// A TLS connection whose peer presented `chain` (its certificate, then the rest of the
    /// verified chain; empty when it presented none),
    /// with the properties grpc core gives one. Frees the certificates.
    static func tls(chain: [OpaquePointer], session: Session) -> AuthProperties {
        defer { for certificate in chain { X509_free(certificate) } }
        var properties = AuthProperties()
        properties.add("transport_security_type", "ssl")
        if let leaf = chain.first {
            let alternativeNames = subjectAlternativeNames(leaf)
            let commonName = commonName(leaf)
            if let commonName { properties.add("x509_common_name", commonName) }
            if let subject = subject(leaf) { properties.add("x509_subject", subject) }
            for name in alternativeNames { properties.add("x509_subject_alternative_name", name.text) }
            properties.add("x509_pem_cert", pem(leaf))
            // grpc's "chain" is the verified chain above the peer's own certificate.
            if chain.count > 1 { properties.add("x509_pem_cert_chain", chain.dropFirst().map(pem).joined()) }
            for name in alternativeNames { properties.add(name.propertyName, name.text) }
            // A SPIFFE ID is the certificate's only URI name (as grpc reads it).
            let uris = alternativeNames.filter { $0.propertyName == "peer_uri" }
            if uris.count == 1, uris[0].text.hasPrefix("spiffe://") { properties.add("peer_spiffe_id", uris[0].text) }
            properties.peerIdentityKey =
                alternativeNames.isEmpty
                ? (commonName == nil ? nil : "x509_common_name") : "x509_subject_alternative_name"
        }
        properties.add("security_level", "TSI_PRIVACY_AND_INTEGRITY")
        properties.add("ssl_session_reused", session.reused ? "true" : "false")
        if let name = session.requestedServerName { properties.add("ssl_requested_server_name", name) }
        properties.add("ssl_tls_version", session.version)
        if let group = session.keyExchangeGroup { properties.add("ssl_negotiated_key_exchange_group", group) }
        return properties
    }

    // MARK: reading a certificate

    private struct AlternativeName {
        /// `peer_dns`, `peer_uri`, `peer_email` or `peer_ip`.
        var propertyName: String
        var text: String
    }

    private static func subjectAlternativeNames(_ certificate: OpaquePointer) -> [AlternativeName] {
        guard let names = copenssl_subject_alt_names(certificate) else { return [] }
        defer { copenssl_names_free(names) }
        var result: [AlternativeName] = []
        for i in 0..<copenssl_names_count(names) {
            guard let name = copenssl_names_at(names, i) else { continue }
            var length: Int32 = 0
            guard let data = copenssl_name_data(name, &length) else { continue }
            let bytes = UnsafeBufferPointer(start: data, count: Int(length))
            switch copenssl_name_type(name) {
            case GEN_DNS:
                result.append(AlternativeName(propertyName: "peer_dns", text: String(decoding: bytes, as: UTF8.self)))
            case GEN_URI:
                result.append(AlternativeName(propertyName: "peer_uri", text: String(decoding: bytes, as: UTF8.self)))
            case GEN_EMAIL:
                result.append(AlternativeName(propertyName: "peer_email", text: String(decoding: bytes, as: UTF8.self)))
            case GEN_IPADD:
                if let text = SocketAddress.text(ofIPAddress: Array(bytes)) {
                    result.append(AlternativeName(propertyName: "peer_ip", text: text))
                }
            default: continue
            }
        }
        return result
    }

    private static func commonName(_ certificate: OpaquePointer) -> String? {
        let name = X509_get_subject_name(certificate)
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
            let data = X509_NAME_ENTRY_get_data(entry)
        else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { CRYPTO_free(utf8, #fileID, #line) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// The subject as RFC 2253 text (`CN=…,O=…`).
    private static func subject(_ certificate: OpaquePointer) -> String? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, X509_get_subject_name(certificate), 0, copenssl_name_flags_rfc2253()) >= 0 else {
            return nil
        }
        return text(of: bio)
    }

    private static func pem(_ certificate: OpaquePointer) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509(bio, certificate) == 1 else { return "" }
        return text(of: bio) ?? ""
    }

    private static func text(of bio: OpaquePointer) -> String? {
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard length >= 0, let pointer else { return nil }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }
}

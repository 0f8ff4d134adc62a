/// The text encodings gRPC uses in HTTP/2 headers: `grpc-timeout`, `grpc-message` percent-encoding,
/// base64 for `-bin` metadata, and the rules for metadata keys.
enum WireFormat {
    // MARK: grpc-timeout

    /// Encodes a timeout as at most 8 digits and a unit (`n u m S M H`), rounding up.
    static func encodeTimeout(nanoseconds: UInt64) -> String {
        let units: [(UInt64, Character)] = [
            (1, "n"), (1_000, "u"), (1_000_000, "m"), (1_000_000_000, "S"),
            (60_000_000_000, "M"), (3_600_000_000_000, "H"),
        ]
        for (scale, unit) in units {
            let value = (nanoseconds + scale - 1) / scale
            if value < 100_000_000 { return "\(max(value, 1))\(unit)" }
        }
        return "99999999H"
    }

    /// Decodes a `grpc-timeout` value to nanoseconds; nil when it is malformed.
    static func decodeTimeout(_ text: String) -> UInt64? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8.count <= 9, let unit = utf8.last else { return nil }
        var value: UInt64 = 0
        for c in utf8.dropLast() {
            guard c >= 0x30, c <= 0x39 else { return nil }
            value = value * 10 + UInt64(c - 0x30)
        }
        let scale: UInt64
        switch unit {
        case UInt8(ascii: "n"): scale = 1
        case UInt8(ascii: "u"): scale = 1_000
        case UInt8(ascii: "m"): scale = 1_000_000
        case UInt8(ascii: "S"): scale = 1_000_000_000
        case UInt8(ascii: "M"): scale = 60_000_000_000
        case UInt8(ascii: "H"): scale = 3_600_000_000_000
        default: return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? UInt64.max / 2 : product
    }

    // MARK: grpc-message

    /// Percent-encodes a status message: bytes outside 0x20–0x7E, and `%`, become `%XX`.
    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            if b >= 0x20 && b <= 0x7E && b != UInt8(ascii: "%") {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a percent-encoded status message; malformed escapes are kept as they are.
    static func percentDecode(_ bytes: [UInt8]) -> String {
        guard bytes.contains(UInt8(ascii: "%")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
                let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2])
            {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    // MARK: base64 for -bin metadata

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let base64Values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in base64Alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        table[Int(UInt8(ascii: "-"))] = 62  // the URL-safe alphabet is accepted too
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Base64 without padding, as gRPC implementations send `-bin` values.
    static func base64Encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [
                base64Alphabet[Int(n >> 18 & 63)], base64Alphabet[Int(n >> 12 & 63)],
                base64Alphabet[Int(n >> 6 & 63)], base64Alphabet[Int(n & 63)],
            ]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [base64Alphabet[Int(n >> 18 & 63)], base64Alphabet[Int(n >> 12 & 63)]]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [
                base64Alphabet[Int(n >> 18 & 63)], base64Alphabet[Int(n >> 12 & 63)],
                base64Alphabet[Int(n >> 6 & 63)],
            ]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base64 with or without padding; nil when a character is not base64.
    static func base64Decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in text {
            if c == UInt8(ascii: "=") { break }
            if c == UInt8(ascii: " ") { continue }
            let v = base64Values[Int(c)]
            if v == 0xFF { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return out
    }

    /// Decodes a received `-bin` header value: comma-separated base64 parts, each one value.
    static func decodeBinaryValues(_ bytes: [UInt8]) -> [[UInt8]]? {
        var values: [[UInt8]] = []
        for part in bytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            guard let decoded = base64Decode(part) else { return nil }
            values.append(decoded)
        }
        return values
    }

    // MARK: metadata keys

    /// Who sends a block of metadata: a call (its own metadata and its credentials'), or a server
    /// (initial and trailing metadata).
    enum MetadataSender {
        case client, server
    }

    /// Header names the transport writes itself, which a user may not send as metadata: grpcio 1.85
    /// replaces, drops or acts on them (and aborts its process on a server's `grpc-timeout`).
    /// `connection` and `transfer-encoding` are HTTP/1 connection fields that HTTP/2 forbids
    /// (RFC 9113 §8.2.2). Every other legal key passes through, as grpcio sends it:
    /// `grpc-status-details-bin` and other `grpc-` keys, `host`, and a server's `user-agent`.
    static let reservedKeys: Set<String> = [
        "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-status", "grpc-message",
        "grpc-internal-encoding-request", "content-type", "te", "connection", "transfer-encoding",
    ]

    /// Keys a call may not send but a server may: grpcio's client replaces `user-agent` with its own
    /// and drops `grpc-previous-rpc-attempts` (its retries' header), while its server sends both.
    static let reservedClientKeys: Set<String> = ["user-agent", "grpc-previous-rpc-attempts"]

    /// True for a pseudo-header (`:path`) or a header the transport writes itself.
    static func isReserved(_ key: String, sender: MetadataSender) -> Bool {
        key.hasPrefix(":") || reservedKeys.contains(key) || (sender == .client && reservedClientKeys.contains(key))
    }

    /// Checks metadata a user asked to send: legal, unreserved keys and printable ASCII text values.
    static func validateOutgoing(_ metadata: Metadata, sender: MetadataSender) throws {
        for entry in metadata {
            let key = entry.key
            if key.isEmpty { throw UsageError("metadata key is empty") }
            if key.hasPrefix(":") { throw UsageError("metadata key \"\(key)\" is a pseudo-header") }
            for c in key.utf8 {
                let ok = (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F || c == 0x2E
                if !ok { throw UsageError("metadata key \"\(key)\" has an illegal character (allowed: a-z 0-9 - _ .)") }
            }
            if isReserved(key, sender: sender) {
                throw UsageError("metadata key \"\(key)\" is reserved for the transport")
            }
            if case .text(let value) = entry.value {
                if key.hasSuffix("-bin") { continue }
                for c in value.utf8 where c < 0x20 || c > 0x7E {
                    throw UsageError("metadata value for \"\(key)\" must be printable ASCII; use a -bin key for bytes")
                }
            } else if !key.hasSuffix("-bin") {
                throw UsageError("metadata key \"\(key)\" carries bytes, so it must end in -bin")
            }
        }
    }

    /// The header value to send for one metadata entry.
    static func headerValue(_ entry: Metadata.Entry) -> [UInt8] {
        if entry.key.hasSuffix("-bin") { return Array(base64Encode(entry.value.bytes).utf8) }
        return entry.value.bytes
    }

    /// Adds a received header to metadata, decoding `-bin` values; false when it is malformed.
    static func appendReceived(name: String, value: [UInt8], to metadata: inout Metadata) -> Bool {
        if name.hasSuffix("-bin") {
            guard let values = decodeBinaryValues(value) else { return false }
            for v in values { metadata.add(name, .binary(v)) }
        } else {
            metadata.add(name, .text(String(decoding: value, as: UTF8.self)))
        }
        return true
    }
}

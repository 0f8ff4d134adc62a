/// Message compression algorithms (`grpc.Compression`: `NoCompression`, `Deflate`, `Gzip`).
///
/// Where compression is chosen, the most specific setting winning:
/// - for a channel or a server: `insecureChannel(_:options:compression:logger:)`,
///   `Server(_:handlers:interceptors:options:maximumConcurrentRPCs:compression:logger:workersPerConnection:)`, or the option
///   `grpc.default_compression_algorithm` (the raw values 0, 1, 2);
/// - for a call: the `compression:` parameter of every multicallable, or
///   ``ServicerContext/setCompression(_:)`` in a handler;
/// - for one message: ``OutgoingMessage`` (client requests) or
///   ``ServicerContext/disableNextMessageCompression()`` (server responses).
///
/// `.noCompression` for a call turns compression off for that call even when the channel or server
/// compresses by default (grpcio ignores `NoCompression` there). A message goes out compressed only
/// when that makes it smaller, as in grpc; otherwise it is sent as it is, with its compressed flag
/// clear. A server compresses its responses only with an algorithm the client listed in
/// `grpc-accept-encoding`. Received messages are decompressed whatever the local settings; their
/// decompressed size counts against `grpc.max_receive_message_length`.
///
/// `deflate` is the zlib format (RFC 1950) and `gzip` the gzip format (RFC 1952), as grpc uses them.
public enum Compression: Int, Sendable, CaseIterable {
    /// No compression (`identity` on the wire).
    case noCompression = 0
    /// zlib-wrapped deflate (`deflate` on the wire).
    case deflate = 1
    /// gzip (`gzip` on the wire).
    case gzip = 2

    /// The algorithm's name in `grpc-encoding` and `grpc-accept-encoding`.
    var encodingName: String {
        switch self {
        case .noCompression: "identity"
        case .deflate: "deflate"
        case .gzip: "gzip"
        }
    }

    /// The algorithm a `grpc-encoding` name stands for; nil for one this runtime does not support.
    init?(encodingName: String) {
        self.init(encodingName: encodingName.utf8)
    }

    /// The algorithm a `grpc-encoding` name, given as bytes, stands for.
    init?<Name: Collection<UInt8>>(encodingName: Name) {
        guard let known = Compression.allCases.first(where: { $0.encodingName.utf8.elementsEqual(encodingName) })
        else { return nil }
        self = known
    }

    /// The `grpc-accept-encoding` value both sides send: every supported algorithm.
    static let acceptEncoding = Compression.allCases.map(\.encodingName).joined(separator: ", ")

    /// The algorithms a peer's `grpc-accept-encoding` value lists (names this runtime does not know
    /// are left out); `identity` is always among them.
    static func accepted(byHeaderValue value: [UInt8]?) -> Set<Compression> {
        var accepted: Set<Compression> = [.noCompression]
        guard let value else { return accepted }
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = 0
        while start < value.count {
            let end = value[start...].firstIndex(of: UInt8(ascii: ",")) ?? value.count
            var first = start
            var last = end
            while first < last && isBlank(value[first]) { first += 1 }
            while last > first && isBlank(value[last - 1]) { last -= 1 }
            if let algorithm = Compression(encodingName: value[first..<last]) { accepted.insert(algorithm) }
            start = end + 1
        }
        return accepted
    }
}

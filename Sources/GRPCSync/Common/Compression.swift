/// Message compression algorithms (`grpc.Compression`).
///
/// Only `noCompression` is implemented so far; asking for `deflate` or `gzip` fails with a
/// ``UsageError`` that says so.
public enum Compression: Int, Sendable {
    case noCompression = 0
    case deflate = 1
    case gzip = 2

    static func checkSupported(_ compression: Compression?) throws {
        if let compression, compression != .noCompression {
            throw UsageError("compression \(compression) is not supported yet; use .noCompression")
        }
    }
}

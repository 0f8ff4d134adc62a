import CZlib

/// Compresses and decompresses message payloads with the system zlib. `deflate` is the zlib format
/// (window bits 15) and `gzip` the gzip format (window bits 15 + 16), as in grpc core.
enum MessageCompression {
    /// Why a compressed message could not be decompressed.
    enum DecompressionError: Error, Equatable {
        /// The message inflates to more than the limit; inflating stopped there.
        case tooLarge(limit: Int)
        /// The bytes are not a complete, valid stream of the algorithm.
        case corrupt(String)
    }

    /// Bytes inflated per zlib call.
    private static let chunkSize = 64 * 1024

    private static func windowBits(_ compression: Compression) -> Int32? {
        switch compression {
        case .noCompression: nil
        case .deflate: 15
        case .gzip: 15 + 16
        }
    }

    /// Compresses `message` into `output` and returns the compressed length, or nil when the result
    /// does not fit in `output` (the caller passes less room than the message takes, so that nil
    /// means "not worth it") or `compression` is `.noCompression`.
    static func compress(
        _ message: UnsafeBufferPointer<UInt8>, with compression: Compression,
        into output: UnsafeMutableBufferPointer<UInt8>
    ) -> Int? {
        guard let windowBits = windowBits(compression), let input = message.baseAddress, let out = output.baseAddress,
            message.count <= Int(UInt32.max), output.count <= Int(UInt32.max)
        else { return nil }
        var stream = z_stream()
        guard czlib_deflate_init(&stream, Z_DEFAULT_COMPRESSION, windowBits) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input)
        stream.avail_in = UInt32(message.count)
        stream.next_out = out
        stream.avail_out = UInt32(output.count)
        // One call with all the input and all the room: it ends the stream, or the room was too small.
        guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return nil }
        return output.count - Int(stream.avail_out)
    }

    /// Decompresses `data`, inflating a chunk at a time and stopping as soon as the output exceeds
    /// `limit` bytes, so a small message that inflates to gigabytes costs no more than the limit.
    static func decompress(_ data: [UInt8], with compression: Compression, limit: Int) throws(DecompressionError)
        -> [UInt8]
    {
        guard let windowBits = windowBits(compression) else {
            if data.count > limit { throw .tooLarge(limit: limit) }
            return data
        }
        guard data.count <= Int(UInt32.max) else { throw .corrupt("zlib error: message too long") }
        var stream = z_stream()
        guard czlib_inflate_init(&stream, windowBits) == Z_OK else { throw .corrupt("zlib error: cannot start") }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var status = Z_OK
        data.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while status == Z_OK && output.count <= limit {
                // One byte past the limit is enough to know that the message is over it.
                let room = limit - output.count >= chunkSize ? chunkSize : limit - output.count + 1
                let produced = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(room)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return room - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[..<produced])
            }
        }
        if output.count > limit { throw .tooLarge(limit: limit) }
        switch status {
        case Z_STREAM_END:
            if stream.avail_in != 0 { throw .corrupt("not all input consumed") }
            return output
        case Z_BUF_ERROR:
            // No progress possible with output room left: the input ended before the stream did.
            throw .corrupt("data error: the compressed message ends early")
        default:
            let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
            throw .corrupt("zlib error: \(reason)")
        }
    }
}

/// gRPC's length-prefixed message framing: a compressed flag byte and a 4-byte big-endian length,
/// then the message. Messages may span DATA frames and a DATA frame may hold several messages.
enum MessageFraming {
    static let prefixLength = 5

    /// Messages at least this large are not copied behind their prefix (see ``FramedMessage``).
    static let copyLimit = 8 * 1024

    /// The prefix and `message`, compressed with `compression` when that makes it smaller (the
    /// compressed flag then set), as it is otherwise. Compression writes straight after the prefix;
    /// a large uncompressed message stays in its own buffer.
    static func frame(_ message: [UInt8], compression: Compression) -> FramedMessage {
        if compression == .noCompression && message.count >= copyLimit {
            return FramedMessage(head: prefix(compressed: false, length: message.count), tail: message)
        }
        let total = prefixLength + message.count
        let head = [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            var compressedLength: Int?
            if compression != .noCompression && message.count > 1 {
                // Room for one byte less than the message: what does not fit is not worth sending.
                let room = UnsafeMutableBufferPointer(rebasing: buffer[prefixLength..<total - 1])
                compressedLength = message.withUnsafeBufferPointer {
                    MessageCompression.compress($0, with: compression, into: room)
                }
            }
            let bodyLength = compressedLength ?? message.count
            writePrefix(compressed: compressedLength != nil, length: bodyLength, into: buffer)
            if compressedLength == nil {
                message.withUnsafeBufferPointer { source in
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[prefixLength..<total]).initialize(from: source)
                }
            }
            count = prefixLength + bodyLength
        }
        return FramedMessage(head: head, tail: nil)
    }

    private static func prefix(compressed: Bool, length: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: prefixLength) { buffer, count in
            writePrefix(compressed: compressed, length: length, into: buffer)
            count = prefixLength
        }
    }

    private static func writePrefix(compressed: Bool, length: Int, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        let n = UInt32(truncatingIfNeeded: length)
        buffer[0] = compressed ? 1 : 0
        buffer[1] = UInt8(truncatingIfNeeded: n >> 24)
        buffer[2] = UInt8(truncatingIfNeeded: n >> 16)
        buffer[3] = UInt8(truncatingIfNeeded: n >> 8)
        buffer[4] = UInt8(truncatingIfNeeded: n)
    }
}

/// A message ready for a stream, in one or two buffers, so a large message is sent from the buffer
/// it was serialized into rather than copied behind its 5-byte prefix.
struct FramedMessage {
    /// The first bytes: the prefix, followed by the message unless the message is in `tail`.
    let head: [UInt8]
    /// A large uncompressed message, sent right after `head`.
    let tail: [UInt8]?

    /// The bytes on the wire.
    var count: Int { head.count + (tail?.count ?? 0) }

    /// The bytes on the wire in one buffer.
    var bytes: [UInt8] { tail.map { head + $0 } ?? head }
}

/// A received message: its bytes, decompressed, and whether it arrived compressed.
struct ReceivedMessage {
    var bytes: [UInt8]
    var wasCompressed: Bool
}

/// Why a received byte stream could not be turned into messages.
enum DeframingError: Error, Equatable {
    /// A message's declared length is over the receive limit (length, limit).
    case tooLarge(UInt32, Int)
    /// The compressed flag is set but the stream has no message encoding.
    case compressedWithoutEncoding
    /// The flag byte is neither 0 (uncompressed) nor 1 (compressed).
    case invalidFlags(UInt8)
    /// A compressed message inflates to more than the receive limit.
    case decompressedTooLarge(Int)
    /// A compressed message is not valid in the stream's encoding.
    case decompressionFailed(String)

    /// The status a call ends with because of this error (grpc core's wording where it has one).
    var status: Status {
        switch self {
        case .tooLarge(let length, let limit): .receivedMessageTooLarge(length: length, limit: limit)
        case .compressedWithoutEncoding: .compressedWithoutEncoding
        case .invalidFlags(let flags): .invalidMessageFlags(flags)
        case .decompressedTooLarge(let limit): .decompressedMessageTooLarge(limit: limit)
        case .decompressionFailed(let reason): .decompressionFailed(reason)
        }
    }
}

/// Reassembles messages from DATA frame payloads, decompressing those with the compressed flag.
/// The declared length is checked against the limit before any buffer for the message is
/// allocated, and a compressed message is inflated only up to the limit.
struct MessageDeframer {
    let maxMessageLength: Int
    /// The algorithm compressed messages use: the peer's `grpc-encoding`.
    var encoding = Compression.noCompression
    private var prefix: [UInt8] = []
    private var current: [UInt8] = []
    private var remaining = 0
    private var inMessage = false
    private var currentIsCompressed = false
    /// Bytes of the messages received so far, as on the wire (compressed, prefixes excluded); a
    /// message counts once its prefix has arrived and passed the checks.
    private(set) var messageBytes = 0

    init(maxMessageLength: Int) {
        self.maxMessageLength = maxMessageLength
        prefix.reserveCapacity(MessageFraming.prefixLength)
    }

    /// True when bytes of a message that is not yet complete have been received.
    var hasPartialMessage: Bool { inMessage || !prefix.isEmpty }

    /// The bytes received of the message that is not yet complete, its prefix included.
    var partialLength: Int { prefix.count + (inMessage ? MessageFraming.prefixLength + current.count : 0) }

    /// Forgets the message that is not yet complete (it never will be), and its buffer.
    mutating func dropPartialMessage() {
        prefix.removeAll(keepingCapacity: true)
        current = []
        remaining = 0
        inMessage = false
    }

    /// Feeds bytes; calls `deliver` with each message completed by them.
    mutating func consume(_ bytes: UnsafeRawBufferPointer, deliver: (ReceivedMessage) -> Void) throws(DeframingError) {
        var offset = 0
        let count = bytes.count
        while offset < count {
            if !inMessage {
                let take = min(MessageFraming.prefixLength - prefix.count, count - offset)
                prefix.append(contentsOf: bytes[offset..<offset + take])
                offset += take
                if prefix.count < MessageFraming.prefixLength { return }
                let length =
                    UInt32(prefix[1]) << 24 | UInt32(prefix[2]) << 16 | UInt32(prefix[3]) << 8 | UInt32(prefix[4])
                let flags = prefix[0]
                prefix.removeAll(keepingCapacity: true)
                if flags > 1 { throw .invalidFlags(flags) }
                let compressed = flags == 1
                if compressed && encoding == .noCompression { throw .compressedWithoutEncoding }
                if Int(length) > maxMessageLength { throw .tooLarge(length, maxMessageLength) }
                currentIsCompressed = compressed
                messageBytes &+= Int(length)
                if length == 0 {
                    deliver(try complete([]))
                    continue
                }
                current = []
                // Room for what the prefix claims only once 64 KiB of it have really arrived.
                current.reserveCapacity(min(Int(length), 64 * 1024))
                remaining = Int(length)
                inMessage = true
            }
            let take = min(remaining, count - offset)
            if current.count + take > current.capacity {
                // A large message: a buffer from the pool when one is free (its pages are in memory).
                if var pooled = MessageBufferPool.shared.take(capacity: current.count + remaining) {
                    pooled.append(contentsOf: current)
                    current = pooled
                } else {
                    current.reserveCapacity(current.count + remaining)
                }
            }
            current.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take]))
            offset += take
            remaining -= take
            if remaining == 0 {
                inMessage = false
                let message = current
                current = []
                deliver(try complete(message))
            }
        }
    }

    /// The message whose bytes have all arrived, decompressed if it is compressed.
    private func complete(_ bytes: [UInt8]) throws(DeframingError) -> ReceivedMessage {
        guard currentIsCompressed else { return ReceivedMessage(bytes: bytes, wasCompressed: false) }
        do {
            let inflated = try MessageCompression.decompress(bytes, with: encoding, limit: maxMessageLength)
            return ReceivedMessage(bytes: inflated, wasCompressed: true)
        } catch {
            switch error {
            case .tooLarge(let limit): throw .decompressedTooLarge(limit)
            case .corrupt(let reason): throw .decompressionFailed(reason)
            }
        }
    }
}

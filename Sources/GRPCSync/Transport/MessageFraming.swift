/// gRPC's length-prefixed message framing: a compressed flag byte and a 4-byte big-endian length,
/// then the message. Messages may span DATA frames and a DATA frame may hold several messages.
enum MessageFraming {
    static let prefixLength = 5

    /// Appends the prefix and `message` to `buffer`.
    static func append(_ message: [UInt8], compressed: Bool = false, to buffer: inout [UInt8]) {
        let n = UInt32(truncatingIfNeeded: message.count)
        buffer.append(compressed ? 1 : 0)
        buffer.append(UInt8(truncatingIfNeeded: n >> 24))
        buffer.append(UInt8(truncatingIfNeeded: n >> 16))
        buffer.append(UInt8(truncatingIfNeeded: n >> 8))
        buffer.append(UInt8(truncatingIfNeeded: n))
        buffer.append(contentsOf: message)
    }
}

/// Why a received byte stream could not be turned into messages.
enum DeframingError: Error, Equatable {
    /// A message's declared length is over the receive limit (length, limit).
    case tooLarge(UInt32, Int)
    /// The compressed flag is set but the stream has no message encoding.
    case compressedWithoutEncoding
}

/// Reassembles messages from DATA frame payloads. The declared length is checked against the limit
/// before any buffer for the message is allocated.
struct MessageDeframer {
    let maxMessageLength: Int
    private var prefix: [UInt8] = []
    private var current: [UInt8] = []
    private var remaining = 0
    private var inMessage = false

    init(maxMessageLength: Int) {
        self.maxMessageLength = maxMessageLength
        prefix.reserveCapacity(MessageFraming.prefixLength)
    }

    /// True when bytes of a message that is not yet complete have been received.
    var hasPartialMessage: Bool { inMessage || !prefix.isEmpty }

    /// Feeds bytes; calls `deliver` with each message completed by them.
    mutating func consume(_ bytes: UnsafeRawBufferPointer, deliver: ([UInt8]) -> Void) throws(DeframingError) {
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
                let compressed = prefix[0] & 1 != 0
                prefix.removeAll(keepingCapacity: true)
                if compressed { throw .compressedWithoutEncoding }
                if Int(length) > maxMessageLength { throw .tooLarge(length, maxMessageLength) }
                if length == 0 {
                    deliver([])
                    continue
                }
                current = []
                // Grow with the bytes that really arrive, not with what the prefix claims.
                current.reserveCapacity(min(Int(length), 64 * 1024))
                remaining = Int(length)
                inMessage = true
            }
            let take = min(remaining, count - offset)
            current.append(contentsOf: bytes[offset..<offset + take])
            offset += take
            remaining -= take
            if remaining == 0 {
                inMessage = false
                deliver(current)
                current = []
            }
        }
    }
}

/// A cursor over one fuzz input: control bytes first, then the rest as data. Reading past the end
/// gives zeros, so every input is a valid one.
struct FuzzInput {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ data: UnsafeRawBufferPointer) {
        bytes = Array(data)
    }

    /// Whether every byte has been read.
    var isAtEnd: Bool { offset >= bytes.count }

    /// The next byte, or 0 past the end.
    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// The next `count` bytes, fewer at the end.
    mutating func take(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, offset + count)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// Everything not yet read.
    mutating func rest() -> [UInt8] {
        take(bytes.count - offset)
    }
}

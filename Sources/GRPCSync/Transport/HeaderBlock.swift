/// The fields of one HEADERS block as nghttp2 hands them over, one by one, kept up to the
/// metadata limit (`grpc.max_metadata_size`). Past it, the fields are still decoded (HPACK's state
/// must stay in step) but not kept, and the block is answered with RESOURCE_EXHAUSTED once complete.
/// Past ``resetFactor`` times the limit, and ``minimumGiveUpSize``, the block is given up (a
/// server resets its stream), so that a block decoding to far more than it took on the wire (an
/// HPACK bomb) costs no more work; a block of honest metadata over the limit (which decodes to
/// about what it took on the wire, at most some 150 KB with nghttp2's CONTINUATION limit) is
/// answered RESOURCE_EXHAUSTED, as grpcio answers it. A client, which answers nothing, gives a
/// block up as soon as it passes the limit, as grpcio's client does.
struct HeaderBlock {
    /// How many times the limit a block may decode to before it is given up.
    static let resetFactor = 4
    /// The decoded size below which a block is never given up.
    static let minimumGiveUpSize = 256 * 1024

    private var fields: [HeaderField] = []
    /// Bytes counted as HTTP/2 does for SETTINGS_MAX_HEADER_LIST_SIZE: name, value and 32 per field.
    private var size = 0
    /// Set once the block has gone over the limit.
    private var overflow: Status?

    /// Starts a new block.
    mutating func begin() {
        fields.removeAll(keepingCapacity: true)
        size = 0
        overflow = nil
    }

    /// One decoded field of the block; false once the block is given up: past the limit with
    /// `givesUpAtLimit` (a client), else past ``resetFactor`` times the limit and
    /// ``minimumGiveUpSize``.
    @discardableResult
    mutating func append(
        name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, limit: Int, givesUpAtLimit: Bool = false
    ) -> Bool {
        size += name.count + value.count + 32
        if size > limit {
            if overflow == nil {
                overflow = .metadataTooLarge(limit: limit)
                fields.removeAll()
            }
            return !givesUpAtLimit && size <= max(limit * HeaderBlock.resetFactor, HeaderBlock.minimumGiveUpSize)
        }
        fields.append(HeaderField(String(decoding: name, as: UTF8.self), Array(value)))
        return true
    }

    /// The complete block: its fields, or the status it is answered with when it went over the limit.
    mutating func finish() -> Result<[HeaderField], Status> {
        let result: Result<[HeaderField], Status> = overflow.map { .failure($0) } ?? .success(fields)
        // Handed over, not copied: the next block starts with a new array.
        fields = []
        size = 0
        overflow = nil
        return result
    }
}

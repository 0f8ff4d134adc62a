import CLinux
import DequeModule
import Glibc

/// What a connection has ready for its socket, in order. Small pieces (frame headers, HEADERS,
/// SETTINGS and other control frames, short DATA payloads) are copied into one buffer; a DATA
/// payload of ``borrowThreshold`` bytes or more stays in the message buffer it was serialized into,
/// so a large message is not copied on its way out: one `sendmsg` hands the kernel every piece
/// (one `iovec` each). A large buffer whose last byte has been written goes back to
/// ``MessageBufferPool`` for the next large message.
struct WriteQueue {
    /// DATA payloads at least this long are written from their message's buffer.
    static let borrowThreshold = 4096
    /// The most pieces one `sendmsg` carries.
    static let maxPiecesPerWrite = 64

    private enum Piece {
        /// A range of `copiedBytes`.
        case copied(Range<Int>)
        /// Part of a message's buffer, kept alive until written.
        case borrowed([UInt8], Range<Int>)

        var count: Int {
            switch self {
            case .copied(let range): range.count
            case .borrowed(_, let range): range.count
            }
        }
    }

    /// Where large buffers go once written.
    private let pool: MessageBufferPool
    /// The bytes of every copied piece, in order; emptied only once everything queued is written,
    /// so a copied piece's range stays valid while pieces before it leave.
    private var copiedBytes: [UInt8] = []
    /// The pieces not completely written, in order; a piece leaves once its last byte is written.
    private var pieces: Deque<Piece> = []
    /// Bytes of the first piece already written.
    private var offset = 0
    /// Bytes queued and not yet written.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// The copied bytes' buffer is kept for the next writes up to this capacity.
    private let keptCapacity: Int

    /// A queue whose copied bytes keep a buffer of up to `keptCapacity` bytes between writes
    /// (TLS records need more than the 64 KiB that frames do: a batch of them is a bit over).
    init(pool: MessageBufferPool = .shared, keptCapacity: Int = 64 * 1024) {
        self.pool = pool
        self.keptCapacity = keptCapacity
    }

    enum WriteResult {
        /// Everything queued was written.
        case done
        /// The socket took less than everything; the rest stays queued.
        case wouldBlock
        /// The socket failed; nothing stays queued.
        case failed
    }

    mutating func append(copying bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        let start = copiedBytes.count
        copiedBytes.append(contentsOf: bytes)
        // Copied pieces lie in `copiedBytes` in order: one following another is one piece.
        if case .copied(let range)? = pieces.last {
            pieces[pieces.index(before: pieces.endIndex)] = .copied(range.lowerBound..<copiedBytes.count)
        } else {
            pieces.append(.copied(start..<copiedBytes.count))
        }
        count += bytes.count
    }

    mutating func append(borrowing buffer: [UInt8], range: Range<Int>) {
        guard !range.isEmpty else { return }
        pieces.append(.borrowed(buffer, range))
        count += range.count
    }

    /// Writes to `fd` until everything is written or the socket takes no more.
    mutating func write(to fd: Int32) -> WriteResult {
        while count > 0 {
            let (written, offered) = withUnsafeTemporaryAllocation(
                of: iovec.self, capacity: WriteQueue.maxPiecesPerWrite
            ) {
                vectors in
                copiedBytes.withUnsafeBytes { copied in
                    gather(from: pieces.startIndex, into: vectors, filled: 0, copied: copied, fd: fd)
                }
            }
            if written < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .wouldBlock }
                discardAll()
                return .failed
            }
            consume(written)
            // A socket that took less than offered is full: wait until it is writable.
            if written < offered { return .wouldBlock }
        }
        return .done
    }

    /// Hands the queued bytes, oldest first and about `limit` of them at most, to `take`, which
    /// takes each piece whole or fails; what it takes leaves the queue. False when `take` failed.
    mutating func consume(upTo limit: Int, _ take: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        var taken = 0
        while count > 0 && taken < limit {
            let skip = offset
            let length = pieces[pieces.startIndex].count - skip
            let ok: Bool
            switch pieces[pieces.startIndex] {
            case .copied(let range):
                ok = copiedBytes.withUnsafeBytes {
                    take(UnsafeRawBufferPointer(rebasing: $0[(range.lowerBound + skip)..<range.upperBound]))
                }
            case .borrowed(let buffer, let range):
                ok = buffer.withUnsafeBytes {
                    take(UnsafeRawBufferPointer(rebasing: $0[(range.lowerBound + skip)..<range.upperBound]))
                }
            }
            guard ok else { return false }
            consume(length)
            taken += length
        }
        return true
    }

    /// Drops everything queued (the socket failed; the connection is closing).
    mutating func discardAll() {
        pieces.removeAll()
        copiedBytes.removeAll()
        offset = 0
        count = 0
    }

    /// Fills `vectors` from `pieces[index...]` and sends them; returns what `sendmsg` returned and
    /// how many bytes it was offered. A borrowed piece's address is valid
    /// only inside its `withUnsafeBytes`, so each borrowed piece nests the rest of the gathering
    /// (and the send) inside its own closure.
    private func gather(
        from index: Int, into vectors: UnsafeMutableBufferPointer<iovec>, filled: Int, copied: UnsafeRawBufferPointer,
        fd: Int32
    ) -> (Int, Int) {
        guard index < pieces.endIndex, filled < vectors.count else {
            var message = msghdr()
            message.msg_iov = vectors.baseAddress
            message.msg_iovlen = filled
            let offered = vectors[0..<filled].reduce(0) { $0 + $1.iov_len }
            return (sendmsg(fd, &message, Int32(MSG_NOSIGNAL)), offered)
        }
        let skip = index == pieces.startIndex ? offset : 0
        switch pieces[index] {
        case .copied(let range):
            vectors[filled] = iovec(
                iov_base: UnsafeMutableRawPointer(mutating: copied.baseAddress! + range.lowerBound + skip),
                iov_len: range.count - skip)
            return gather(from: index + 1, into: vectors, filled: filled + 1, copied: copied, fd: fd)
        case .borrowed(let buffer, let range):
            return buffer.withUnsafeBytes { bytes in
                vectors[filled] = iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress! + range.lowerBound + skip),
                    iov_len: range.count - skip)
                return gather(from: index + 1, into: vectors, filled: filled + 1, copied: copied, fd: fd)
            }
        }
    }

    /// Marks `written` bytes as written.
    private mutating func consume(_ written: Int) {
        count -= written
        var left = written
        while left > 0 {
            let rest = pieces[pieces.startIndex].count - offset
            if left < rest {
                offset += left
                return
            }
            left -= rest
            // Taken out in a statement of its own: a method call on the queue evaluated around
            // the removal would hold a copy of the queue, and the removal would copy the deque.
            let piece = pieces.removeFirst()
            release(piece)
            offset = 0
        }
        if count == 0 {
            // Every piece has left: the copied bytes are all written.
            copiedBytes.removeAll(keepingCapacity: copiedBytes.capacity <= keptCapacity)
        }
    }

    /// Lets go of a written piece, already out of `pieces`; a buffer whose last byte it was goes
    /// back to the pool.
    private func release(_ piece: Piece) {
        guard case .borrowed(let buffer, let range) = piece, range.upperBound == buffer.count else { return }
        pool.recycle(buffer)
    }
}

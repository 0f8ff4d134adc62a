import Synchronization

/// The request messages a client stream keeps while the server may still refuse it unprocessed:
/// grpc's per-call retry buffer (`grpc.per_rpc_retry_buffer_size`, 256 KiB), within the bytes all
/// of a channel's calls may keep together (``RetryBufferBudget``). When the stream is
/// refused, or fails before the response headers and the call's retry policy tries again, they go
/// back to the call, which sends them again on a new stream.
/// Past the limit nothing more is kept, what was kept is let go, and the stream cannot be sent
/// again; once the server has answered (response headers) they are let go as well.
struct RetryBuffer {
    /// The bytes kept at most (`grpc.per_rpc_retry_buffer_size`, 256 KiB by default).
    private let limit: Int
    /// What the channel's calls keep together; nil: no channel-wide limit.
    private let budget: RetryBufferBudget?

    init(limit: Int = 256 * 1024, budget: RetryBufferBudget? = nil) {
        self.limit = limit
        self.budget = budget
    }

    /// The first message, kept without allocating (most calls send one).
    private var first: FramedMessage?
    /// The messages after the first.
    private var later: [FramedMessage] = []
    private var bytes = 0
    /// More was sent than the limit allows, or the buffer was released: nothing is kept.
    private(set) var isClosed = false

    /// Keeps `message`, or lets everything go when it would pass the call's limit or the channel's.
    mutating func keep(_ message: FramedMessage) {
        guard !isClosed else { return }
        guard bytes + message.count <= limit, budget?.reserve(message.count) ?? true else {
            release()
            return
        }
        bytes += message.count
        if first == nil && later.isEmpty { first = message } else { later.append(message) }
    }

    /// Lets the messages go (their bytes back to the channel's budget); nothing is kept from now on.
    mutating func release() {
        if bytes > 0 { budget?.giveBack(bytes) }
        bytes = 0
        first = nil
        later = []
        isClosed = true
    }

    /// The kept messages, in the order they were sent.
    var messages: [FramedMessage] { (first.map { [$0] } ?? []) + later }
}

/// The request bytes all of a channel's calls may keep to send again together:
/// `grpc.retry_buffer_size` (16 MiB, as grpc-js's channel-wide limit; grpc core has only the
/// per-call one). A call whose messages would pass it keeps nothing, and cannot be sent again.
final class RetryBufferBudget: Sendable {
    /// `grpc.retry_buffer_size`.
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// The bytes kept now, by every call of the channel.
    var bytesKept: Int { used.load(ordering: .relaxed) }

    /// Takes `count` bytes from the budget; false (and nothing taken) when they would pass it.
    func reserve(_ count: Int) -> Bool {
        let (_, after) = used.wrappingAdd(count, ordering: .relaxed)
        guard after > limit else { return true }
        used.wrappingSubtract(count, ordering: .relaxed)
        return false
    }

    /// Gives `count` bytes back.
    func giveBack(_ count: Int) {
        used.wrappingSubtract(count, ordering: .relaxed)
    }
}

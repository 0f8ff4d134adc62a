/// The request messages a client stream keeps while the server may still refuse it unprocessed:
/// grpc's per-call retry buffer (`grpc.per_rpc_retry_buffer_size`, 256 KiB). When the stream is
/// refused, or fails before the response headers and the call's retry policy tries again, they go
/// back to the call, which sends them again on a new stream.
/// Past the limit nothing more is kept, what was kept is let go, and the stream cannot be sent
/// again; once the server has answered (response headers) they are let go as well.
struct RetryBuffer {
    /// The bytes kept at most (`grpc.per_rpc_retry_buffer_size`, 256 KiB by default).
    private let limit: Int

    init(limit: Int = 256 * 1024) { self.limit = limit }

    /// The first message, kept without allocating (most calls send one).
    private var first: FramedMessage?
    /// The messages after the first.
    private var later: [FramedMessage] = []
    private var bytes = 0
    /// More was sent than the limit allows, or the buffer was released: nothing is kept.
    private(set) var isClosed = false

    /// Keeps `message`, or lets everything go when it would pass the limit.
    mutating func keep(_ message: FramedMessage) {
        guard !isClosed else { return }
        guard bytes + message.count <= limit else {
            release()
            return
        }
        bytes += message.count
        if first == nil && later.isEmpty { first = message } else { later.append(message) }
    }

    /// Lets the messages go; nothing is kept from now on.
    mutating func release() {
        first = nil
        later = []
        isClosed = true
    }

    /// The kept messages, in the order they were sent.
    var messages: [FramedMessage] { (first.map { [$0] } ?? []) + later }
}

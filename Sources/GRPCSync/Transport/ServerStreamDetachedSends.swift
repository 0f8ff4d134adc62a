/// The sending side of a detached call (``DetachedResponseSender``): its handler has returned and
/// any thread may send the next response, which never waits. A stream writes one response at a
/// time for such a call; a response sent while another is still waiting to be written is held,
/// and a newer one replaces the one held. So a client that stops reading costs the server at most
/// two responses: the one being written and the latest one.
///
/// A value owned by ``ServerStream``, under the connection's lock; it only decides, the stream
/// queues what it says.
struct DetachedSends {
    /// The latest response sent while the stream still had bytes to write.
    private(set) var held: FramedMessage?
    /// Responses replaced by a newer one before they were written.
    private(set) var replacedCount = 0

    /// What to do with a response sent on a detached call.
    enum SendAction {
        /// Queue it on the stream now: nothing else waits to be written.
        case queue(FramedMessage)
        /// Held until the stream has written what it queued before.
        case held
    }

    /// A response is sent; `outboundIsEmpty` says whether the stream has written everything it
    /// queued before.
    mutating func send(_ message: FramedMessage, outboundIsEmpty: Bool) -> SendAction {
        if outboundIsEmpty && held == nil { return .queue(message) }
        if held != nil { replacedCount += 1 }
        held = message
        return .held
    }

    /// The stream has written everything it queued (nghttp2 asks for more): the held response,
    /// to queue now, if any.
    mutating func outboundDrained() -> FramedMessage? {
        defer { held = nil }
        return held
    }

    /// The call is finished from the sender: the held response, to queue before the trailers, if
    /// any.
    mutating func finishing() -> FramedMessage? {
        defer { held = nil }
        return held
    }

    /// The call ended otherwise (cancelled, deadline, connection lost): the held response is
    /// dropped.
    mutating func callEnded() {
        held = nil
    }

    /// Bytes of the held response.
    var heldBytes: Int { held?.count ?? 0 }
}

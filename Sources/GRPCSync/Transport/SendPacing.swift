/// When a queued message goes to the socket.
enum SendTiming {
    /// With whatever is sent next, so both leave in one write (a unary response and its trailers).
    case withNext
    /// Now when it is the first message or answers a message taken since the last send (the peer
    /// may be waiting for it); otherwise soon, on the loop thread, together with whatever else is
    /// queued by then, so a stream of messages leaves in a few large writes instead of one each.
    case adaptive
}

/// A stream's record of what it has sent against what it has taken, which decides when a queued
/// message is flushed (``SendTiming``) and whether a waiting thread should read the socket itself:
/// while no more messages have been taken than sent, the next one is likely a reply (unary,
/// ping-pong) rather than one more of a stream of them.
struct SendPacing {
    /// Bytes queued for sending above which a sender waits.
    static let highWater = 256 * 1024

    /// How a message just queued leaves.
    enum Flush {
        /// Not yet: with what is sent next.
        case later
        /// Now, on the sending thread.
        case now
        /// Soon, on the loop thread, with whatever else is queued by then.
        case soon
    }

    /// Messages queued so far.
    private(set) var sentMessages = 0
    /// The taken count when the last message was queued.
    private var takenAtLastSend = -1

    /// A message was queued; `takenCount` is how many the stream has taken so far.
    mutating func sent(takenCount: Int, timing: SendTiming) -> Flush {
        sentMessages += 1
        defer { takenAtLastSend = takenCount }
        switch timing {
        case .withNext: return .later
        case .adaptive: return takenCount != takenAtLastSend ? .now : .soon
        }
    }

    /// A message was queued before the stream opened (it leaves with the headers).
    mutating func preloaded() {
        sentMessages += 1
    }
}

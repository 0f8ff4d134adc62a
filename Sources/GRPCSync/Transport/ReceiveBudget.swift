import Synchronization

/// The received bytes one connection may make this side hold (`grpc.max_connection_receive_buffer_bytes`):
/// what its streams have received and the application has not yet taken, incomplete messages and
/// unread ones together, counted as they arrived on the wire.
///
/// The peer's connection window is the lever. Received bytes go back to it at once while what is
/// held, plus everything the peer may still send, stays within the limit; past that the window is
/// withheld until held bytes are released (a message taken, a stream ended), so the peer is
/// flow-controlled and the buffer never exceeds the limit. A peer that sends beyond the window
/// gets GOAWAY FLOW_CONTROL_ERROR from nghttp2. While window is withheld and every held byte is
/// part of an incomplete message, nothing the application does can free any; the connection then
/// ends the stream holding the most (``HTTP2Connection``).
struct ReceiveBudget {
    /// The default limit: 64 MiB.
    static let defaultLimit = 64 << 20

    /// Held bytes never exceed this.
    let limit: Int
    /// The connection window advertised to the peer.
    let window: Int
    /// The most bytes any connection of the process has held while withholding window: what an
    /// attacker made a connection hold (for tests; only connections past the point where window is
    /// withheld update it, never one whose buffer and window fit the limit).
    static let mostHeldWhileWithholding = Atomic<Int>(0)

    /// Bytes received and not yet released.
    private(set) var held = 0
    /// Bytes received whose window has not gone back to the peer.
    private(set) var withheld = 0

    /// A budget of `limit` bytes for a connection whose receive window is `window` bytes.
    init(limit: Int, window: Int) {
        self.limit = limit
        self.window = window
    }

    /// The limit a connection uses: `requested` (or the default), but never below what one message
    /// of `maxMessageLength` needs next to a full connection window and a stream window, so a lone
    /// large message is never held up; unlimited when messages are.
    static func effectiveLimit(requested: Int?, maxMessageLength: Int, window: Int, streamWindow: Int) -> Int {
        let (floor, overflow) = maxMessageLength.addingReportingOverflow(window + streamWindow)
        if overflow { return Int.max }
        return max(requested ?? defaultLimit, floor)
    }

    /// `count` bytes of DATA arrived; returns how many go back to the peer's connection window now.
    mutating func received(_ count: Int) -> Int {
        held += count
        withheld += count
        let giveBack = returnable()
        if withheld > 0 { _ = Self.mostHeldWhileWithholding.max(held, ordering: .relaxed) }
        return giveBack
    }

    /// `count` held bytes were released; returns how many withheld bytes go back to the peer's
    /// connection window now.
    mutating func released(_ count: Int) -> Int {
        held -= count
        return withheld == 0 ? 0 : returnable()
    }

    /// Window is being withheld: the peer cannot send all it could.
    var isWithholding: Bool { withheld > 0 }

    /// What can go back while `held` plus the peer's remaining window stays within the limit.
    private mutating func returnable() -> Int {
        let (sum, overflow) = held.addingReportingOverflow(window)
        let keep = overflow ? withheld : max(0, sum - limit)
        let giveBack = max(0, withheld - keep)
        withheld -= giveBack
        return giveBack
    }
}

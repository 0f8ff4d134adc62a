/// A request message with a per-message compression choice, for the requests of a
/// client-streaming call: pass a sequence of these instead of plain requests.
///
/// ```swift
/// let requests = [OutgoingMessage(first), OutgoingMessage(second, compressed: false)]
/// let summary = try stub.recordRoute(requests, compression: .gzip)
/// ```
/// `compressed: false` sends the message uncompressed on a call that compresses, like grpc's
/// `WriteFlag.no_compress`; `compressed: true` (the default) leaves it to the call's algorithm,
/// so it changes nothing on a call without compression.
public struct OutgoingMessage<Message> {
    /// The request.
    public var message: Message
    /// False to send this message uncompressed even when the call compresses.
    public var compressed: Bool

    /// A request and its compression choice.
    ///
    /// - Parameters:
    ///   - message: The request.
    ///   - compressed: False to send it uncompressed on a call that compresses.
    public init(_ message: Message, compressed: Bool = true) {
        self.message = message
        self.compressed = compressed
    }
}

extension OutgoingMessage: Sendable where Message: Sendable {}

/// What a connection tells one of its streams (``ServerStream``, ``ClientStream``) as nghttp2
/// reports frames and asks for bytes. Every method runs with the connection's lock held.
protocol SessionStream: AnyObject {
    var id: Int32 { get }
    /// A HEADERS block begins.
    func beginHeadersLocked()
    /// One field of the block, as decoded; false once the block is over the metadata limit.
    func headerLocked(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Bool
    /// Server: the block went over the metadata limit and its remaining fields are skipped; the
    /// stream is reset next.
    func headerBlockOverflowedLocked()
    /// The block is complete; `endStream` when its frame ended the peer's side.
    func headersReceivedLocked(category: HeadersCategory, endStream: Bool)
    /// Bytes of a DATA frame.
    func dataReceivedLocked(_ bytes: UnsafeRawBufferPointer)
    /// A DATA frame ended the peer's side (END_STREAM).
    func endOfStreamReceivedLocked()
    /// nghttp2 closed the stream; `errorCode` is the reset's, 0 after END_STREAM both ways.
    func closedLocked(errorCode: UInt32)
    /// The connection is gone (or its GOAWAY left the stream unprocessed).
    func connectionLostLocked(_ status: Status)
    /// This side ends the call with `status` and resets the stream.
    func cancelLocked(_ status: Status)
    /// Client: the server's GOAWAY names a lower last stream: it will not process this one (nghttp2
    /// closes it next).
    func refusedByGoAwayLocked()
    /// The bytes the stream holds for the connection's ``ReceiveBudget``, and whether any of them
    /// make a message the application can take.
    var receiveBufferLocked: (bytes: Int, hasMessages: Bool) { get }
    /// The connection's receive budget is spent on incomplete messages, this stream's the largest:
    /// its messages are dropped and the call ends with `status`.
    func receiveBudgetExhaustedLocked(_ status: Status)
    /// nghttp2's data source asks for up to `maxLength` bytes.
    func readOutboundLocked(maxLength: Int) -> DataSourceRead
    /// The `length` bytes announced by ``readOutboundLocked(maxLength:)`` go into `queue`.
    func writeOutboundLocked(_ length: Int, into queue: inout WriteQueue)
    /// The frame ending this side (END_STREAM) has been sent.
    func finalFrameSentLocked()
}

/// What waiting for a received message gave.
enum ReceiveResult {
    case message(ReceivedMessage)
    /// No more messages: the peer half-closed, or the call ended.
    case end
    case timedOut
}

/// What queuing a message to send gave.
enum SendResult: Equatable {
    case sent
    /// The call already ended (or its request side did); nothing was queued.
    case finished
    case timedOut
    /// Too much is queued already, and the caller asked not to wait; nothing was queued.
    case full
}

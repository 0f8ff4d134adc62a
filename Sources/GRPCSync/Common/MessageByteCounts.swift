/// The bytes of the messages a call has sent and received, as they are on the wire: compressed
/// when compressed, without their 5-byte gRPC prefix, metadata and HTTP/2 framing excluded (what
/// gRPC's OpenTelemetry metrics call the total compressed message size). Sent bytes count the
/// messages handed to the transport; received bytes the messages whose prefix has arrived.
///
/// For metrics interceptors (`GRPCSyncMetrics`): read it from a client call's
/// ``CallHandle/messageByteCounts`` or a server call's ``ServicerContext/messageByteCounts``
/// once the call has ended.
@_spi(Metrics)
public struct MessageByteCounts: Sendable, Equatable {
    /// Bytes of the messages sent.
    public var sent: Int
    /// Bytes of the messages received.
    public var received: Int

    /// Counts of `sent` and `received` bytes.
    /// - Parameters:
    ///   - sent: Bytes of the messages sent.
    ///   - received: Bytes of the messages received.
    public init(sent: Int, received: Int) {
        self.sent = sent
        self.received = received
    }
}

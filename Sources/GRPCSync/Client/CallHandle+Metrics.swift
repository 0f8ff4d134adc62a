/// What a metrics interceptor reads of a client call (`GRPCSyncMetrics`); nothing here runs
/// unless it asks.
extension CallHandle {
    /// The bytes of the messages the call has sent and received so far, as on the wire
    /// (compressed, prefixes excluded): zero before the call has a stream. With a stream opened
    /// again after the server refused the first, the last stream's.
    @_spi(Metrics)
    public var messageByteCounts: MessageByteCounts {
        guard case .started(let stream) = call.lock.withLock({ call.phase }) else {
            return MessageByteCounts(sent: 0, received: 0)
        }
        return stream.messageByteCounts
    }

    /// The target of the call's channel, as the channel was made with it (`localhost:50051`,
    /// `dns:///example.com:443`, `unix:/tmp/socket`).
    @_spi(Metrics)
    public var channelTarget: String { call.channel.target }
}

/// What a metrics interceptor reads of a server call (`GRPCSyncMetrics`); nothing here runs
/// unless it asks.
extension ServicerContext {
    /// The bytes of the messages the call has sent and received so far, as on the wire
    /// (compressed, prefixes excluded).
    @_spi(Metrics)
    public var messageByteCounts: MessageByteCounts { call.stream.messageByteCounts }

    /// The code of the status the call ended with (the one sent to the client, or CANCELLED
    /// when the client cancelled or went away), nil while it runs: unlike ``code()``, which is
    /// what the handler set, this is the outcome.
    @_spi(Metrics)
    public var finalCode: StatusCode? { call.stream.status?.code }
}

/// What every multicallable holds: the channel, the method path and the message converters.
struct MethodBinding<Request, Response>: Sendable {
    let channel: Channel
    let method: String
    let serializer: Serializer<Request>
    let deserializer: Deserializer<Response>

    /// A new call of this method with the per-call settings (not started yet).
    func makeCall(timeout: Double?, metadata: Metadata, waitForReady: Bool?, compression: Compression?) throws
        -> ClientCall
    {
        try ClientCall(
            channel: channel, method: method, timeout: timeout, metadata: metadata, waitForReady: waitForReady,
            compression: compression)
    }
}

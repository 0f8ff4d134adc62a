/// What every multicallable holds: the channel's transport and interceptors, the method path and
/// the message converters.
struct MethodBinding<Request, Response>: Sendable {
    let transport: ChannelTransport
    let interceptors: [any ClientInterceptor]
    let method: String
    let serializer: Serializer<Request>
    let deserializer: Deserializer<Response>

    /// The details a call starts with, before any interceptor changes them.
    func details(
        timeout: Double?, metadata: Metadata, waitForReady: Bool?, compression: Compression?,
        credentials: CallCredentials?
    ) -> ClientCallDetails {
        ClientCallDetails(
            method: method, timeout: timeout, metadata: metadata, waitForReady: waitForReady, compression: compression,
            credentials: credentials)
    }

    /// A new call with `details` (not started yet).
    func makeCall(_ details: ClientCallDetails) throws -> ClientCall {
        try ClientCall(
            channel: transport, method: details.method, timeout: details.timeout, metadata: details.metadata,
            waitForReady: details.waitForReady, compression: details.compression, credentials: details.credentials)
    }

    /// A call that ended before it started because an interceptor threw.
    func interceptionFailure() -> ClientCall {
        ClientCall(interceptionFailedFor: method, channel: transport)
    }

    /// The channel's interceptors that take part in calls of one kind, outermost first.
    func interceptors<Kind>(_ kind: Kind.Type) -> [Kind] {
        interceptors.compactMap { $0 as? Kind }
    }
}

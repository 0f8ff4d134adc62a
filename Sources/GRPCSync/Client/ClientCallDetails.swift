/// The settings a client call starts with, as client interceptors see them
/// (`grpc.ClientCallDetails`). An interceptor passes a changed copy to its continuation to change
/// the call: another method, a timeout, extra metadata, other call credentials.
///
/// ```swift
/// var details = clientCallDetails
/// details.metadata.add("x-request-id", "42")
/// return try continuation(details, request)
/// ```
public struct ClientCallDetails: Sendable {
    /// The full method path, `/package.Service/Method`.
    public var method: String
    /// Seconds the call may take, or nil for no deadline.
    public var timeout: Double?
    /// The metadata the call sends with its request headers.
    public var metadata: Metadata
    /// Whether the call waits for the channel to connect instead of failing fast.
    public var waitForReady: Bool?
    /// The compression asked for this call, or nil for the channel's default.
    public var compression: Compression?
    /// The call's own call credentials (`credentials=`), sent after the channel's; nil for none.
    public var credentials: CallCredentials?

    /// Details for a call of `method` (`/package.Service/Method`); the rest as a multicallable's
    /// arguments of the same names.
    ///
    /// - Parameters:
    ///   - method: The full method path, `/package.Service/Method`.
    ///   - timeout: Seconds the call may take (its deadline); nil: none.
    ///   - metadata: Metadata sent with the request headers.
    ///   - waitForReady: True waits for the channel to connect instead of failing UNAVAILABLE at
    ///     once while it cannot; nil or false fails fast, as grpcio does by default.
    ///   - compression: The call's message compression; nil: the channel's.
    ///   - credentials: Call credentials for this call, sent after the channel's.
    public init(
        method: String, timeout: Double? = nil, metadata: Metadata = [], waitForReady: Bool? = nil,
        compression: Compression? = nil, credentials: CallCredentials? = nil
    ) {
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.waitForReady = waitForReady
        self.compression = compression
        self.credentials = credentials
    }
}

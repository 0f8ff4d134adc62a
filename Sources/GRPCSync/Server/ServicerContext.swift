/// The context a handler gets with each call (`grpc.ServicerContext`).
public final class ServicerContext: @unchecked Sendable {  // state lives in `call`, under its lock
    let call: ServerCall

    init(call: ServerCall) { self.call = call }

    /// The metadata the client sent (`context.invocation_metadata()`).
    ///
    /// - Returns: The client's metadata in the order it arrived, without the transport's own headers.
    public func invocationMetadata() -> Metadata { call.invocationMetadata }

    /// The client's address: `ipv4:127.0.0.1:PORT`, `ipv6:[::1]:PORT` or `unix:PATH`.
    ///
    /// - Returns: The address in grpc's URI form, as grpcio's `context.peer()` gives it.
    public func peer() -> String { call.peer }

    /// What the connection's security established about the client (`context.auth_context()`),
    /// with grpc's property names: `transport_security_type` (`ssl`, `local` or `insecure`),
    /// `security_level`, and over TLS `ssl_session_reused` and, when the client presented a
    /// certificate, `x509_common_name`, `x509_subject`, `x509_subject_alternative_name` (one value
    /// per name), `x509_pem_cert`, `x509_pem_cert_chain`, `peer_dns`, `peer_uri`, `peer_email`,
    /// `peer_ip`.
    ///
    /// - Returns: Each property's values by its name; a value is bytes, as in grpcio.
    public func authContext() -> [String: [[UInt8]]] {
        var context: [String: [[UInt8]]] = [:]
        for property in call.authProperties.properties { context[property.name, default: []].append(property.value) }
        return context
    }

    /// The values that identify the client (`context.peer_identities()`): its certificate's
    /// subject alternative names, else its common name; nil without a client certificate.
    ///
    /// - Returns: The identities' bytes, or nil when the client presented no certificate.
    public func peerIdentities() -> [[UInt8]]? {
        let properties = call.authProperties
        guard let key = properties.peerIdentityKey else { return nil }
        return properties.properties.filter { $0.name == key }.map(\.value)
    }

    /// The auth context property that ``peerIdentities()`` takes its values from
    /// (`context.peer_identity_key()`).
    ///
    /// - Returns: `x509_subject_alternative_name` or `x509_common_name`, or nil without a client
    ///   certificate.
    public func peerIdentityKey() -> String? { call.authProperties.peerIdentityKey }

    /// The full method path, `/package.Service/Method`.
    public var method: String { call.method }

    /// Ends the call with `code` and `details` (`context.abort`). Throws always: let it propagate.
    ///
    /// - Parameters:
    ///   - code: The status the client gets; OK becomes UNKNOWN without details, as in grpcio.
    ///   - details: The status message the client gets.
    /// - Throws: ``AbortError``, always; the call ends with the code and details set here even if a
    ///   handler catches it.
    public func abort(_ code: StatusCode, _ details: String) throws -> Never {
        call.withState {
            // grpcio turns an abort with OK into UNKNOWN without details.
            $0.code = code == .ok ? .unknown : code
            $0.details = code == .ok ? "" : details
        }
        throw AbortError(code: code, details: details)
    }

    /// Ends the call with a status and its trailing metadata (`context.abort_with_status`).
    ///
    /// - Parameter status: The code, details and trailing metadata the client gets.
    /// - Throws: ``AbortError``, always, as ``abort(_:_:)``; a ``UsageError`` instead when the
    ///   trailing metadata cannot be sent (as ``setTrailingMetadata(_:)`` checks it).
    public func abortWithStatus(_ status: Status) throws -> Never {
        try WireFormat.validateOutgoing(status.trailingMetadata, sender: .server)
        call.withState { $0.trailingMetadata = status.trailingMetadata }
        try abort(status.code, status.details)
    }

    /// Sets the status code the call ends with (`context.set_code`).
    ///
    /// - Parameter code: The code; it wins over the status a handler's error would give.
    public func setCode(_ code: StatusCode) { call.withState { $0.code = code } }

    /// Sets the status message the call ends with (`context.set_details`).
    ///
    /// - Parameter details: The message sent as `grpc-message`.
    public func setDetails(_ details: String) { call.withState { $0.details = details } }

    /// The code set so far, if any (`context.code()`).
    ///
    /// - Returns: What ``setCode(_:)`` or ``abort(_:_:)`` set, or nil.
    public func code() -> StatusCode? { call.withState { $0.code } }

    /// The details set so far, if any (`context.details()`).
    ///
    /// - Returns: What ``setDetails(_:)`` or ``abort(_:_:)`` set, or nil.
    public func details() -> String? { call.withState { $0.details } }

    /// Sets the trailing metadata sent with the status (`context.set_trailing_metadata`).
    ///
    /// - Parameter metadata: The metadata; it replaces what was set before.
    /// - Throws: `UsageError` when a key is empty, upper-case or has another illegal character, is reserved
    ///   for the transport (`grpc-…`, `content-type`…), or a text value is not printable ASCII (use a
    ///   `-bin` key for bytes).
    public func setTrailingMetadata(_ metadata: Metadata) throws {
        try WireFormat.validateOutgoing(metadata, sender: .server)
        call.withState { $0.trailingMetadata = metadata }
    }

    /// The trailing metadata set so far (`context.trailing_metadata()`).
    ///
    /// - Returns: What ``setTrailingMetadata(_:)`` set, or no metadata.
    public func trailingMetadata() -> Metadata { call.withState { $0.trailingMetadata } }

    /// Sends initial metadata now (`context.send_initial_metadata`); a second call throws.
    ///
    /// - Parameter metadata: The metadata the client reads as its call's initial metadata.
    /// - Throws: `UsageError` when a key is empty, upper-case or has another illegal character, is reserved
    ///   for the transport (`grpc-…`, `content-type`…), or a text value is not printable ASCII (use a
    ///   `-bin` key for bytes). A `UsageError` too when the initial metadata has already been sent (by
    ///   this method or with the first response).
    public func sendInitialMetadata(_ metadata: Metadata) throws {
        try WireFormat.validateOutgoing(metadata, sender: .server)
        try call.sendInitialMetadata(metadata)
    }

    /// False once the call has ended: finished, cancelled by the client, past its deadline, or
    /// its connection lost (`context.is_active()`).
    ///
    /// - Returns: Whether the call is still running.
    public func isActive() -> Bool { call.isActive }

    /// Seconds until the deadline, or nil when the client set none (`context.time_remaining()`).
    ///
    /// - Returns: The seconds left, 0 once the deadline has passed; nil without a deadline.
    public func timeRemaining() -> Double? { call.deadline.timeRemaining }

    /// Cancels the call: the client sees CANCELLED (`context.cancel()`).
    public func cancel() { call.cancel() }

    /// Runs `callback` when the call ends, whatever the reason; false when it has already ended
    /// (`context.add_callback`).
    ///
    /// - Parameter callback: Runs once, on a blocking worker thread, with no lock held.
    /// - Returns: True when the callback was added, false when the call had already ended.
    @discardableResult
    public func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool { call.addCallback(callback) }

    // MARK: propagation

    /// Runs `body` so that every client call it starts, on this thread, inherits this call's
    /// deadline and cancellation, as grpc-java's `Context` passes them on (grpcio has no such
    /// thing; opt-in here): such a call's deadline is the earlier of its own `timeout:` and this
    /// call's, and it is cancelled (CANCELLED "The call that started this one has ended") when this
    /// call ends, finished, cancelled by its client or past its deadline.
    ///
    /// - Parameter body: The code whose client calls are tied to this call.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public func withCallPropagation<T>(_ body: () throws -> T) rethrows -> T {
        try propagation().run(body)
    }

    /// ``withCallPropagation(_:)`` for an async handler: runs `body` so that every client call it
    /// starts, in this task and the tasks it starts, inherits this call's deadline and
    /// cancellation.
    ///
    /// - Parameter body: The code whose client calls are tied to this call.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public func withCallPropagationAsync<T>(_ body: () async throws -> T) async rethrows -> T {
        try await propagation().runAsync(body)
    }

    /// The call's propagation scope, made on first use and ended with the call.
    private func propagation() -> CallPropagation {
        let (scope, made) = call.withState { state -> (CallPropagation, Bool) in
            if let scope = state.propagation { return (scope, false) }
            let scope = CallPropagation(deadline: call.deadline)
            state.propagation = scope
            return (scope, true)
        }
        if made && !call.addCallback({ scope.end() }) { scope.end() }
        return scope
    }

    // MARK: compression

    /// Compresses this call's responses with `compression` instead of the server's default
    /// (`context.set_compression`). It takes effect only before the initial metadata or the first
    /// response goes out, and only when the client accepts the algorithm (its
    /// `grpc-accept-encoding`); otherwise responses go uncompressed. `.noCompression` turns
    /// compression off for the call (in grpcio it is ignored).
    ///
    /// - Parameter compression: The algorithm for this call's responses.
    public func setCompression(_ compression: Compression) { call.withState { $0.compression = compression } }

    /// Sends the next response message uncompressed, whatever the call's algorithm
    /// (`context.disable_next_message_compression`).
    public func disableNextMessageCompression() { call.withState { $0.disableNextMessageCompression = true } }

    /// Whether the request message received last arrived compressed (its compressed flag set).
    /// grpcio has no such method; interop tests use it to check what a client sent.
    ///
    /// - Returns: Whether that message's compressed flag was set; false before any request.
    public func lastRequestWasCompressed() -> Bool { call.withState { $0.lastRequestWasCompressed } }
}

/// Thrown by ``ServicerContext/abort(_:_:)``; the call ends with the code and details it carries.
public struct AbortError: Error, Sendable, CustomStringConvertible {
    /// The code given to ``ServicerContext/abort(_:_:)``.
    public let code: StatusCode
    /// The details given to ``ServicerContext/abort(_:_:)``.
    public let details: String
    /// `aborted with CODE: DETAILS`, the error's text should a handler's wrapper log it.
    public var description: String { "aborted with \(code): \(details)" }
}

/// The ``Call`` side of a response stream or a future: every method answers for the call behind it.
public class CallHandle: Call, @unchecked Sendable {  // ClientCall is thread-safe
    let call: ClientCall
    /// What an interceptor threw, when one did: the call never started and this is rethrown.
    let interceptorError: (any Error)?

    init(call: ClientCall, interceptorError: (any Error)? = nil) {
        self.call = call
        self.interceptorError = interceptorError
    }

    /// The server's initial metadata; waits for it to arrive (``Call/initialMetadata()``).
    ///
    /// - Returns: The metadata of the response headers; empty when the call ended without any.
    public func initialMetadata() -> Metadata { call.initialMetadata() }

    /// The server's trailing metadata; waits for the call to end (``Call/trailingMetadata()``).
    ///
    /// - Returns: The metadata that came with the status.
    public func trailingMetadata() -> Metadata { call.trailingMetadata() }

    /// The status code; waits for the call to end (``Call/code()``).
    ///
    /// - Returns: The call's final code, OK when it succeeded.
    public func code() -> StatusCode { call.code() }

    /// The status message; waits for the call to end (``Call/details()``).
    ///
    /// - Returns: The final status's message, empty when there was none.
    public func details() -> String { call.details() }

    /// Cancels the call (``Call/cancel()``).
    ///
    /// - Returns: True when this cancelled the call, false when it had already ended.
    @discardableResult public func cancel() -> Bool { call.cancel() }

    /// True until the call ends (``Call/isActive()``).
    ///
    /// - Returns: Whether the call still runs.
    public func isActive() -> Bool { call.isActive() }

    /// Seconds until the deadline (``Call/timeRemaining()``).
    ///
    /// - Returns: The seconds left, 0 once the deadline has passed; nil without a deadline.
    public func timeRemaining() -> Double? { call.timeRemaining() }

    /// Runs `callback` when the call ends (``Call/addCallback(_:)``).
    ///
    /// - Parameter callback: Runs once when the call ends, on a blocking worker with no lock held.
    /// - Returns: True when the callback was added, false when the call had already ended.
    @discardableResult public func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool {
        call.addCallback(callback)
    }
}

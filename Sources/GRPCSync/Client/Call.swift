/// What every client call offers while and after it runs (`grpc.Call`).
public protocol Call: AnyObject, Sendable {
    /// The server's initial metadata; waits for it to arrive (`call.initial_metadata()`).
    ///
    /// - Returns: The metadata of the response headers; empty when the call ended without any.
    func initialMetadata() -> Metadata
    /// The server's trailing metadata; waits for the call to end (`call.trailing_metadata()`).
    ///
    /// - Returns: The metadata that came with the status.
    func trailingMetadata() -> Metadata
    /// The status code; waits for the call to end (`call.code()`).
    ///
    /// - Returns: The call's final code, OK when it succeeded.
    func code() -> StatusCode
    /// The status message; waits for the call to end (`call.details()`).
    ///
    /// - Returns: The final status's message, empty when there was none.
    func details() -> String
    /// Cancels the call; false when it had already ended (`call.cancel()`).
    ///
    /// - Returns: True when this cancelled the call, which ends CANCELLED "Locally cancelled by
    ///   application!".
    @discardableResult func cancel() -> Bool
    /// True until the call ends (`call.is_active()`).
    ///
    /// - Returns: Whether the call still runs.
    func isActive() -> Bool
    /// Seconds until the deadline, or nil without one (`call.time_remaining()`).
    ///
    /// - Returns: The seconds left, 0 once the deadline has passed; nil without a deadline.
    func timeRemaining() -> Double?
    /// Runs `callback` when the call ends; false when it has already ended (`call.add_callback`).
    ///
    /// - Parameter callback: Runs once when the call ends, on a blocking worker with no lock held.
    /// - Returns: True when the callback was added, false when the call had already ended.
    @discardableResult func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool
}

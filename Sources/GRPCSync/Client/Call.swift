/// What every client call offers while and after it runs (`grpc.Call`).
public protocol Call: AnyObject, Sendable {
    /// The server's initial metadata; waits for it to arrive (`call.initial_metadata()`).
    func initialMetadata() -> Metadata
    /// The server's trailing metadata; waits for the call to end (`call.trailing_metadata()`).
    func trailingMetadata() -> Metadata
    /// The status code; waits for the call to end (`call.code()`).
    func code() -> StatusCode
    /// The status message; waits for the call to end (`call.details()`).
    func details() -> String
    /// Cancels the call; false when it had already ended (`call.cancel()`).
    @discardableResult func cancel() -> Bool
    /// True until the call ends (`call.is_active()`).
    func isActive() -> Bool
    /// Seconds until the deadline, or nil without one (`call.time_remaining()`).
    func timeRemaining() -> Double?
    /// Runs `callback` when the call ends; false when it has already ended (`call.add_callback`).
    @discardableResult func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool
}

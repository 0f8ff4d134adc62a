/// The ``Call`` side of a response stream or a future: every method answers for the call behind it.
public class CallHandle: Call, @unchecked Sendable {  // ClientCall is thread-safe
    let call: ClientCall
    /// What an interceptor threw, when one did: the call never started and this is rethrown.
    let interceptorError: (any Error)?

    init(call: ClientCall, interceptorError: (any Error)? = nil) {
        self.call = call
        self.interceptorError = interceptorError
    }

    public func initialMetadata() -> Metadata { call.initialMetadata() }
    public func trailingMetadata() -> Metadata { call.trailingMetadata() }
    public func code() -> StatusCode { call.code() }
    public func details() -> String { call.details() }
    @discardableResult public func cancel() -> Bool { call.cancel() }
    public func isActive() -> Bool { call.isActive() }
    public func timeRemaining() -> Double? { call.timeRemaining() }
    @discardableResult public func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool {
        call.addCallback(callback)
    }
}

/// The ``Call`` side of a response stream or a future: every method answers for the call behind it.
public class CallHandle: Call, @unchecked Sendable {  // ClientCall is thread-safe
    let call: ClientCall

    init(call: ClientCall) { self.call = call }

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

/// The pending result of a unary-response call started with `.future(...)` (grpcio's
/// `grpc.Future`, which is also a `grpc.Call`).
///
/// ```swift
/// let future = try stub.getFeature.future(point)
/// let feature = try future.result(timeout: 5)
/// ```
public final class Future<Response>: CallHandle, @unchecked Sendable {  // ClientCall is thread-safe
    private let deserializer: Deserializer<Response>

    init(call: ClientCall, deserializer: @escaping Deserializer<Response>, interceptorError: (any Error)? = nil) {
        self.deserializer = deserializer
        super.init(call: call, interceptorError: interceptorError)
    }

    /// Waits up to `timeout` seconds (nil: until the call ends) and returns the response, or
    /// throws the call's ``RPCError`` (or what an interceptor threw); throws
    /// ``FutureTimeoutError`` when the wait times out, ``FutureCancelledError`` when
    /// ``CallHandle/cancel()`` ended the call.
    ///
    /// - Parameter timeout: The most seconds to wait; nil waits until the call ends.
    /// - Returns: The response message.
    /// - Throws: The call's ``RPCError`` when it did not end OK, what an interceptor threw,
    ///   ``FutureTimeoutError`` or ``FutureCancelledError``.
    public func result(timeout: Double? = nil) throws -> Response {
        if let interceptorError { throw interceptorError }
        guard call.waitUntilDone(until: Deadline.after(seconds: timeout)) else { throw FutureTimeoutError() }
        if call.isCancelledHere { throw FutureCancelledError() }
        return try call.unaryResponse(deserializer)
    }

    /// The call's error (an ``RPCError``, or what an interceptor threw), or nil when it succeeded;
    /// waits and throws like ``result(timeout:)``.
    ///
    /// - Parameter timeout: The most seconds to wait; nil waits until the call ends.
    /// - Returns: The call's error, or nil when it ended OK with a response.
    /// - Throws: ``FutureTimeoutError`` when the call has not ended in time,
    ///   ``FutureCancelledError`` when it was cancelled here.
    public func exception(timeout: Double? = nil) throws -> (any Error)? {
        if let interceptorError { return interceptorError }
        guard call.waitUntilDone(until: Deadline.after(seconds: timeout)) else { throw FutureTimeoutError() }
        if call.isCancelledHere { throw FutureCancelledError() }
        do {
            _ = try call.unaryResponse(deserializer)
            return nil
        } catch {
            return error
        }
    }

    /// Whether the call has ended, however (`future.done()`).
    ///
    /// - Returns: True once the call has ended.
    public func done() -> Bool { !call.isActive() }

    /// Whether the call runs (`future.running()`).
    ///
    /// - Returns: True until the call ends.
    public func running() -> Bool { call.isActive() }

    /// True when ``CallHandle/cancel()`` ended the call (`future.cancelled()`); false when it
    /// ended otherwise, a CANCELLED status from the server included.
    ///
    /// - Returns: Whether the call was cancelled here.
    public func cancelled() -> Bool { call.isCancelledHere }

    /// Runs `callback` with this future when the call ends, at once if it has (`add_done_callback`).
    ///
    /// - Parameter callback: Called once with this future: on a blocking worker when the call
    ///   ends, or on the calling thread when it has ended already.
    public func addDoneCallback(_ callback: @escaping @Sendable (Future<Response>) -> Void) {
        if !call.addCallback({ callback(self) }) { callback(self) }
    }
}

/// `future.result(timeout:)` waited `timeout` seconds and the call had not ended
/// (`grpc.FutureTimeoutError`).
public struct FutureTimeoutError: Error, Sendable, CustomStringConvertible {
    /// "the future did not complete within its timeout".
    public var description: String { "the future did not complete within its timeout" }
}

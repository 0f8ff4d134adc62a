/// Any client interceptor: what ``interceptChannel(_:_:)-(_,ClientInterceptor...)`` takes. Adopt
/// one or more of ``UnaryUnaryClientInterceptor``, ``UnaryStreamClientInterceptor``,
/// ``StreamUnaryClientInterceptor`` and ``StreamStreamClientInterceptor``; an interceptor takes
/// part only in the kinds of call it adopts the protocol for.
///
/// Each `intercept…` method gets a continuation, the call's details and its request (or requests).
/// It may change the details or the request and call the continuation (zero, one or several
/// times, as a retry does), and returns an outcome: usually the continuation's. What it throws
/// reaches the caller as grpcio's interceptors do: thrown as is from a blocking call; from
/// `future(…)` or a response stream, as the future's error or the stream's first `next()`, on a
/// call whose code is INTERNAL and details "Exception raised while intercepting the RPC".
public protocol ClientInterceptor: Sendable {}

/// Intercepts unary-request, unary-response calls (`grpc.UnaryUnaryClientInterceptor`).
///
/// For a blocking call the continuation returns once the call has ended; for `future(…)` at once.
/// Either way the outcome is a ``Future``: `result()` gives the response or throws, `code()` waits
/// for the status.
public protocol UnaryUnaryClientInterceptor: ClientInterceptor {
    /// `intercept_unary_unary(continuation, client_call_details, request)`.
    ///
    /// - Parameters:
    ///   - continuation: Runs the rest of the chain and the call: its outcome is a ``Future`` (for a blocking
    /// call, of a call that has ended).
    ///   - clientCallDetails: The call's method, timeout, metadata, wait-for-ready, compression
    ///     and credentials; pass a changed copy to the continuation to change them.
    ///   - request: The request message; pass it, or another, to the continuation.
    /// - Returns: Usually the continuation's outcome; the caller reads the response or error from it.
    /// - Throws: Whatever the interceptor decides to; a blocking call rethrows it as is, a
    ///   `future(…)` or response stream reports it as the call's error.
    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> Future<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ request: Request
    ) throws -> Future<Response>
}

/// Intercepts unary-request, streaming-response calls (`grpc.UnaryStreamClientInterceptor`).
public protocol UnaryStreamClientInterceptor: ClientInterceptor {
    /// `intercept_unary_stream(continuation, client_call_details, request)`.
    ///
    /// - Parameters:
    ///   - continuation: Runs the rest of the chain and starts the call; returns its response stream.
    ///   - clientCallDetails: The call's method, timeout, metadata, wait-for-ready, compression
    ///     and credentials; pass a changed copy to the continuation to change them.
    ///   - request: The request message; pass it, or another, to the continuation.
    /// - Returns: Usually the continuation's stream, or a stream wrapping it.
    /// - Throws: Whatever the interceptor decides to; a blocking call rethrows it as is, a
    ///   `future(…)` or response stream reports it as the call's error.
    func interceptUnaryStream<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> ResponseStream<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ request: Request
    ) throws -> ResponseStream<Response>
}

/// Intercepts streaming-request, unary-response calls (`grpc.StreamUnaryClientInterceptor`).
/// The requests are read lazily, after the interceptor returns; wrap them (`.lazy.map`) to see or
/// change each one.
public protocol StreamUnaryClientInterceptor: ClientInterceptor {
    /// `intercept_stream_unary(continuation, client_call_details, request_iterator)`.
    ///
    /// - Parameters:
    ///   - continuation: Runs the rest of the chain and the call with the requests it is given: its outcome
    ///     is a ``Future``.
    ///   - clientCallDetails: The call's method, timeout, metadata, wait-for-ready, compression
    ///     and credentials; pass a changed copy to the continuation to change them.
    ///   - requests: The requests, read lazily once the call runs; wrap them (`.lazy.map`) to see or change
    /// each.
    /// - Returns: Usually the continuation's outcome; the caller reads the response or error from it.
    /// - Throws: Whatever the interceptor decides to; a blocking call rethrows it as is, a
    ///   `future(…)` or response stream reports it as the call's error.
    func interceptStreamUnary<Request, Response>(
        _ continuation: (ClientCallDetails, AnySequence<Request>) throws -> Future<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ requests: AnySequence<Request>
    ) throws -> Future<Response>
}

/// Intercepts streaming-request, streaming-response calls (`grpc.StreamStreamClientInterceptor`).
public protocol StreamStreamClientInterceptor: ClientInterceptor {
    /// `intercept_stream_stream(continuation, client_call_details, request_iterator)`.
    ///
    /// - Parameters:
    ///   - continuation: Runs the rest of the chain and starts the call with the requests it is given;
    /// returns its response stream.
    ///   - clientCallDetails: The call's method, timeout, metadata, wait-for-ready, compression
    ///     and credentials; pass a changed copy to the continuation to change them.
    ///   - requests: The requests, read lazily once the call runs; wrap them (`.lazy.map`) to see or change
    /// each.
    /// - Returns: Usually the continuation's stream, or a stream wrapping it.
    /// - Throws: Whatever the interceptor decides to; a blocking call rethrows it as is, a
    ///   `future(…)` or response stream reports it as the call's error.
    func interceptStreamStream<Request, Response>(
        _ continuation: (ClientCallDetails, AnySequence<Request>) throws -> ResponseStream<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ requests: AnySequence<Request>
    ) throws -> ResponseStream<Response>
}

extension AIO {
    /// Any async client interceptor (`grpc.aio.ClientInterceptor`): what
    /// ``AIO/insecureChannel(_:options:compression:interceptors:logger:)`` takes. Adopt one or more
    /// of ``UnaryUnaryClientInterceptor``, ``UnaryStreamClientInterceptor``,
    /// ``StreamUnaryClientInterceptor`` and ``StreamStreamClientInterceptor``; an interceptor takes
    /// part in every kind of call it adopts the protocol for (grpc.aio registers one for the first
    /// kind it subclasses only; `docs/porting.md` says why this differs).
    ///
    /// Each `intercept…` method gets a continuation, the call's details and its request (or
    /// requests). It may change the details or the request and await the continuation (zero, one
    /// or several times, as a retry does), which returns the started call; it returns a call: the
    /// continuation's, or one of its own (``UnaryUnaryCall/init(response:)``, a call whose
    /// responses it replaced). What it throws reaches the caller: thrown as is where the call is
    /// awaited, and, from the call object's `code()` and `details()`, as the error's status
    /// (INTERNAL "Exception raised while intercepting the RPC" for an error that is not an
    /// ``RPCError``).
    ///
    /// Interceptors run in the awaiting task for `try await stub.method(request)`, and in a task of
    /// their own for a call object returned at once (`call = try stub.method.call(request)`, or a
    /// streaming call): cancelling that call while they run cancels their task.
    public protocol ClientInterceptor: Sendable {}

    /// Intercepts unary-request, unary-response calls (`grpc.aio.UnaryUnaryClientInterceptor`).
    public protocol UnaryUnaryClientInterceptor: ClientInterceptor {
        /// `async intercept_unary_unary(continuation, client_call_details, request)`.
        ///
        /// - Parameters:
        ///   - continuation: Runs the rest of the chain and starts the call: `let call = try await
        ///     continuation(details, request)`; `try await call.response` then awaits its response,
        ///     `await call.code()` its status.
        ///   - clientCallDetails: The call's method, timeout, metadata, wait-for-ready, compression
        ///     and credentials; pass a changed copy to the continuation to change them.
        ///   - request: The request message; pass it, or another, to the continuation.
        /// - Returns: Usually the continuation's call; or ``UnaryUnaryCall/init(response:)`` to answer
        ///   without a call (grpc.aio's `UnaryUnaryCallResponse`).
        /// - Throws: Whatever the interceptor decides to; the caller gets it.
        func interceptUnaryUnary<Request, Response>(
            _ continuation: (ClientCallDetails, Request) async throws -> UnaryUnaryCall<Response>,
            _ clientCallDetails: ClientCallDetails,
            _ request: Request
        ) async throws -> UnaryUnaryCall<Response>
    }

    /// Intercepts unary-request, streaming-response calls (`grpc.aio.UnaryStreamClientInterceptor`).
    public protocol UnaryStreamClientInterceptor: ClientInterceptor {
        /// `async intercept_unary_stream(continuation, client_call_details, request)`.
        ///
        /// - Parameters:
        ///   - continuation: Runs the rest of the chain and starts the call; returns it.
        ///   - clientCallDetails: The call's method, timeout, metadata, wait-for-ready, compression
        ///     and credentials; pass a changed copy to the continuation to change them.
        ///   - request: The request message; pass it, or another, to the continuation.
        /// - Returns: Usually the continuation's call; or
        ///   ``UnaryStreamCall/init(_:responses:)`` with responses of the interceptor's own (grpc.aio's
        ///   async iterator returned instead of the call).
        /// - Throws: Whatever the interceptor decides to; the caller gets it from the first read.
        func interceptUnaryStream<Request, Response>(
            _ continuation: (ClientCallDetails, Request) async throws -> UnaryStreamCall<Response>,
            _ clientCallDetails: ClientCallDetails,
            _ request: Request
        ) async throws -> UnaryStreamCall<Response>
    }

    /// Intercepts streaming-request, unary-response calls (`grpc.aio.StreamUnaryClientInterceptor`).
    /// The requests are read after the interceptor returns, as the call sends them; wrap them
    /// (`Requests(requests.map { … })`) to see or change each one.
    public protocol StreamUnaryClientInterceptor: ClientInterceptor {
        /// `async intercept_stream_unary(continuation, client_call_details, request_iterator)`.
        ///
        /// - Parameters:
        ///   - continuation: Runs the rest of the chain and starts the call with the requests it is
        ///     given; returns the call.
        ///   - clientCallDetails: The call's method, timeout, metadata, wait-for-ready, compression
        ///     and credentials; pass a changed copy to the continuation to change them.
        ///   - requests: The requests: the caller's sequence, or what the caller writes with
        ///     `write(_:)`.
        /// - Returns: Usually the continuation's call.
        /// - Throws: Whatever the interceptor decides to; the caller gets it.
        func interceptStreamUnary<Request, Response>(
            _ continuation: (ClientCallDetails, Requests<Request>) async throws -> StreamUnaryCall<Request, Response>,
            _ clientCallDetails: ClientCallDetails,
            _ requests: Requests<Request>
        ) async throws -> StreamUnaryCall<Request, Response>
    }

    /// Intercepts streaming-request, streaming-response calls
    /// (`grpc.aio.StreamStreamClientInterceptor`).
    public protocol StreamStreamClientInterceptor: ClientInterceptor {
        /// `async intercept_stream_stream(continuation, client_call_details, request_iterator)`.
        ///
        /// - Parameters:
        ///   - continuation: Runs the rest of the chain and starts the call with the requests it is
        ///     given; returns the call.
        ///   - clientCallDetails: The call's method, timeout, metadata, wait-for-ready, compression
        ///     and credentials; pass a changed copy to the continuation to change them.
        ///   - requests: The requests: the caller's sequence, or what the caller writes with
        ///     `write(_:)`.
        /// - Returns: Usually the continuation's call; or ``StreamStreamCall/init(_:responses:)`` with
        ///   responses of the interceptor's own.
        /// - Throws: Whatever the interceptor decides to; the caller gets it from the first read.
        func interceptStreamStream<Request, Response>(
            _ continuation: (ClientCallDetails, Requests<Request>) async throws -> StreamStreamCall<Request, Response>,
            _ clientCallDetails: ClientCallDetails,
            _ requests: Requests<Request>
        ) async throws -> StreamStreamCall<Request, Response>
    }
}

/// The interceptors of one kind of call, outermost first, around the function that starts the
/// call: ``run(_:_:)`` calls the first with a continuation that runs the rest.
struct AsyncInterceptorChain<Interceptor, Input, Output> {
    let interceptors: [Interceptor]
    /// Calls one interceptor's `intercept…` method.
    let intercept:
        (Interceptor, (ClientCallDetails, Input) async throws -> Output, ClientCallDetails, Input) async throws ->
            Output
    /// Starts the call (the innermost continuation).
    let start: (ClientCallDetails, Input) throws -> Output

    /// Runs the chain from the outermost interceptor with the call's first details and input.
    func run(_ details: ClientCallDetails, _ input: Input) async throws -> Output {
        try await run(from: 0, details, input)
    }

    private func run(from index: Int, _ details: ClientCallDetails, _ input: Input) async throws -> Output {
        guard index < interceptors.count else {
            try Task.checkCancellation()  // a cancelled call starts nothing
            return try start(details, input)
        }
        return try await intercept(
            interceptors[index], { details, input in try await run(from: index + 1, details, input) }, details, input)
    }
}

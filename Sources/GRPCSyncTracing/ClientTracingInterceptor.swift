import GRPCSync
import Tracing

/// Starts a client span for every call on the channels it intercepts, named
/// `package.Service/Method` with the OpenTelemetry RPC attributes (`rpc.system` `grpc`,
/// `rpc.service`, `rpc.method`, and `rpc.grpc.status_code` once the call ends), and injects the
/// span's context into the call's metadata, in the format the tracer propagates (W3C
/// `traceparent` and `tracestate` with an OpenTelemetry tracer), so the server's span is its
/// child. The span's parent is the current `ServiceContext` (`ServiceContext.current`), if any.
///
/// ```swift
/// let channel = interceptChannel(insecureChannel("localhost:50051"), ClientTracingInterceptor())
/// ```
public struct ClientTracingInterceptor: UnaryUnaryClientInterceptor, UnaryStreamClientInterceptor,
    StreamUnaryClientInterceptor, StreamStreamClientInterceptor
{
    private let tracer: any Tracer

    /// An interceptor whose spans `tracer` makes.
    /// - Parameter tracer: The tracer; by default the process's (`InstrumentationSystem.tracer`).
    public init(tracer: any Tracer = InstrumentationSystem.tracer) {
        self.tracer = tracer
    }

    /// The call's span, started, and the details with its context in the metadata.
    private func start(_ details: ClientCallDetails) -> (any Span, ClientCallDetails) {
        let names = RPCSpanNames(path: details.method)
        let span = tracer.startSpan(names.spanName, context: ServiceContext.current ?? .topLevel, ofKind: .client)
        names.describe(span)
        var traced = details
        tracer.inject(span.context, into: &traced.metadata, using: MetadataInjector())
        return (span, traced)
    }

    /// Ends `span` when `call` ends.
    private func endWhenDone(_ span: any Span, _ call: any Call) {
        let end: @Sendable () -> Void = {
            RPCSpanNames.end(span, code: call.code(), details: call.details(), serverSide: false)
        }
        if !call.addCallback(end) { end() }
    }

    /// Runs `start` with the call's span; a call that cannot start ends the span with its error.
    private func traced<Outcome: Call>(
        _ details: ClientCallDetails, _ start: (ClientCallDetails) throws -> Outcome
    ) throws -> Outcome {
        let (span, tracedDetails) = self.start(details)
        do {
            let outcome = try start(tracedDetails)
            endWhenDone(span, outcome)
            return outcome
        } catch {
            span.recordError(error)
            if let error = error as? RPCError {
                RPCSpanNames.end(span, code: error.code, details: error.details, serverSide: false)
            } else {
                span.setStatus(SpanStatus(code: .error))
                span.end()
            }
            throw error
        }
    }

    /// Traces a unary call.
    ///
    /// - Parameters:
    ///   - continuation: Starts the call; it is given the details with the span's `traceparent`
    ///     (and `tracestate`) added to the metadata.
    ///   - clientCallDetails: The call's details; the method names the span.
    ///   - request: The request, passed on unchanged.
    /// - Returns: The continuation's future; the span ends with the call's status.
    /// - Throws: What the continuation throws, once the span has ended with the error.
    public func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> Future<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ request: Request
    ) throws -> Future<Response> {
        try traced(clientCallDetails) { try continuation($0, request) }
    }

    /// Traces a server-streaming call.
    ///
    /// - Parameters:
    ///   - continuation: Starts the call; it is given the details with the span's `traceparent`
    ///     (and `tracestate`) added to the metadata.
    ///   - clientCallDetails: The call's details; the method names the span.
    ///   - request: The request, passed on unchanged.
    /// - Returns: The continuation's response stream; the span ends with the call's status.
    /// - Throws: What the continuation throws, once the span has ended with the error.
    public func interceptUnaryStream<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> ResponseStream<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ request: Request
    ) throws -> ResponseStream<Response> {
        try traced(clientCallDetails) { try continuation($0, request) }
    }

    /// Traces a client-streaming call.
    ///
    /// - Parameters:
    ///   - continuation: Starts the call; it is given the details with the span's `traceparent`
    ///     (and `tracestate`) added to the metadata.
    ///   - clientCallDetails: The call's details; the method names the span.
    ///   - requests: The requests, passed on unchanged.
    /// - Returns: The continuation's future; the span ends with the call's status.
    /// - Throws: What the continuation throws, once the span has ended with the error.
    public func interceptStreamUnary<Request, Response>(
        _ continuation: (ClientCallDetails, AnySequence<Request>) throws -> Future<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ requests: AnySequence<Request>
    ) throws -> Future<Response> {
        try traced(clientCallDetails) { try continuation($0, requests) }
    }

    /// Traces a bidirectional-streaming call.
    ///
    /// - Parameters:
    ///   - continuation: Starts the call; it is given the details with the span's `traceparent`
    ///     (and `tracestate`) added to the metadata.
    ///   - clientCallDetails: The call's details; the method names the span.
    ///   - requests: The requests, passed on unchanged.
    /// - Returns: The continuation's response stream; the span ends with the call's status.
    /// - Throws: What the continuation throws, once the span has ended with the error.
    public func interceptStreamStream<Request, Response>(
        _ continuation: (ClientCallDetails, AnySequence<Request>) throws -> ResponseStream<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ requests: AnySequence<Request>
    ) throws -> ResponseStream<Response> {
        try traced(clientCallDetails) { try continuation($0, requests) }
    }
}

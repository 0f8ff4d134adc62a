import GRPCSync
import Tracing

/// Starts a server span around the behaviour of every call the server serves, named
/// `package.Service/Method` with the OpenTelemetry RPC attributes (`rpc.system` `grpc`,
/// `rpc.service`, `rpc.method`, `rpc.grpc.status_code`), as the child of the client's span when
/// the call's metadata carries its context (the tracer's format: W3C `traceparent` and
/// `tracestate` with an OpenTelemetry tracer). The handler runs with the span's context as
/// `ServiceContext.current`, so calls it makes (with ``ClientTracingInterceptor``) are its
/// children.
///
/// ```swift
/// let server = Server(ThreadPoolExecutor(maxWorkers: 10), interceptors: [ServerTracingInterceptor()])
/// ```
public struct ServerTracingInterceptor: ServerInterceptor {
    private let tracer: any Tracer

    /// An interceptor whose spans `tracer` makes.
    /// - Parameter tracer: The tracer; by default the process's (`InstrumentationSystem.tracer`).
    public init(tracer: any Tracer = InstrumentationSystem.tracer) {
        self.tracer = tracer
    }

    /// The handler the continuation finds, its behaviour run inside the call's span.
    ///
    /// - Parameters:
    ///   - continuation: Finds the call's handler.
    ///   - handlerCallDetails: The call's method, which names the span, and metadata, whose
    ///     `traceparent` makes the span the client's child.
    /// - Returns: The handler, its behaviour wrapped in the span; nil when the continuation found
    ///   none.
    /// - Throws: What the continuation throws.
    public func interceptService(
        _ continuation: (HandlerCallDetails) throws -> RPCMethodHandler?,
        _ handlerCallDetails: HandlerCallDetails
    ) throws -> RPCMethodHandler? {
        guard let handler = try continuation(handlerCallDetails) else { return nil }
        let tracer = tracer
        return handler.wrappingBehavior { context, proceed in
            var parent = ServiceContext.current ?? .topLevel
            tracer.extract(handlerCallDetails.invocationMetadata, into: &parent, using: MetadataExtractor())
            let names = RPCSpanNames(path: handlerCallDetails.method)
            let span = tracer.startSpan(names.spanName, context: parent, ofKind: .server)
            names.describe(span)
            do {
                try ServiceContext.$current.withValue(span.context) { try proceed() }
            } catch let abort as AbortError {
                RPCSpanNames.end(span, code: abort.code, details: abort.details, serverSide: true)
                throw abort
            } catch {
                span.recordError(error)
                RPCSpanNames.end(
                    span, code: context.code() ?? .unknown, details: context.details() ?? "\(error)", serverSide: true)
                throw error
            }
            RPCSpanNames.end(span, code: context.code() ?? .ok, details: context.details() ?? "", serverSide: true)
        }
    }
}

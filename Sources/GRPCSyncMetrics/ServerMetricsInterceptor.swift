import CoreMetrics
@_spi(Metrics) import GRPCSync

/// Records gRPC's OpenTelemetry server metrics (gRFC A66) for every call the server serves,
/// through swift-metrics: `grpc.server.call.started` (a `Counter`, label `grpc.method`),
/// `grpc.server.call.duration` (a `Timer`, displayed in seconds), and
/// `grpc.server.call.sent_total_compressed_message_size` and
/// `grpc.server.call.rcvd_total_compressed_message_size` (`Recorder`s of bytes), these three
/// with `grpc.status` as well (see ``GRPCMetricNames``).
///
/// ```swift
/// let server = Server(ThreadPoolExecutor(maxWorkers: 10), interceptors: [ServerMetricsInterceptor()])
/// ```
///
/// A call starts when the server asks its interceptors for the handler and ends once it has its
/// status (the one sent to the client, or CANCELLED when the client went away); its sizes are the
/// bytes of the messages on the wire (compressed when compressed, without their 5-byte prefix).
/// `grpc.method` is the method's name when the server knows it by its path (a generated
/// registration function, `methodHandlersGenericHandler`, `addRegisteredMethodHandlers`), and
/// `other` for paths a `GenericRPCHandler` of the application serves or nothing serves, so a
/// client cannot make the server record any number of label values. A call answered
/// UNIMPLEMENTED (no handler) or UNKNOWN (an interceptor after this one threw) is recorded at
/// once, with no message bytes. A call the server refuses before its
/// handler runs (`maximumConcurrentRPCs` reached, the client gone while its request arrived) is
/// counted as started and has no duration or sizes; the server refuses calls while it stops
/// before asking its interceptors.
public struct ServerMetricsInterceptor: ServerInterceptor {
    private let factory: any MetricsFactory
    private let recordsGenericMethod: @Sendable (String) -> Bool

    /// An interceptor recording with `factory`.
    /// - Parameters:
    ///   - factory: The metrics backend; by default the process's (`MetricsSystem.factory`).
    ///   - recordGenericMethod: Whether to record by its name a method the server does not know
    ///     by its path (it is given the name without the leading slash); by default none is, and
    ///     all are recorded as `other`.
    public init(
        factory: any MetricsFactory = MetricsSystem.factory,
        recordGenericMethod: @escaping @Sendable (String) -> Bool = { _ in false }
    ) {
        self.factory = factory
        self.recordsGenericMethod = recordGenericMethod
    }

    /// The handler the continuation finds, its call counted now and recorded when it ends.
    /// - Parameters:
    ///   - continuation: Finds the handler (the next interceptor, or the server's lookup).
    ///   - handlerCallDetails: The call's method and invocation metadata.
    /// - Returns: The handler `continuation` found, with the recording around its behaviour, or
    ///   nil when there is none.
    /// - Throws: What `continuation` throws.
    public func interceptService(
        _ continuation: (HandlerCallDetails) throws -> RPCMethodHandler?,
        _ handlerCallDetails: HandlerCallDetails
    ) throws -> RPCMethodHandler? {
        let begin = ContinuousClock.now
        let name = MetricLabels.method(handlerCallDetails.method)
        let found: RPCMethodHandler?
        do {
            found = try continuation(handlerCallDetails)
        } catch {
            // The server answers UNKNOWN "Error in service handler!".
            recordAtOnce(.unknown, method: recordsGenericMethod(name) ? name : GRPCMetricNames.otherMethod, begin)
            throw error
        }
        guard let handler = found else {
            recordAtOnce(.unimplemented, method: recordsGenericMethod(name) ? name : GRPCMetricNames.otherMethod, begin)
            return nil
        }
        let known = handler.isRegisteredMethod || recordsGenericMethod(name)
        let method = [(GRPCMetricNames.methodLabel, known ? name : GRPCMetricNames.otherMethod)]
        Counter(label: GRPCMetricNames.serverCallStarted, dimensions: method, factory: factory).increment()
        let factory = factory
        return handler.wrappingBehavior { context, proceed in
            let end: @Sendable () -> Void = {
                Self.record(
                    context.finalCode ?? .unknown, context.messageByteCounts, since: begin, method: method,
                    factory: factory)
            }
            if !context.addCallback(end) { end() }
            try proceed()
        }
    }

    /// Counts a call that ends without a handler, and records it, with no message bytes.
    private func recordAtOnce(_ code: StatusCode, method: String, _ begin: ContinuousClock.Instant) {
        let labels = [(GRPCMetricNames.methodLabel, method)]
        Counter(label: GRPCMetricNames.serverCallStarted, dimensions: labels, factory: factory).increment()
        Self.record(code, MessageByteCounts(sent: 0, received: 0), since: begin, method: labels, factory: factory)
    }

    /// Records the end of a call.
    private static func record(
        _ code: StatusCode, _ bytes: MessageByteCounts, since begin: ContinuousClock.Instant,
        method: [(String, String)], factory: any MetricsFactory
    ) {
        let labels = method + [(GRPCMetricNames.statusLabel, MetricLabels.status(code))]
        Timer(
            label: GRPCMetricNames.serverCallDuration, dimensions: labels, preferredDisplayUnit: .seconds,
            factory: factory
        ).recordNanoseconds(MetricLabels.nanoseconds(since: begin))
        Recorder(
            label: GRPCMetricNames.serverCallSentTotalCompressedMessageSize, dimensions: labels, aggregate: true,
            factory: factory
        ).record(bytes.sent)
        Recorder(
            label: GRPCMetricNames.serverCallReceivedTotalCompressedMessageSize, dimensions: labels, aggregate: true,
            factory: factory
        ).record(bytes.received)
    }
}

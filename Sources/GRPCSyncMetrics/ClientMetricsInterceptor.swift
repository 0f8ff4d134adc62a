import CoreMetrics
@_spi(Metrics) import GRPCSync

/// Records gRPC's OpenTelemetry client metrics (gRFC A66) for every call on the channels it
/// intercepts, through swift-metrics: `grpc.client.attempt.started` (a `Counter`, labels
/// `grpc.method` and `grpc.target`), `grpc.client.attempt.duration` and
/// `grpc.client.call.duration` (`Timer`s, displayed in seconds), and
/// `grpc.client.attempt.sent_total_compressed_message_size` and
/// `grpc.client.attempt.rcvd_total_compressed_message_size` (`Recorder`s of bytes), these four
/// with `grpc.status` as well (see ``GRPCMetricNames``).
///
/// ```swift
/// let channel = interceptChannel(insecureChannel("localhost:50051"), ClientMetricsInterceptor())
/// ```
///
/// A call is one attempt: the attempt starts when the call does, ends with its status, and its
/// sizes are the bytes of the messages on the wire (compressed when compressed, without their
/// 5-byte prefix). The call's duration runs from the interceptor's turn (so interceptors outside
/// it are not in it) until the call has its status. Every method is recorded by its name: the
/// application chooses the paths it calls. A call that never starts (a closed channel, metadata
/// that cannot be sent, an interceptor after this one that throws) throws before any attempt and
/// is not recorded.
public struct ClientMetricsInterceptor: UnaryUnaryClientInterceptor, UnaryStreamClientInterceptor,
    StreamUnaryClientInterceptor, StreamStreamClientInterceptor
{
    private let factory: any MetricsFactory
    private let recordsTarget: @Sendable (String) -> Bool

    /// An interceptor recording with `factory`.
    /// - Parameters:
    ///   - factory: The metrics backend; by default the process's (`MetricsSystem.factory`).
    ///   - recordTarget: Whether to record a channel's target as `grpc.target` (it is given the
    ///     target with its scheme); false records `other`, which keeps the number of label values
    ///     down when a program dials many addresses. By default every target is recorded.
    public init(
        factory: any MetricsFactory = MetricsSystem.factory,
        recordTarget: @escaping @Sendable (String) -> Bool = { _ in true }
    ) {
        self.factory = factory
        self.recordsTarget = recordTarget
    }

    /// Starts the call with `start`, counts its attempt, and records the rest when it ends.
    private func measured<Outcome: CallHandle>(
        _ details: ClientCallDetails, _ start: (ClientCallDetails) throws -> Outcome
    ) throws -> Outcome {
        let begin = ContinuousClock.now
        let call = try start(details)
        let target = MetricLabels.target(call.channelTarget)
        let labels = [
            (GRPCMetricNames.methodLabel, MetricLabels.method(details.method)),
            (GRPCMetricNames.targetLabel, recordsTarget(target) ? target : GRPCMetricNames.otherTarget),
        ]
        Counter(label: GRPCMetricNames.clientAttemptStarted, dimensions: labels, factory: factory).increment()
        let factory = factory
        let end: @Sendable () -> Void = {
            let elapsed = MetricLabels.nanoseconds(since: begin)
            let ended = labels + [(GRPCMetricNames.statusLabel, MetricLabels.status(call.code()))]
            let bytes = call.messageByteCounts
            for name in [GRPCMetricNames.clientAttemptDuration, GRPCMetricNames.clientCallDuration] {
                Timer(label: name, dimensions: ended, preferredDisplayUnit: .seconds, factory: factory)
                    .recordNanoseconds(elapsed)
            }
            Recorder(
                label: GRPCMetricNames.clientAttemptSentTotalCompressedMessageSize, dimensions: ended,
                aggregate: true, factory: factory
            ).record(bytes.sent)
            Recorder(
                label: GRPCMetricNames.clientAttemptReceivedTotalCompressedMessageSize, dimensions: ended,
                aggregate: true, factory: factory
            ).record(bytes.received)
        }
        if !call.addCallback(end) { end() }
        return call
    }

    /// Records a unary call.
    /// - Parameters:
    ///   - continuation: Starts the call (the next interceptor, or the call itself).
    ///   - clientCallDetails: The call's method, timeout, metadata and options.
    ///   - request: The request message.
    /// - Returns: The call's future, as `continuation` returned it.
    /// - Throws: What `continuation` throws.
    public func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> Future<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ request: Request
    ) throws -> Future<Response> {
        try measured(clientCallDetails) { try continuation($0, request) }
    }

    /// Records a server-streaming call.
    /// - Parameters:
    ///   - continuation: Starts the call (the next interceptor, or the call itself).
    ///   - clientCallDetails: The call's method, timeout, metadata and options.
    ///   - request: The request message.
    /// - Returns: The call's response stream, as `continuation` returned it.
    /// - Throws: What `continuation` throws.
    public func interceptUnaryStream<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> ResponseStream<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ request: Request
    ) throws -> ResponseStream<Response> {
        try measured(clientCallDetails) { try continuation($0, request) }
    }

    /// Records a client-streaming call.
    /// - Parameters:
    ///   - continuation: Starts the call (the next interceptor, or the call itself).
    ///   - clientCallDetails: The call's method, timeout, metadata and options.
    ///   - requests: The request messages.
    /// - Returns: The call's future, as `continuation` returned it.
    /// - Throws: What `continuation` throws.
    public func interceptStreamUnary<Request, Response>(
        _ continuation: (ClientCallDetails, AnySequence<Request>) throws -> Future<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ requests: AnySequence<Request>
    ) throws -> Future<Response> {
        try measured(clientCallDetails) { try continuation($0, requests) }
    }

    /// Records a bidirectional-streaming call.
    /// - Parameters:
    ///   - continuation: Starts the call (the next interceptor, or the call itself).
    ///   - clientCallDetails: The call's method, timeout, metadata and options.
    ///   - requests: The request messages.
    /// - Returns: The call's response stream, as `continuation` returned it.
    /// - Throws: What `continuation` throws.
    public func interceptStreamStream<Request, Response>(
        _ continuation: (ClientCallDetails, AnySequence<Request>) throws -> ResponseStream<Response>,
        _ clientCallDetails: ClientCallDetails,
        _ requests: AnySequence<Request>
    ) throws -> ResponseStream<Response> {
        try measured(clientCallDetails) { try continuation($0, requests) }
    }
}

/// The names of gRPC's OpenTelemetry instruments and of their labels (gRFC A66), as the
/// interceptors of this module record them.
///
/// | instrument | swift-metrics type | labels |
/// |---|---|---|
/// | `grpc.client.attempt.started` | `Counter` | `grpc.method`, `grpc.target` |
/// | `grpc.client.attempt.duration` | `Timer` (seconds) | `grpc.method`, `grpc.target`, `grpc.status` |
/// | `grpc.client.attempt.sent_total_compressed_message_size` | `Recorder` (bytes) | `grpc.method`, `grpc.target`, `grpc.status` |
/// | `grpc.client.attempt.rcvd_total_compressed_message_size` | `Recorder` (bytes) | `grpc.method`, `grpc.target`, `grpc.status` |
/// | `grpc.client.call.duration` | `Timer` (seconds) | `grpc.method`, `grpc.target`, `grpc.status` |
/// | `grpc.server.call.started` | `Counter` | `grpc.method` |
/// | `grpc.server.call.duration` | `Timer` (seconds) | `grpc.method`, `grpc.status` |
/// | `grpc.server.call.sent_total_compressed_message_size` | `Recorder` (bytes) | `grpc.method`, `grpc.status` |
/// | `grpc.server.call.rcvd_total_compressed_message_size` | `Recorder` (bytes) | `grpc.method`, `grpc.status` |
public enum GRPCMetricNames {
    /// RPC attempts a client started (`Counter`).
    public static let clientAttemptStarted = "grpc.client.attempt.started"
    /// How long a client's attempt took, from its start to its status (`Timer`, displayed in seconds).
    public static let clientAttemptDuration = "grpc.client.attempt.duration"
    /// The bytes of an attempt's request messages, compressed, without prefixes (`Recorder`).
    public static let clientAttemptSentTotalCompressedMessageSize =
        "grpc.client.attempt.sent_total_compressed_message_size"
    /// The bytes of an attempt's response messages, compressed, without prefixes (`Recorder`).
    public static let clientAttemptReceivedTotalCompressedMessageSize =
        "grpc.client.attempt.rcvd_total_compressed_message_size"
    /// How long a call took as the application saw it (`Timer`, displayed in seconds).
    public static let clientCallDuration = "grpc.client.call.duration"
    /// Calls a server started (`Counter`).
    public static let serverCallStarted = "grpc.server.call.started"
    /// How long a server's call took, from its handler's lookup to its status (`Timer`, displayed in seconds).
    public static let serverCallDuration = "grpc.server.call.duration"
    /// The bytes of a call's response messages, compressed, without prefixes (`Recorder`).
    public static let serverCallSentTotalCompressedMessageSize = "grpc.server.call.sent_total_compressed_message_size"
    /// The bytes of a call's request messages, compressed, without prefixes (`Recorder`).
    public static let serverCallReceivedTotalCompressedMessageSize =
        "grpc.server.call.rcvd_total_compressed_message_size"

    /// Label: the full method name without its leading slash (`helloworld.Greeter/SayHello`),
    /// or ``otherMethod``.
    public static let methodLabel = "grpc.method"
    /// Label: the status code's name (`OK`, `DEADLINE_EXCEEDED`).
    public static let statusLabel = "grpc.status"
    /// Label: the channel's target with its scheme (`dns:///localhost:50051`), or ``otherTarget``.
    public static let targetLabel = "grpc.target"
    /// The `grpc.method` of a method the server does not know by its path.
    public static let otherMethod = "other"
    /// The `grpc.target` of a target the client interceptor is told not to record.
    public static let otherTarget = "other"
}

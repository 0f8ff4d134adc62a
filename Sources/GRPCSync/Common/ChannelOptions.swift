/// A value in an options list, as grpcio takes `options=[("grpc.max_receive_message_length", 1024)]`.
public enum OptionValue: Sendable, Hashable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral
{
    /// A number: a size, a time in milliseconds, 0 or 1 for a switch.
    case int(Int)
    /// A text: a user agent, a load-balancing policy name; numbers in text are read as numbers.
    case string(String)

    /// A number from an integer literal: `("grpc.max_receive_message_length", 1024)`.
    ///
    /// - Parameter value: The number.
    public init(integerLiteral value: Int) { self = .int(value) }

    /// A text from a string literal: `("grpc.primary_user_agent", "my-app/1.0")`.
    ///
    /// - Parameter value: The text.
    public init(stringLiteral value: String) { self = .string(value) }

    /// 1 for true, 0 for false, as Python's `True` and `False` are integers.
    ///
    /// - Parameter value: The switch.
    public init(booleanLiteral value: Bool) { self = .int(value ? 1 : 0) }

    var intValue: Int? {
        switch self {
        case .int(let v): v
        case .string(let s): Int(s)
        }
    }
}

/// The options this runtime understands, read from a grpcio-style options list. Keys grpc acts on
/// that this runtime does not support are kept in ``unsupportedKeys`` (``OptionCatalog``), to be
/// logged; other unknown keys are ignored, as grpcio ignores them.
struct ChannelOptions: Sendable {
    static let defaultMaxReceiveMessageLength = 4 * 1024 * 1024

    /// `grpc.max_receive_message_length` (-1: unlimited). Default 4 MiB.
    var maxReceiveMessageLength = defaultMaxReceiveMessageLength
    /// `grpc.max_send_message_length` (-1: unlimited). Default unlimited.
    var maxSendMessageLength = -1
    /// `grpc.max_metadata_size`: the largest header block accepted. Default 16 KiB.
    var maxMetadataSize = 16 * 1024
    /// `grpc.primary_user_agent`, put before the runtime's own user agent.
    var primaryUserAgent: String?
    /// `grpc.secondary_user_agent`, put after the runtime's own user agent.
    var secondaryUserAgent: String?
    /// `grpc.default_authority`.
    var defaultAuthority: String?
    /// `grpc.server_handshake_timeout_ms`: how long a server gives a TLS handshake (default 20 s).
    var serverHandshakeTimeoutMs: Int?
    /// `grpc.ssl_target_name_override`: the name a TLS server's certificate is checked against
    /// (and the `:authority`, unless `grpc.default_authority` is given).
    var sslTargetNameOverride: String?
    /// `grpc.default_compression_algorithm` (0 none, 1 deflate, 2 gzip), which grpcio's `compression=`
    /// argument sets too; that argument, when given, wins.
    var defaultCompression: Compression?
    /// `grpc.initial_reconnect_backoff_ms`, `grpc.max_reconnect_backoff_ms` and
    /// `grpc.min_reconnect_backoff_ms` (the minimum connect timeout, as grpc core takes it).
    var reconnectBackoff = ConnectionBackoff()
    /// `grpc.client_idle_timeout_ms` in seconds: a channel with no call for that long drops its
    /// connection and goes idle. Default 30 minutes; at least 1 s, as in grpc core.
    var clientIdleTimeout = 30 * 60.0

    // Keepalive and connection management (grpc's doc/keepalive.md), in milliseconds; nil: the
    // side's default.
    /// `grpc.keepalive_time_ms`.
    var keepaliveTimeMs: Int?
    /// `grpc.keepalive_timeout_ms`.
    var keepaliveTimeoutMs: Int?
    /// `grpc.keepalive_permit_without_calls` (0 or 1).
    var keepalivePermitWithoutCalls: Bool?
    /// `grpc.http2.max_pings_without_data`.
    var maxPingsWithoutData: Int?
    /// `grpc.http2.min_ping_interval_without_data_ms` (server).
    var minPingIntervalWithoutDataMs: Int?
    /// `grpc.http2.max_ping_strikes` (server).
    var maxPingStrikes: Int?
    /// `grpc.max_connection_idle_ms` (server).
    var maxConnectionIdleMs: Int?
    /// `grpc.max_connection_age_ms` (server).
    var maxConnectionAgeMs: Int?
    /// `grpc.max_connection_age_grace_ms` (server).
    var maxConnectionAgeGraceMs: Int?
    /// `grpc.so_reuseport` (server; on by default, as grpcio).
    var reusePort = true
    /// `grpc.max_concurrent_streams` (server): SETTINGS_MAX_CONCURRENT_STREAMS.
    var maxConcurrentStreams: Int?
    /// `grpc.max_connection_receive_buffer_bytes`: the received bytes one connection's streams may
    /// hold, incomplete and unread messages together (negative: no limit).
    var maxConnectionReceiveBufferBytes: Int?
    /// `grpc.max_oversized_header_blocks` (server): header blocks over `grpc.max_metadata_size` in a
    /// row after which the connection ends (0 or negative: no limit).
    var maxOversizedHeaderBlocks: Int?
    /// `grpc.max_read_bytes_per_turn`: the input an event loop reads from one connection before it
    /// serves its other connections.
    var maxReadBytesPerTurn: Int?
    /// `grpc.service_config` (client): the service config's JSON, parsed by the channel
    /// (``ServiceConfig``). A value that is not a string is ignored, as grpcio ignores it.
    var serviceConfigJSON: String?
    /// `grpc.enable_retries` (client): whether a service config's `retryPolicy` is acted on (on, as
    /// in grpcio).
    var enableRetries = true
    /// `grpc.per_rpc_retry_buffer_size` (client): the request bytes a call keeps to send again
    /// (256 KiB, grpc's default); a call that sends more cannot be retried.
    var perRPCRetryBufferSize = 256 * 1024
    /// `grpc.retry_buffer_size` (client; grpc-js's key, not grpc core's): the request bytes all of a
    /// channel's calls keep together to send again (16 MiB, grpc-js's default); a call that would
    /// pass it is not retried.
    var retryBufferSize = 16 * 1024 * 1024
    /// `grpc.lb_policy_name` (client): `pick_first` or `round_robin`; another name is logged and
    /// `pick_first` used, as grpc core does. A service config's choice wins.
    var loadBalancingPolicyName: String?
    /// `grpc.dns_min_time_between_resolutions_ms` (client), in seconds: how soon a `dns:` target is
    /// resolved again after the last resolution (30 s, grpc's default).
    var minTimeBetweenResolutions = 30.0
    /// `grpc.happy_eyeballs_connection_attempt_delay_ms` (client): how long `pick_first` waits for
    /// an attempt before it starts one to the next address as well (250 ms, grpc's default; kept
    /// within 100 ms…2 s).
    var connectionAttemptDelayMs: Int?
    /// The keys given that grpc acts on and this runtime does not support, in order.
    var unsupportedKeys: [String] = []

    init() {}

    init(_ options: [(String, OptionValue)]) throws {
        var initialBackoff: Double?
        var maxBackoff: Double?
        var minConnectTimeout: Double?
        for (key, value) in options {
            switch key {
            case "grpc.max_receive_message_length":
                maxReceiveMessageLength = try Self.int(key, value)
            case "grpc.max_send_message_length":
                maxSendMessageLength = try Self.int(key, value)
            case "grpc.max_metadata_size":
                maxMetadataSize = try Self.int(key, value)
            case "grpc.primary_user_agent":
                if case .string(let s) = value { primaryUserAgent = s }
            case "grpc.secondary_user_agent":
                if case .string(let s) = value { secondaryUserAgent = s }
            case "grpc.default_authority":
                if case .string(let s) = value { defaultAuthority = s }
            case "grpc.server_handshake_timeout_ms":
                serverHandshakeTimeoutMs = try Self.int(key, value)
            case "grpc.keepalive_time_ms": keepaliveTimeMs = try Self.int(key, value)
            case "grpc.keepalive_timeout_ms": keepaliveTimeoutMs = try Self.int(key, value)
            case "grpc.keepalive_permit_without_calls": keepalivePermitWithoutCalls = try Self.int(key, value) != 0
            case "grpc.http2.max_pings_without_data": maxPingsWithoutData = try Self.int(key, value)
            case "grpc.http2.min_ping_interval_without_data_ms":
                minPingIntervalWithoutDataMs = try Self.int(key, value)
            case "grpc.http2.max_ping_strikes": maxPingStrikes = try Self.int(key, value)
            case "grpc.max_connection_idle_ms": maxConnectionIdleMs = try Self.int(key, value)
            case "grpc.max_connection_age_ms": maxConnectionAgeMs = try Self.int(key, value)
            case "grpc.max_connection_age_grace_ms": maxConnectionAgeGraceMs = try Self.int(key, value)
            case "grpc.so_reuseport": reusePort = try Self.int(key, value) != 0
            case "grpc.max_concurrent_streams": maxConcurrentStreams = try Self.int(key, value)
            case "grpc.max_connection_receive_buffer_bytes": maxConnectionReceiveBufferBytes = try Self.int(key, value)
            case "grpc.max_oversized_header_blocks": maxOversizedHeaderBlocks = try Self.int(key, value)
            case "grpc.max_read_bytes_per_turn": maxReadBytesPerTurn = try Self.int(key, value)
            case "grpc.ssl_target_name_override":
                if case .string(let s) = value { sslTargetNameOverride = s }
            case "grpc.enable_retries": enableRetries = try Self.int(key, value) != 0
            case "grpc.per_rpc_retry_buffer_size": perRPCRetryBufferSize = try Self.int(key, value)
            case "grpc.retry_buffer_size": retryBufferSize = try Self.int(key, value)
            case "grpc.service_config":
                if case .string(let json) = value { serviceConfigJSON = json }
            case "grpc.lb_policy_name":
                if case .string(let name) = value { loadBalancingPolicyName = name }
            case "grpc.dns_min_time_between_resolutions_ms":
                minTimeBetweenResolutions = try Self.milliseconds(key, value, atLeast: 0)
            case "grpc.happy_eyeballs_connection_attempt_delay_ms":
                connectionAttemptDelayMs = try Self.int(key, value)
            case "grpc.default_compression_algorithm":
                guard let algorithm = Compression(rawValue: try Self.int(key, value)) else {
                    throw UsageError("option \(key) must be 0 (none), 1 (deflate) or 2 (gzip), got \(value)")
                }
                defaultCompression = algorithm
            case "grpc.initial_reconnect_backoff_ms":
                initialBackoff = try Self.milliseconds(key, value, atLeast: 1)
            case "grpc.max_reconnect_backoff_ms":
                maxBackoff = try Self.milliseconds(key, value, atLeast: 1)
            case "grpc.min_reconnect_backoff_ms":
                minConnectTimeout = try Self.milliseconds(key, value, atLeast: 1)
            case "grpc.client_idle_timeout_ms":
                clientIdleTimeout = try Self.milliseconds(key, value, atLeast: 1000)
            default:
                if OptionCatalog.unsupported[key] != nil { unsupportedKeys.append(key) }
            }
        }
        reconnectBackoff = ConnectionBackoff(
            initial: initialBackoff ?? 1, maximum: maxBackoff ?? 120, minConnectTimeout: minConnectTimeout ?? 20)
    }

    /// A duration option in milliseconds, as seconds; below `atLeast` ms it is raised to that.
    private static func milliseconds(_ key: String, _ value: OptionValue, atLeast: Int) throws -> Double {
        Double(max(try int(key, value), atLeast)) / 1000
    }

    private static func int(_ key: String, _ value: OptionValue) throws -> Int {
        guard let v = value.intValue else { throw UsageError("option \(key) needs an integer, got \(value)") }
        return v
    }

    /// The receive limit as a byte count (unlimited → Int.max).
    var receiveLimit: Int { maxReceiveMessageLength < 0 ? Int.max : maxReceiveMessageLength }

    /// The send limit as a byte count (unlimited → Int.max).
    var sendLimit: Int { maxSendMessageLength < 0 ? Int.max : maxSendMessageLength }

    /// The status for an outgoing message over `grpc.max_send_message_length`, if it is.
    func checkSendLength(_ length: Int) -> Status? {
        guard maxSendMessageLength >= 0, length > maxSendMessageLength else { return nil }
        return .sentMessageTooLarge(length: length, limit: maxSendMessageLength)
    }
}

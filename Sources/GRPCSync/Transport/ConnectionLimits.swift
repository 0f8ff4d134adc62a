/// Settings of one end of a connection.
struct ConnectionLimits: Sendable {
    /// A server's SETTINGS_MAX_CONCURRENT_STREAMS unless `grpc.max_concurrent_streams` says
    /// otherwise: 100, the least RFC 9113 §6.5.2 recommends (docs/architecture.md).
    static let defaultMaxConcurrentStreams: UInt32 = 100
    var maxReceiveMessageLength = 4 * 1024 * 1024
    /// Largest header block accepted (`grpc.max_metadata_size`).
    var maxHeaderListSize = 16 * 1024
    /// The per-stream receive window we advertise.
    var initialWindowSize: Int32 = 1 << 20
    /// The connection receive window.
    var connectionWindowSize: Int32 = 16 << 20
    /// How long a TLS handshake may take, in seconds (20 s; grpc's servers allow 120 s).
    var handshakeTimeout = 20.0
    /// Our keepalive PINGs and (server) what we accept of the peer's.
    var keepalive = KeepaliveSettings.clientDefault
    /// Server: SETTINGS_MAX_CONCURRENT_STREAMS (`grpc.max_concurrent_streams`); nil advertises none.
    var maxConcurrentStreams: UInt32? = ConnectionLimits.defaultMaxConcurrentStreams
    /// The received bytes a connection's streams may hold (``ReceiveBudget``).
    var receiveBufferLimit = ReceiveBudget.defaultLimit
    /// Server: a connection without calls for this long (nanoseconds) is drained.
    var maxConnectionIdle: UInt64?
    /// Server: a connection this old (nanoseconds, ±10 % jitter) is drained.
    var maxConnectionAge: UInt64?
    /// Server: how long calls may run on after a drain for age (nanoseconds); then they are cancelled.
    var maxConnectionAgeGrace: UInt64?
    /// Server: header blocks over the metadata limit in a row that end the connection.
    var maxOversizedHeaderBlocks = ConnectionStateMachine.defaultMaxOversizedHeaderBlocks
    /// The input the loop reads from the connection per turn (``EventLoop/readBufferSize`` by
    /// default: one read buffer).
    var readBytesPerTurn = EventLoop.readBufferSize
    /// Where the connection logs its events: its channel's or server's log.
    var log = RuntimeLog.processDefault
    /// A channel's happy-eyeballs delay, in seconds: how long an attempt to one address holds up
    /// the attempt to the next (``HappyEyeballs``).
    var connectionAttemptDelay = HappyEyeballs.defaultAttemptDelay
}

extension ChannelOptions {
    /// The settings these options make for a connection of `role` (keepalive defaults differ).
    func connectionLimits(for role: ConnectionStateMachine.Role) -> ConnectionLimits {
        var limits = ConnectionLimits()
        limits.maxReceiveMessageLength = receiveLimit
        limits.maxHeaderListSize = max(maxMetadataSize, 1024)
        if let milliseconds = serverHandshakeTimeoutMs, milliseconds > 0 {
            limits.handshakeTimeout = Double(milliseconds) / 1000
        }
        var keepalive = role == .server ? KeepaliveSettings.serverDefault : KeepaliveSettings.clientDefault
        if let keepaliveTimeMs {
            keepalive.time = Self.duration(milliseconds: keepaliveTimeMs)
        }
        if let keepaliveTimeoutMs, let timeout = Self.duration(milliseconds: keepaliveTimeoutMs) {
            keepalive.timeout = timeout
        }
        if let keepalivePermitWithoutCalls { keepalive.permitWithoutCalls = keepalivePermitWithoutCalls }
        if let maxPingsWithoutData { keepalive.maxPingsWithoutData = max(0, maxPingsWithoutData) }
        if let minPingIntervalWithoutDataMs {
            keepalive.minReceivedPingInterval = UInt64(max(0, minPingIntervalWithoutDataMs)) * 1_000_000
        }
        if let maxPingStrikes { keepalive.maxPingStrikes = max(0, maxPingStrikes) }
        limits.keepalive = keepalive
        if let maxConcurrentStreams {
            // grpc's "no limit" is INT_MAX or a negative value: no SETTINGS_MAX_CONCURRENT_STREAMS.
            limits.maxConcurrentStreams =
                maxConcurrentStreams < 0 || maxConcurrentStreams >= Int(Int32.max)
                ? nil : UInt32(clamping: maxConcurrentStreams)
        }
        limits.receiveBufferLimit = ReceiveBudget.effectiveLimit(
            requested: maxConnectionReceiveBufferBytes.map { $0 < 0 ? Int.max : $0 },
            maxMessageLength: limits.maxReceiveMessageLength, window: Int(limits.connectionWindowSize),
            streamWindow: Int(limits.initialWindowSize))
        if let maxOversizedHeaderBlocks {
            limits.maxOversizedHeaderBlocks = maxOversizedHeaderBlocks > 0 ? maxOversizedHeaderBlocks : .max
        }
        if let maxReadBytesPerTurn {
            // At least one HTTP/2 frame header and a bit: 16 KiB.
            limits.readBytesPerTurn = max(16 * 1024, maxReadBytesPerTurn)
        }
        limits.maxConnectionIdle = maxConnectionIdleMs.flatMap(Self.duration(milliseconds:))
        limits.maxConnectionAge = maxConnectionAgeMs.flatMap(Self.duration(milliseconds:))
        limits.maxConnectionAgeGrace = maxConnectionAgeGraceMs.flatMap(Self.duration(milliseconds:))
        limits.connectionAttemptDelay = HappyEyeballs.attemptDelay(milliseconds: connectionAttemptDelayMs)
        return limits
    }

    /// A duration in nanoseconds; nil for grpc's "infinite" (INT_MAX ms and above, or not positive).
    private static func duration(milliseconds: Int) -> UInt64? {
        guard milliseconds > 0, milliseconds < Int(Int32.max) else { return nil }
        return UInt64(milliseconds) * 1_000_000
    }
}

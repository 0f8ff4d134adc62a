/// The keepalive options of one side of a connection (grpc's `doc/keepalive.md`), in
/// nanoseconds where they are times.
struct KeepaliveSettings: Sendable, Equatable {
    /// `grpc.keepalive_time_ms`: a PING goes out after this long without reading anything
    /// (nil: never; grpc's default for clients; servers default to 2 hours).
    var time: UInt64?
    /// `grpc.keepalive_timeout_ms`: how long a PING may go unanswered before the connection is
    /// closed (20 s).
    var timeout: UInt64 = 20_000_000_000
    /// `grpc.keepalive_permit_without_calls`: PINGs are sent even when no call is open; on a
    /// server, the client may send them so too.
    var permitWithoutCalls = false
    /// `grpc.http2.max_pings_without_data`: PINGs sent while no DATA or HEADERS frame has been
    /// sent, at most (0: no limit; 2).
    var maxPingsWithoutData = 2
    /// Server: `grpc.http2.min_ping_interval_without_data_ms`, the shortest interval between the
    /// client's PINGs that is not a strike (5 minutes).
    var minReceivedPingInterval: UInt64 = 300_000_000_000
    /// Server: `grpc.http2.max_ping_strikes`, the strikes allowed before the client is told
    /// `too_many_pings` (0: no limit; 2).
    var maxPingStrikes = 2

    static let clientDefault = KeepaliveSettings()
    static let serverDefault = KeepaliveSettings(time: 7_200_000_000_000)
    /// How long the client's PINGs may be apart while no call is open and the server does not
    /// permit PINGs without calls: 2 hours, as grpc.
    static let idlePingInterval: UInt64 = 7_200_000_000_000
}

/// One connection's keepalive, as a value: when to send a PING, whether one is unanswered, and
/// (server) whether the client's PINGs come too often. The shell keeps the timers and reports
/// the events; times are monotonic nanoseconds.
struct KeepaliveState {
    /// The payload of keepalive PINGs ("grpcskpa").
    static let pingPayload: UInt64 = 0x6772_7063_736B_7061

    let settings: KeepaliveSettings
    /// When something was last read from the peer.
    private var lastRead: UInt64
    /// When the unanswered PING must be answered by, if one is.
    private(set) var pingDeadline: UInt64?
    /// PINGs sent since the last DATA or HEADERS frame went out.
    private var pingsWithoutData = 0
    /// Server: when the client's last PING arrived (nil: none since our last DATA or HEADERS).
    private var lastReceivedPing: UInt64?
    /// Server: the client's PINGs that came too soon.
    private(set) var strikes = 0

    init(settings: KeepaliveSettings, now: UInt64) {
        self.settings = settings
        lastRead = now
    }

    /// What to do when the keepalive timer fires.
    enum TimerDecision: Equatable {
        /// Keepalive is off: no timer.
        case off
        /// Look again at this time.
        case wait(until: UInt64)
        /// Send a keepalive PING now; it must be answered by `deadline`.
        case ping(deadline: UInt64)
    }

    /// When the keepalive timer should first fire (nil: keepalive is off).
    var firstTimer: UInt64? { settings.time.map { lastRead &+ $0 } }

    /// The peer sent something: it is alive, and an unanswered PING no longer matters.
    mutating func readActivity(now: UInt64) {
        lastRead = now
        pingDeadline = nil
    }

    /// The keepalive timer fired at `now`; `hasOpenStreams` says whether calls are open.
    mutating func timerFired(now: UInt64, hasOpenStreams: Bool) -> TimerDecision {
        guard let time = settings.time else { return .off }
        if let pingDeadline { return .wait(until: pingDeadline) }  // the watchdog decides
        let due = lastRead &+ time
        if now < due { return .wait(until: due) }
        let mayPing =
            (hasOpenStreams || settings.permitWithoutCalls)
            && (settings.maxPingsWithoutData == 0 || pingsWithoutData < settings.maxPingsWithoutData)
        guard mayPing else { return .wait(until: now &+ time) }
        pingsWithoutData += 1
        let deadline = now &+ settings.timeout
        pingDeadline = deadline
        return .ping(deadline: deadline)
    }

    /// The watchdog fired at `now`: true when the PING is still unanswered, and the connection
    /// must close.
    func pingTimedOut(now: UInt64) -> Bool {
        guard let pingDeadline else { return false }
        return now >= pingDeadline
    }

    /// A DATA or HEADERS frame went out: PINGs may be sent again, and (server) the client's
    /// PING strikes start over, as grpc counts them.
    mutating func dataOrHeadersSent() {
        pingsWithoutData = 0
        lastReceivedPing = nil
        strikes = 0
    }

    /// Server: the client sent a PING at `now`. True when it has now struck out and must be told
    /// `too_many_pings` (GOAWAY ENHANCE_YOUR_CALM).
    mutating func pingReceived(now: UInt64, hasOpenStreams: Bool) -> Bool {
        let interval =
            !hasOpenStreams && !settings.permitWithoutCalls
            ? KeepaliveSettings.idlePingInterval : settings.minReceivedPingInterval
        defer { lastReceivedPing = now }
        guard let last = lastReceivedPing, now < last &+ interval else { return false }
        strikes += 1
        return settings.maxPingStrikes != 0 && strikes > settings.maxPingStrikes
    }
}

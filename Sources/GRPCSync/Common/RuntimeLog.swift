import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Where the runtime writes its log, and what it writes: a swift-log `Logger` and the grpc
/// tracers (`GRPC_TRACE` names) whose events are on.
///
/// A channel or server given a `logger:` logs every event to it, tracer events at `.debug`, and
/// the logger's level decides what is kept. Without one, the runtime logs as grpcio's core does:
/// through `Logger(label: "grpc")` (the process's swift-log backend, standard error by default)
/// at the level `GRPC_VERBOSITY` names (`ERROR` when unset), tracer events at `.info` and only
/// for the tracers `GRPC_TRACE` lists. Nothing is logged on a call's ordinary path: events are
/// per connection, or errors.
struct RuntimeLog: Sendable {
    /// grpc tracers this runtime has events for, by their `GRPC_TRACE` names.
    struct Tracers: OptionSet, Sendable {
        let rawValue: UInt8

        /// `api`: channels and servers made, started, stopped.
        static let api = Tracers(rawValue: 1 << 0)
        /// `http`: connections accepted, established and closed, GOAWAY sent and received.
        static let http = Tracers(rawValue: 1 << 1)
        /// `connectivity_state`: a channel's connectivity changes.
        static let connectivityState = Tracers(rawValue: 1 << 2)
        /// `http_keepalive`: keepalive PINGs that time out, and PINGs refused from a peer.
        static let keepalive = Tracers(rawValue: 1 << 3)
        /// Every tracer (`all`).
        static let all: Tracers = [.api, .http, .connectivityState, .keepalive]

        /// The tracers by their `GRPC_TRACE` names.
        static let byName: [String: Tracers] = [
            "api": .api, "http": .http, "connectivity_state": .connectivityState, "http_keepalive": .keepalive,
            "all": .all,
        ]

        /// The tracers a `GRPC_TRACE` value turns on: names separated by commas, `all` for every
        /// one, a leading `-` turning a name off again; names this runtime has no events for are
        /// passed over, as grpc passes over names it does not know.
        init(grpcTrace: String) {
            var tracers: Tracers = []
            for item in grpcTrace.split(separator: ",") {
                let name = item.trimmingSpaces
                if name.hasPrefix("-") {
                    tracers.remove(Self.byName[String(name.dropFirst())] ?? [])
                } else {
                    tracers.formUnion(Self.byName[name] ?? [])
                }
            }
            self = tracers
        }

        init(rawValue: UInt8) { self.rawValue = rawValue }
    }

    /// Where events go.
    let logger: Logger
    /// Tracers whose events are logged.
    let tracers: Tracers
    /// The level of tracer events.
    let traceLevel: Logger.Level

    /// A log to `logger`: every event, tracer events at `.debug`.
    init(logger: Logger) {
        self.logger = logger
        tracers = .all
        traceLevel = .debug
    }

    /// A log as `GRPC_VERBOSITY` and `GRPC_TRACE` ask (nil: unset).
    init(grpcVerbosity: String?, grpcTrace: String?) {
        tracers = Tracers(grpcTrace: grpcTrace ?? "")
        traceLevel = .info
        let level = Self.level(grpcVerbosity: grpcVerbosity)
        var logger: Logger
        if let level {
            logger = Logger(label: "grpc")
            logger.logLevel = level
        } else {
            logger = Logger(label: "grpc", factory: { _ in SwiftLogNoOpLogHandler() })
        }
        self.logger = logger
    }

    /// The level `GRPC_VERBOSITY` names (`DEBUG`, `INFO`, `ERROR`, any case; `ERROR` when unset or
    /// unknown, as grpcio); nil for `NONE`, which logs nothing.
    static func level(grpcVerbosity: String?) -> Logger.Level? {
        switch grpcVerbosity?.trimmingSpaces.uppercased() {
        case "DEBUG": .debug
        case "INFO": .info
        case "NONE": nil
        default: .error
        }
    }

    /// The log of a channel or server made with `logger` (nil: the process's default log).
    static func given(_ logger: Logger?) -> RuntimeLog {
        logger.map(RuntimeLog.init(logger:)) ?? .processDefault
    }

    /// The log of channels and servers made without a logger, read from the environment once.
    static let processDefault = RuntimeLog(
        grpcVerbosity: environment("GRPC_VERBOSITY"), grpcTrace: environment("GRPC_TRACE"))

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Whether an event of `tracer` is logged.
    func isOn(_ tracer: Tracers) -> Bool {
        tracers.contains(tracer) && logger.logLevel <= traceLevel
    }

    /// Logs a tracer event (at the trace level), when its tracer is on.
    func trace(_ tracer: Tracers, _ message: @autoclosure () -> String, peer: @autoclosure () -> String? = nil) {
        guard isOn(tracer) else { return }
        log(traceLevel, message(), peer: peer())
    }

    /// Logs an event at `level`, with the peer's address or the call's method as metadata
    /// (`grpc.peer`, `grpc.method`).
    func log(
        _ level: Logger.Level, _ message: @autoclosure () -> String, peer: @autoclosure () -> String? = nil,
        method: String? = nil
    ) {
        guard logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = [:]
        if let peer = peer() { metadata["grpc.peer"] = "\(peer)" }
        if let method { metadata["grpc.method"] = "\(method)" }
        logger.log(level: level, "\(message())", metadata: metadata, source: "GRPCSync")
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

extension String {
    fileprivate var trimmingSpaces: String { Substring(self).trimmingSpaces }
}

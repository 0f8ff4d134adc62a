import GRPCSync

/// The label values of gRPC's metrics (gRFC A66).
enum MetricLabels {
    /// `grpc.method`: the path without its leading slash.
    static func method(_ path: String) -> String {
        path.hasPrefix("/") ? String(path.dropFirst()) : path
    }

    /// `grpc.status`: the code's upper-case name.
    static func status(_ code: StatusCode) -> String { code.grpcName }

    /// `grpc.target`: the target with a scheme, `dns:///` when it names none (as grpc's
    /// canonical target URIs are).
    static func target(_ target: String) -> String {
        let schemes = ["dns:", "unix:", "unix-abstract:", "ipv4:", "ipv6:"]
        return schemes.contains { target.hasPrefix($0) } ? target : "dns:///\(target)"
    }

    /// Nanoseconds from `start` until now.
    static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

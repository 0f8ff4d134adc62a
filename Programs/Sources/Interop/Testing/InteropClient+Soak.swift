import Dispatch
import GRPCSync
import InteropModel

/// rpc_soak and channel_soak: large_unary over and over, on one channel or on a new channel for
/// every iteration.
extension InteropClient {
    /// Fails when more than `--soak_max_failures` iterations fail (error, wrong answer, or slower
    /// than `--soak_per_iteration_max_acceptable_latency_ms`), or when the iterations do not all
    /// run within `--soak_overall_timeout_seconds`.
    func soak(_ stub: Grpc_Testing_TestServiceStub, newChannelPerIteration: Bool) throws {
        let iterations = settings.soakIterations
        let maxLatency = Double(settings.soakPerIterationMaxAcceptableLatencyMs) / 1000
        let overallTimeout = Double(settings.soakOverallTimeoutSeconds)
        let start = Self.seconds()
        var failures: [String] = []
        var completed = 0
        while completed < iterations && Self.seconds() - start < overallTimeout {
            let iterationStart = Self.seconds()
            do {
                try soakIteration(stub, newChannel: newChannelPerIteration)
                let latency = Self.seconds() - iterationStart
                if latency > maxLatency {
                    let (took, limit) = (Int(latency * 1000), settings.soakPerIterationMaxAcceptableLatencyMs)
                    failures.append("iteration \(completed + 1): took \(took) ms, more than \(limit) ms")
                }
            } catch {
                failures.append("iteration \(completed + 1): \(error)")
            }
            completed += 1
        }
        let report = failures.prefix(10).map { "\n  \($0)" }.joined()
        try expect(
            completed == iterations,
            "only \(completed) of \(iterations) iterations ran within \(settings.soakOverallTimeoutSeconds) s" + report)
        try expect(
            failures.count <= settings.soakMaxFailures,
            "\(failures.count) of \(iterations) iterations failed, more than the \(settings.soakMaxFailures) allowed"
                + report)
    }

    private func soakIteration(_ stub: Grpc_Testing_TestServiceStub, newChannel: Bool) throws {
        var stub = stub
        var channel: Channel?
        if newChannel {
            channel = try makeChannel()
            stub = Grpc_Testing_TestServiceStub(channel!)
        }
        defer { channel?.close() }
        let response = try step("UnaryCall") { try stub.unaryCall(Self.largeUnaryRequest(), metadata: metadata()) }
        try Self.checkPayload(response.payload, size: 314_159, "the UnaryCall response")
    }

    /// A monotonic clock, in seconds.
    private static func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

import CoreMetrics
import GRPCSync
import Glibc
import InMemoryTracing
import MetricsTestKit
import Tracing

/// In-process metrics and tracing backends for `--print-telemetry`: what the client's metrics and
/// tracing interceptors recorded, printed when it is done. A real program bootstraps a backend
/// that exports them (swift-prometheus, swift-otel) instead.
struct Telemetry {
    let metrics = TestMetrics()
    let tracer = InMemoryTracer()

    /// Makes these the process's metrics factory and tracer, which the interceptors use by default.
    func bootstrap() {
        MetricsSystem.bootstrap(metrics)
        InstrumentationSystem.bootstrap(tracer)
    }

    /// Prints every metric (its labels and what it recorded) and every span, once each attempt
    /// started is recorded (each is, just after its call ended; at most 5 s).
    func printRecorded() {
        let deadline = Deadline.after(seconds: 5)
        while !isComplete && !deadline.hasPassed { usleep(10_000) }
        var lines: [String] = []
        for counter in metrics.counters {
            lines.append("[metric] \(counter.label){\(Self.labels(counter.dimensions))} \(counter.totalValue)")
        }
        for timer in metrics.timers {
            lines.append("[metric] \(timer.label){\(Self.labels(timer.dimensions))} \(timer.values.count) timings")
        }
        for recorder in metrics.recorders {
            let values = recorder.values.map { String(Int($0)) }.joined(separator: ", ")
            lines.append("[metric] \(recorder.label){\(Self.labels(recorder.dimensions))} bytes \(values)")
        }
        for span in tracer.finishedSpans {
            var code = "none"
            if case .int64(let value)? = span.attributes["rpc.grpc.status_code"]?.toSpanAttribute() {
                code = StatusCode(rawValue: Int(value)).map(\.grpcName) ?? "\(value)"
            }
            lines.append("[span] \(span.operationName) \(span.kind) \(code)")
        }
        for line in lines.sorted() { print(line) }
    }

    /// Every attempt counted has its duration and its span.
    private var isComplete: Bool {
        let started = metrics.counters(label: "grpc.client.attempt.started").map(\.totalValue).reduce(0, +)
        let ended = metrics.timers(label: "grpc.client.attempt.duration").map(\.values.count).reduce(0, +)
        return started > 0 && Int64(ended) == started && Int64(tracer.finishedSpans.count) == started
    }

    private static func labels(_ dimensions: [(String, String)]) -> String {
        dimensions.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
    }
}

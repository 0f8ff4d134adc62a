// Scaling out with a round_robin channel: three Greeter servers on 127.0.0.1, 127.0.0.2 and
// 127.0.0.3, one channel to all three that spreads its calls over them and retries UNAVAILABLE,
// continuous load from four threads, and a rolling restart of the servers under that load that
// costs no call. It tells what it does as it goes, and exits 0 only when no call failed and every
// server answered calls after its restart.
//
//     make scale-demo
//     swift run --package-path Programs scale-demo [--seconds N]
//
// --seconds: how long the load runs (default 6); the rolling restart begins a third of the way in,
// and the load goes on past N seconds until the restart is done.
import Foundation
import GRPCSync
import HelloWorldModel

/// The demo: its servers, its channel's service config and its run.
enum ScaleDemo {
    /// The servers' names and the loopback addresses they listen on.
    static let servers = [("server-1", "127.0.0.1"), ("server-2", "127.0.0.2"), ("server-3", "127.0.0.3")]

    /// Threads calling at once.
    static let loadThreads = 4

    /// The channel's service config: round_robin over the target's addresses, and a Greeter call
    /// that fails UNAVAILABLE (its server went away) tried again, up to five attempts in all.
    static let serviceConfig = """
        {
          "loadBalancingConfig": [{"round_robin": {}}],
          "methodConfig": [{
            "name": [{"service": "helloworld.Greeter"}],
            "retryPolicy": {
              "maxAttempts": 5,
              "initialBackoff": "0.05s",
              "maxBackoff": "0.5s",
              "backoffMultiplier": 2,
              "retryableStatusCodes": ["UNAVAILABLE"]
            }
          }]
        }
        """

    /// Milliseconds from a failed connection attempt to the next, at first (grpc's default is 1 s):
    /// a server that was down a moment is used again soon after it is back.
    static let initialReconnectBackoffMilliseconds = 100

    /// Runs the demo with `seconds` of load; true when no call failed and every server answered
    /// calls after its restart.
    static func run(seconds: Int) -> Bool {
        let narrator = Narrator()
        narrator.say("Starting \(servers.count) Greeter servers, each answering SayHello with its name")
        var backends: [GreeterBackend] = []
        defer { for backend in backends { backend.stop(grace: 1) } }
        for (name, host) in servers {
            do {
                backends.append(try GreeterBackend(name: name, host: host))
            } catch {
                narrator.say("\(name): cannot listen on \(host): \(error)")
                return false
            }
            narrator.say("\(name): listening on \(backends.last!.address)")
        }

        let target = "ipv4:" + backends.map(\.address).joined(separator: ",")
        narrator.say(
            "One channel to \(target), with grpc.initial_reconnect_backoff_ms \(initialReconnectBackoffMilliseconds) "
                + "and this grpc.service_config:")
        narrator.printLines(serviceConfig)
        let channel = insecureChannel(
            target,
            options: [
                ("grpc.service_config", .string(serviceConfig)),
                ("grpc.initial_reconnect_backoff_ms", .int(initialReconnectBackoffMilliseconds)),
            ])
        defer { channel.close() }
        let stub = Helloworld_GreeterStub(channel)

        let restartAfter = Double(seconds) / 3
        narrator.say(
            "Calling SayHello from \(loadThreads) threads for \(seconds) s; "
                + "a rolling restart begins after \(String(format: "%.1f", restartAfter)) s")
        let loadStart = narrator.elapsed
        let load = GreetingLoad(stub: stub, threads: loadThreads)
        let reporter = ProgressReporter(load: load, servers: servers.map(\.0), narrator: narrator)
        pause(until: loadStart + restartAfter, narrator)
        let restarted = RollingRestart(backends: backends, narrator: narrator).run()
        pause(until: loadStart + Double(seconds), narrator)
        reporter.stop()
        let tally = load.stop()
        let loadSeconds = narrator.elapsed - loadStart
        narrator.say("Load stopped")
        return summarize(tally, backends, restarted, loadSeconds, narrator)
    }

    /// Prints the calls each server answered, in all and after its restart, and the failed calls;
    /// true when no call failed and every server answered calls after its restart.
    static func summarize(
        _ tally: LoadTally, _ backends: [GreeterBackend], _ restarted: Set<String>, _ loadSeconds: Double,
        _ narrator: Narrator
    ) -> Bool {
        var lines = ["Summary of \(String(format: "%.1f", loadSeconds)) s of load:"]
        var notRejoined: [String] = []
        for backend in backends {
            let answered = tally.answered[backend.name, default: 0]
            let share = tally.totalAnswered > 0 ? 100 * Double(answered) / Double(tally.totalAnswered) : 0
            let afterRestart = restarted.contains(backend.name) ? backend.answeredSinceStart : 0
            if afterRestart == 0 { notRejoined.append(backend.name) }
            lines.append(
                "  \(backend.name) (\(backend.address)): \(answered) calls, \(String(format: "%.1f", share)) %, "
                    + "\(afterRestart) after its restart")
        }
        lines.append("  Total: \(tally.totalAnswered) calls answered, \(tally.failed) failed")
        lines += tally.failureExamples.map { "  failed call: \($0)" }
        if tally.failed > 0 {
            lines.append("FAILED: \(tally.failed) calls failed")
        }
        if !notRejoined.isEmpty {
            lines.append("FAILED: no call answered after the restart by \(notRejoined.joined(separator: ", "))")
        }
        let succeeded = tally.failed == 0 && notRejoined.isEmpty
        if succeeded {
            lines.append("OK: no call failed, and every server answered calls after its restart")
        }
        narrator.printLines(lines.joined(separator: "\n"))
        return succeeded
    }

    /// Sleeps until `narrator` counts `elapsed` seconds.
    static func pause(until elapsed: Double, _ narrator: Narrator) {
        let remaining = elapsed - narrator.elapsed
        if remaining > 0 { Thread.sleep(forTimeInterval: remaining) }
    }
}

let usage = "usage: scale-demo [--seconds N]"
var seconds = 6
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--seconds", let v?) where (Int(v) ?? 0) > 0: seconds = Int(v)!
    default:
        print(usage)
        exit(2)
    }
}
exit(ScaleDemo.run(seconds: seconds) ? 0 : 1)

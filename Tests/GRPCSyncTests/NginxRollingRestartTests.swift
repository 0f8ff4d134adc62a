import Foundation
import GRPCSync
import TestProcesses
import XCTest

/// A rolling restart behind nginx: three servers of this runtime behind one nginx (`grpc_pass` to
/// an upstream of the three, Support/Nginx.swift) under continuous unary load, each server in
/// turn stopped with `stop(grace:)` and started again on its port, and not one call fails, from
/// this runtime's client or from grpcio's (Tests/Peers/nginx_load_client.py).
///
/// Each stop begins while the server runs a call, which must finish; nginx passes the calls that
/// the stopped server's refused connections carried to the other two. The clients' own connection
/// to nginx is replaced every 1,000 calls too (nginx's `keepalive_requests` sends a GOAWAY).
///
/// Nothing is timed: each step waits for counts of served calls (the load goes on while a server
/// is down, and reaches it again once it is back), each wait bounded only so that a broken run
/// ends.
final class NginxRollingRestartTests: XCTestCase {
    /// How many times each server is restarted.
    static let rounds = 2
    /// The servers' grace period: running calls may take this long to finish (they take
    /// milliseconds; the margin is for a slow machine).
    static let grace = 5.0
    /// Calls served at each step before the next: by every server before the restart, by the
    /// others while one is down, by a restarted one before the next stops.
    static let callsPerStep = 100
    /// The client threads (or grpcio threads) making calls one after another.
    static let clientThreads = 3

    /// This runtime's blocking client on one channel to nginx: every call succeeds, calls succeed
    /// during each server's restart, and every server, restarted ones included, serves calls.
    func testNoCallOfThisRuntimesClientFailsDuringARollingRestart() throws {
        try rollingRestartWithThisRuntimesClient(keepsUpstreamConnections: true)
    }

    /// The same with nginx opening a connection to a server for every call: connections reach a
    /// server after its stop has begun, and are drained, not refused.
    func testNoCallFailsWhenNginxOpensAConnectionPerCall() throws {
        try rollingRestartWithThisRuntimesClient(keepsUpstreamConnections: false)
    }

    private func rollingRestartWithThisRuntimesClient(keepsUpstreamConnections: Bool) throws {
        let calls = ServedCalls()
        let servers = try RestartingServers(count: 3, calls: calls)
        defer { servers.stopAll() }
        let nginx = try NginxProxy(upstreamPorts: servers.ports, keepsUpstreamConnections: keepsUpstreamConnections)
        defer { nginx.stop() }
        let load = SwiftLoad(target: nginx.target, threads: Self.clientThreads, calls: calls)
        defer { _ = load.stop() }

        let steps = try rollingRestart(servers, calls)
        let result = load.stop()
        let log = report("this runtime's client", succeeded: result.succeeded, calls, nginx)
        XCTAssertEqual(result.failed, 0, "\(result.failures.joined(separator: "\n"))\n\(log)")
        for step in steps {
            XCTAssertGreaterThan(
                result.succeededByStage[step] ?? 0, 0, "no call of this runtime's client succeeded in step \(step)")
        }
        assertEveryServerServed(calls)
    }

    /// grpcio's client (one `insecure_channel` to nginx, called from several threads): the same.
    func testNoCallOfGrpciosClientFailsDuringARollingRestart() throws {
        let calls = ServedCalls()
        let servers = try RestartingServers(count: 3, calls: calls)
        defer { servers.stopAll() }
        let nginx = try NginxProxy(upstreamPorts: servers.ports)
        defer { nginx.stop() }
        let client = try ChildProcess(
            Repository.python,
            [Peers.script("nginx_load_client.py"), "--target", nginx.target, "--threads", "\(Self.clientThreads)"],
            keepsInputOpen: true)
        defer { client.terminate() }
        guard client.waitForLine(prefix: "STARTED", timeout: 30) != nil else {
            return XCTFail("nginx_load_client.py made no successful call:\n\(client.output())\n\(nginx.errorLog())")
        }

        let steps = try rollingRestart(servers, calls)
        client.closeInput()
        let (status, output) = client.waitForExit(timeout: 30)
        XCTAssertEqual(status, 0, output)
        XCTAssertNotNil(output.split(separator: "\n").first { $0 == "DONE" }, output)
        let succeeded = Self.count(in: output, "OK")
        let log = report("grpcio's client", succeeded: succeeded ?? 0, calls, nginx)
        XCTAssertEqual(Self.count(in: output, "FAILED"), 0, "\(output)\n\(log)")
        XCTAssertGreaterThan(succeeded ?? 0, 0, output)
        // The grpcio client is the only one: the calls the servers served in a step are its calls.
        for step in steps {
            XCTAssertGreaterThan(
                calls.served { $0.stage == step }, 0, "no call of grpcio's client served in step \(step)")
        }
        assertEveryServerServed(calls)
    }

    // MARK: the restart

    /// A failed step of the restart (a server that did not stop, load that did not go on).
    struct StepFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Waits for every server to serve calls, then restarts each server in turn, ``rounds``
    /// times: `stop(grace:)` while the server runs a call (held until the stop has begun), waiting
    /// for the stop to complete, calls served by the other two while it is down, a new server on
    /// its port, calls served by that one. Each restart is a stage of its own in `calls`; returns
    /// those stages.
    private func rollingRestart(_ servers: RestartingServers, _ calls: ServedCalls) throws -> [Int] {
        let slots = servers.ports.indices
        try calls.wait(for: "calls served by every server before the restart") { calls in
            slots.allSatisfy { slot in calls.served { $0.slot == slot } >= Self.callsPerStep }
        }
        var steps: [Int] = []
        for generation in 1...Self.rounds {
            for slot in slots {
                let step = steps.count + 1
                steps.append(step)
                calls.holdNextCall(on: slot)
                try calls.wait(for: "call to server \(slot) to hold") { $0.isHoldingCall }
                calls.stage = step
                let stopped = servers.stop(slot, grace: Self.grace)
                calls.releaseHeldCall()
                guard stopped.wait(timeout: 30) else { throw StepFailed(description: "server \(slot) did not stop") }
                let drained = calls.served { $0.slot == slot && $0.generation == generation - 1 && $0.stage == step }
                XCTAssertGreaterThan(drained, 0, "server \(slot) stopped without finishing the call it was running")
                let servedByOthers = calls.served { $0.slot != slot }
                try calls.wait(for: "calls served by the other servers while server \(slot) is down") { calls in
                    calls.served { $0.slot != slot } >= servedByOthers + Self.callsPerStep
                }
                try servers.start(slot, generation: generation)
                try calls.wait(for: "calls sent to server \(slot) again") { calls in
                    calls.served { $0.slot == slot && $0.generation == generation } >= Self.callsPerStep
                }
                print("step \(step): server \(slot) stopped (\(drained) calls finished while it stopped), restarted")
            }
        }
        calls.stage = steps.count + 1
        return steps
    }

    /// Every server served calls: each of the three first servers, and each server started in
    /// their place.
    private func assertEveryServerServed(_ calls: ServedCalls) {
        for slot in 0..<3 {
            for generation in 0...Self.rounds {
                XCTAssertGreaterThan(
                    calls.served { $0.slot == slot && $0.generation == generation }, 0,
                    "server \(slot) (generation \(generation)) served no call")
            }
        }
    }

    /// Prints the calls each server served and what nginx logged about its upstream servers, and
    /// returns the same text for failure messages.
    private func report(_ client: String, succeeded: Int, _ calls: ServedCalls, _ nginx: NginxProxy) -> String {
        var lines = ["\(client): \(succeeded) calls succeeded through nginx"]
        for slot in 0..<3 {
            let generations = (0...Self.rounds).map { generation in
                "\(calls.served { $0.slot == slot && $0.generation == generation })"
            }
            lines.append("server \(slot): calls served by each generation: \(generations.joined(separator: ", "))")
        }
        lines.append("nginx's error log (message: times):")
        lines += nginx.errorLogSummary().filter { !$0.message.hasPrefix("[notice]") }.map {
            "  \($0.message): \($0.count)"
        }
        let text = lines.joined(separator: "\n")
        print(text)
        return text
    }

    /// The number on the line `<prefix> <n>` of nginx_load_client.py's output.
    private static func count(in output: String, _ prefix: String) -> Int? {
        output.split(separator: "\n").lazy.compactMap { line -> Int? in
            let words = line.split(separator: " ")
            return words.count == 2 && words[0] == prefix ? Int(words[1]) : nil
        }.first
    }
}

/// The calls the servers served, by server slot, server generation (0 for the first server on a
/// port, 1 for the one started after its first stop…) and the test's stage at the time; and one
/// call a server holds until the test lets it go on.
final class ServedCalls: @unchecked Sendable {  // `lock` protects the variables
    struct Key: Hashable {
        let slot: Int
        let generation: Int
        let stage: Int
    }

    private let lock = NSLock()
    private var counts: [Key: Int] = [:]
    private var currentStage = 0
    private var holdingSlot: Int?
    private var holding = false
    private let heldCallReleased = DispatchSemaphore(value: 0)

    /// The step of the restart the test is at: 0 before it, 1 once the first stop begins…
    var stage: Int {
        get { lock.withLock { currentStage } }
        set { lock.withLock { currentStage = newValue } }
    }

    /// Counts one call served by the server in `slot` of `generation`.
    func record(slot: Int, generation: Int) {
        lock.withLock { counts[Key(slot: slot, generation: generation, stage: currentStage), default: 0] += 1 }
    }

    /// The next call the server in `slot` runs waits in ``holdIfAsked(slot:)`` until
    /// ``releaseHeldCall()``.
    func holdNextCall(on slot: Int) {
        lock.withLock { (holdingSlot, holding) = (slot, false) }
    }

    /// Whether a call is held now.
    var isHoldingCall: Bool { lock.withLock { holding } }

    /// Lets the held call go on.
    func releaseHeldCall() {
        lock.withLock { (holdingSlot, holding) = (nil, false) }
        heldCallReleased.signal()
    }

    /// Holds the calling call (at most 20 s) when it is the one ``holdNextCall(on:)`` asked for.
    func holdIfAsked(slot: Int) {
        let held = lock.withLock {
            guard holdingSlot == slot, !holding else { return false }
            holding = true
            return true
        }
        if held { _ = heldCallReleased.wait(timeout: .now() + 20) }
    }

    /// The calls served whose key `matches`.
    func served(_ matches: (Key) -> Bool) -> Int {
        lock.withLock { counts.filter { matches($0.key) }.values.reduce(0, +) }
    }

    /// Waits (at most 20 s: the load would have stopped) until `condition` holds.
    func wait(for description: String, _ condition: (ServedCalls) -> Bool) throws {
        let end = Date().addingTimeInterval(20)
        while !condition(self) {
            guard Date() < end else { throw NginxRollingRestartTests.StepFailed(description: "no \(description)") }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }
}

/// Counts each call its server served in ``ServedCalls``, once its handler has returned; holds
/// the call ``ServedCalls`` asks it to hold.
struct ServedCallCounter: ServerInterceptor {
    let slot: Int
    let generation: Int
    let calls: ServedCalls

    func interceptService(
        _ continuation: (HandlerCallDetails) throws -> RPCMethodHandler?, _ details: HandlerCallDetails
    ) throws -> RPCMethodHandler? {
        try continuation(details)?.wrappingBehavior { [slot, generation, calls] _, proceed in
            calls.holdIfAsked(slot: slot)
            try proceed()
            calls.record(slot: slot, generation: generation)
        }
    }
}

/// Servers with the test service, each on its own loopback port, stopped and started again on
/// the same port.
final class RestartingServers: @unchecked Sendable {  // used by the test's thread only
    let ports: [Int]
    private var servers: [Server] = []
    private let calls: ServedCalls

    init(count: Int, calls: ServedCalls) throws {
        self.calls = calls
        var ports: [Int] = []
        for slot in 0..<count {
            let server = Self.server(slot: slot, generation: 0, calls: calls)
            ports.append(try server.addInsecurePort("127.0.0.1:0"))
            try server.start()
            servers.append(server)
        }
        self.ports = ports
    }

    /// Stops the server in `slot` (`stop(grace:)`); returns its event, set once it has stopped.
    func stop(_ slot: Int, grace: Double) -> Event {
        servers[slot].stop(grace: grace)
    }

    /// Starts a new server in `slot`, on the port of the one before.
    func start(_ slot: Int, generation: Int) throws {
        let server = Self.server(slot: slot, generation: generation, calls: calls)
        try server.addInsecurePort("127.0.0.1:\(ports[slot])")
        try server.start()
        servers[slot] = server
    }

    /// Stops every server now, cancelling what still runs (a held call included).
    func stopAll() {
        calls.releaseHeldCall()
        for server in servers { server.stop(grace: nil).wait(timeout: 10) }
    }

    private static func server(slot: Int, generation: Int, calls: ServedCalls) -> Server {
        Server(
            ThreadPoolExecutor(maxWorkers: 8), handlers: [TestService.handler()],
            interceptors: [ServedCallCounter(slot: slot, generation: generation, calls: calls)])
    }
}

/// Threads of this runtime's client calling the test service's `Unary` through one channel, one
/// call after another, until ``stop()``.
final class SwiftLoad: @unchecked Sendable {  // `lock` protects `running`, `succeeded` and `failures`
    /// What the calls did.
    struct Result {
        /// Successful calls by the stage of ``ServedCalls`` at their end.
        var succeededByStage: [Int: Int]
        var succeeded: Int { succeededByStage.values.reduce(0, +) }
        var failed: Int
        /// Each failure's code, how often it came, and the first one's details.
        var failures: [String]
    }

    private let lock = NSLock()
    private var running = true
    private var succeeded: [Int: Int] = [:]
    private var failures: [String: (count: Int, first: String)] = [:]
    private let finished = DispatchGroup()
    private let channel: Channel

    init(target: String, threads: Int, calls: ServedCalls) {
        channel = insecureChannel(target)
        let unary = channel.unaryUnary(TestService.path("Unary"))
        let request = Array("load".utf8)
        for _ in 0..<threads {
            finished.enter()
            Thread.detachNewThread { [self] in
                while lock.withLock({ running }) {
                    // A few ms in the handler: calls are still running when a server starts to stop.
                    do {
                        let answer = try unary(request, timeout: 10, metadata: [("x-sleep-ms", "5")])
                        if answer == request {
                            let stage = calls.stage
                            lock.withLock { succeeded[stage, default: 0] += 1 }
                        } else {
                            fail("WRONG_ANSWER", "\(answer.prefix(40))")
                        }
                    } catch let error as RPCError {
                        fail(error.code.grpcName, "\(error.details) (\(error.debugErrorString))")
                    } catch {
                        fail("ERROR", "\(error)")
                    }
                }
                finished.leave()
            }
        }
    }

    private func fail(_ code: String, _ details: String) {
        lock.withLock {
            let (count, first) = failures[code] ?? (0, details)
            failures[code] = (count + 1, first)
        }
    }

    /// Lets each thread finish its call, closes the channel and returns what the calls did.
    func stop() -> Result {
        lock.withLock { running = false }
        _ = finished.wait(timeout: .now() + 30)
        channel.close()
        return lock.withLock {
            Result(
                succeededByStage: succeeded, failed: failures.values.map(\.count).reduce(0, +),
                failures: failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.count) \($0.value.first)" })
        }
    }
}

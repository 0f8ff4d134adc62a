import Foundation
import TestProcesses
import XCTest

@testable import GRPCSync

/// `round_robin` and `pick_first` on real sockets, each scenario run by this runtime's client and
/// by grpcio's (`lb_peer.py client`), against this runtime's servers and grpcio's
/// (`lb_peer.py server`): three servers on distinct loopback addresses share the calls evenly; a
/// server killed under load costs no call (a retry policy for UNAVAILABLE) and takes calls again
/// once restarted; `localhost` resolves to its A and AAAA addresses both.
final class LoadBalancingTests: XCTestCase {
    /// The service config both clients use: round_robin, and UNAVAILABLE retried.
    static let serviceConfig = """
        {"loadBalancingConfig": [{"round_robin": {}}],
         "methodConfig": [{"name": [{"service": "lb.Backend"}],
           "retryPolicy": {"maxAttempts": 5, "initialBackoff": "0.05s", "maxBackoff": "0.5s",
             "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}
        """

    static let hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]

    /// 300 calls over three servers: each within ±10 % of a third, for either client against
    /// either side's servers, with the policy chosen by the service config or by
    /// `grpc.lb_policy_name`.
    func testRoundRobinSpreadsCallsEvenlyAsGrpcio() throws {
        let ours = try Self.hosts.enumerated().map { try NamedServer(host: $1, name: "s\($0)") }
        let theirs = try Self.hosts.enumerated().map { index, host in
            try PythonPeerServer(script: "lb_peer.py", ["server", "--address", "\(host):0", "--name", "s\(index)"])
        }
        defer { for server in theirs { server.stop() } }
        for (side, ports) in [("swift", ours.map(\.port)), ("grpcio", theirs.map(\.port))] {
            let target = Self.target(ports)
            for options: [(String, OptionValue)] in [
                [("grpc.service_config", .string(Self.serviceConfig))], [("grpc.lb_policy_name", "round_robin")],
            ] {
                let counts = try Self.swiftClient(target: target, options: options, calls: 300)
                Self.assertEven(counts, total: 300, "swift client, \(side) servers, \(options[0].0)")
            }
            let (status, output) = try Peers.run(
                "lb_peer.py",
                [
                    "client", "--target", target, "--calls", "300", "--option",
                    "grpc.service_config=\(Self.serviceConfig)",
                ])
            XCTAssertEqual(status, 0, output)
            Self.assertEven(Self.counts(output), total: 300, "grpcio client, \(side) servers: \(output)")
        }
    }

    /// pick_first (the default, and what an unknown `grpc.lb_policy_name` gives) sends every call
    /// to the first address, as grpcio's does.
    func testPickFirstUsesTheFirstAddress() throws {
        let ours = try Self.hosts.enumerated().map { try NamedServer(host: $1, name: "s\($0)") }
        let target = Self.target(ours.map(\.port))
        for name in [nil, "no_such_policy"] {
            let options: [(String, OptionValue)] = name.map { [("grpc.lb_policy_name", .string($0))] } ?? []
            XCTAssertEqual(try Self.swiftClient(target: target, options: options, calls: 30), ["s0": 30])
            let (status, output) = try Peers.run(
                "lb_peer.py",
                ["client", "--target", target, "--calls", "30"]
                    + (name.map { ["--option", "grpc.lb_policy_name=\($0)"] } ?? []))
            XCTAssertEqual(status, 0, output)
            XCTAssertEqual(Self.counts(output), ["s0": 30], output)
        }
    }

    /// A name whose answer holds an IPv4 and an IPv6 address (A and AAAA): round_robin makes a
    /// subchannel of each and both get calls. The answer comes from a stand-in resolver, since
    /// this machine's `localhost` may have one family only; where it has both, `dns:///localhost`
    /// is checked with the system resolver and against grpcio's client too.
    func testAnAnswerWithAAndAAAAAddressesUsesBoth() throws {
        let server = try NamedServer(host: "::", name: "dual", answersPeerFamily: true)
        let port = server.port
        let options: [(String, OptionValue)] = [("grpc.lb_policy_name", "round_robin")]
        let asked = LockedValue<[String]>([])
        let transport = ChannelTransport(
            target: "dns:///dual.test:\(port)", options: options, compression: nil,
            resolve: { target in
                asked.withLock { $0.append(target.nameToResolve) }
                return .success([
                    try! SocketAddress.resolve(host: "127.0.0.1", port: port)[0],
                    try! SocketAddress.resolve(host: "::1", port: port)[0],
                ])
            })
        let channel = Channel(transport: transport, interceptors: [])
        defer { channel.close() }
        var families: [String: Int] = [:]
        for _ in 0..<40 {
            families[
                String(decoding: try channel.unaryUnary("/lb.Backend/Which")([], timeout: 20), as: UTF8.self),
                default: 0] += 1
        }
        // The first calls go to whichever subchannel is ready first; then they alternate.
        XCTAssertEqual(families.values.reduce(0, +), 40)
        XCTAssertGreaterThanOrEqual(families["ipv4"] ?? 0, 15, "\(families)")
        XCTAssertGreaterThanOrEqual(families["ipv6"] ?? 0, 15, "\(families)")
        XCTAssertEqual(asked.withLock { $0 }, ["dual.test:\(port)"])

        let addresses = try SocketAddress.resolve(host: "localhost", port: 1).map(\.description)
        guard
            addresses.contains(where: { $0.hasPrefix("ipv6:") }) && addresses.contains(where: { $0.hasPrefix("ipv4:") })
        else { return }
        let target = "dns:///localhost:\(port)"
        XCTAssertEqual(Set(try Self.swiftClient(target: target, options: options, calls: 40).keys), ["ipv4", "ipv6"])
        let (status, output) = try Peers.run(
            "lb_peer.py",
            ["client", "--target", target, "--calls", "40", "--option", "grpc.lb_policy_name=round_robin"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(Set(Self.counts(output).keys), ["ipv4", "ipv6"], output)
    }

    /// Three grpcio servers under continuous load from four threads of either client (round_robin
    /// and a retry policy for UNAVAILABLE): the second is killed (SIGKILL), then restarted on its
    /// port. No call fails, and the restarted server takes calls again.
    func testAKilledServerCostsNoCallAndRejoins() throws {
        for client in ["swift", "grpcio"] {
            var servers = try Self.hosts.enumerated().map { index, host in
                try PythonPeerServer(script: "lb_peer.py", ["server", "--address", "\(host):0", "--name", "s\(index)"])
            }
            defer { for server in servers { server.stop() } }
            let target = Self.target(servers.map(\.port))
            let load = try LoadClient(client: client, target: target, serviceConfig: Self.serviceConfig)
            XCTAssertNotNil(servers[1].process.waitForLine(prefix: "FIRST_CALL", timeout: 30), client)
            kill(servers[1].process.processIdentifier, SIGKILL)
            _ = servers[1].process.waitUntilExit(timeout: 10)
            // The load goes on without it for a while (calls that were on it are retried).
            load.waitForMoreCalls(200)
            servers[1] = try PythonPeerServer(
                script: "lb_peer.py", ["server", "--address", "\(Self.hosts[1]):\(servers[1].port)", "--name", "s1"])
            let rejoined = servers[1].process.waitForLine(prefix: "FIRST_CALL", timeout: 60)
            let (counts, failures, output) = try load.finish()
            XCTAssertNotNil(rejoined, "\(client): the restarted server took no call: \(output)")
            XCTAssertEqual(failures, [], "\(client): \(output)")
            XCTAssertEqual(Set(counts.keys), ["s0", "s1", "s2"], "\(client): \(output)")
        }
    }

    // MARK: helpers

    static func target(_ ports: [Int]) -> String {
        "ipv4:" + zip(hosts, ports).map { "\($0):\($1)" }.joined(separator: ",")
    }

    /// Calls `/lb.Backend/Which` `calls` times, one after another; counts the answers.
    static func swiftClient(target: String, options: [(String, OptionValue)], calls: Int) throws -> [String: Int] {
        let channel = insecureChannel(target, options: options)
        defer { channel.close() }
        let which = channel.unaryUnary("/lb.Backend/Which")
        var counts: [String: Int] = [:]
        for _ in 0..<calls {
            counts[String(decoding: try which([], timeout: 20), as: UTF8.self), default: 0] += 1
        }
        return counts
    }

    /// The `COUNT name n` lines of `lb_peer.py client`.
    static func counts(_ output: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("COUNT ") {
            let parts = line.split(separator: " ")
            counts[String(parts[1])] = Int(parts[2])
        }
        return counts
    }

    static func assertEven(
        _ counts: [String: Int], total: Int, _ message: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(counts.count, 3, "\(message): \(counts)", file: file, line: line)
        XCTAssertEqual(counts.values.reduce(0, +), total, "\(message): \(counts)", file: file, line: line)
        let third = Double(total) / 3
        for (name, count) in counts {
            XCTAssertLessThanOrEqual(
                abs(Double(count) - third), third / 10, "\(message): \(name) got \(count) of \(total)", file: file,
                line: line)
        }
    }
}

/// Unary calls to `/lb.Backend/Which` from four threads until ``finish()``: this runtime's client
/// in this process, or grpcio's (`lb_peer.py client --calls 0`).
final class LoadClient: @unchecked Sendable {  // `state` is locked
    private let state = LockedValue<(counts: [String: Int], failures: [String], stop: Bool)>(([:], [], false))
    private var threads: [Thread] = []
    private let done = DispatchGroup()
    private var process: ChildProcess?
    private var channel: Channel?

    init(client: String, target: String, serviceConfig: String) throws {
        if client == "grpcio" {
            process = try ChildProcess(
                Repository.python,
                [
                    Peers.script("lb_peer.py"), "client", "--target", target, "--threads", "4", "--option",
                    "grpc.service_config=\(serviceConfig)",
                ], keepsInputOpen: true)
            return
        }
        let channel = insecureChannel(target, options: [("grpc.service_config", .string(serviceConfig))])
        self.channel = channel
        let which = channel.unaryUnary("/lb.Backend/Which")
        for _ in 0..<4 {
            done.enter()
            Thread.detachNewThread { [state, done] in
                defer { done.leave() }
                while !state.withLock({ $0.stop }) {
                    do {
                        let name = String(decoding: try which([], timeout: 20), as: UTF8.self)
                        state.withLock { $0.counts[name, default: 0] += 1 }
                    } catch {
                        state.withLock { $0.failures.append("\(error)") }
                    }
                }
            }
        }
    }

    /// Waits until `count` more calls have been answered (this runtime's client), or a second
    /// (grpcio's, which reports its counts only at the end).
    func waitForMoreCalls(_ count: Int) {
        guard process == nil else { return Thread.sleep(forTimeInterval: 1) }
        let start = state.withLock { $0.counts.values.reduce(0, +) }
        let giveUp = Date().addingTimeInterval(30)
        while state.withLock({ $0.counts.values.reduce(0, +) }) < start + count && Date() < giveUp {
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// Stops the load; returns the answers by server, the failures and (grpcio) what it printed.
    func finish() throws -> (counts: [String: Int], failures: [String], output: String) {
        if let process {
            process.closeInput()
            let (_, output) = process.waitForExit(timeout: 60)
            let failures = output.split(separator: "\n").filter { $0.hasPrefix("FAILED ") }.map(String.init)
            return (LoadBalancingTests.counts(output), failures, output)
        }
        state.withLock { $0.stop = true }
        _ = done.wait(timeout: .now() + 60)
        channel?.close()
        let (counts, failures, _) = state.withLock { $0 }
        return (counts, failures, "\(counts) \(failures)")
    }
}

/// A server of this runtime whose `/lb.Backend/Which` answers its name (or, with
/// `answersPeerFamily`, the caller's address family: `ipv4` or `ipv6`).
final class NamedServer: @unchecked Sendable {
    let server: Server
    let port: Int

    init(host: String, name: String, port: Int = 0, answersPeerFamily: Bool = false) throws {
        server = Server(ThreadPoolExecutor(maxWorkers: 8))
        server.addGenericRPCHandlers([
            methodHandlersGenericHandler(
                "lb.Backend",
                [
                    "Which": unaryUnaryRPCMethodHandler { (_: [UInt8], context: ServicerContext) in
                        guard answersPeerFamily else { return Array(name.utf8) }
                        let peer = context.peer()
                        // A v4-mapped address on a dual-stack socket is an IPv4 caller.
                        let family = peer.hasPrefix("ipv6:[::ffff:") || peer.hasPrefix("ipv4:") ? "ipv4" : "ipv6"
                        return Array(family.utf8)
                    }
                ])
        ])
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.port = try server.addInsecurePort(address)
        try server.start()
    }

    deinit { server.stop(grace: nil).wait(timeout: 10) }
}

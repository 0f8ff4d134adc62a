import Foundation
import GRPCSync
import TestProcesses
import XCTest

// Every scenario of Tests/Peers/SPEC.md in three combinations. XCTest on Linux finds only the test
// methods a class declares itself, so each class lists them: scenario `x_y` is `testXY`, which runs
// `x_y` and nothing else. ScenarioListTests checks the three lists against `peer_client.py --list`.

/// The servers the scenarios run against, started once: `large_16mib` and `compression_sizes` need
/// 32 MiB limits, the other scenarios the defaults.
enum ScenarioServers {
    static let limit32MiB: [(String, OptionValue)] = [
        ("grpc.max_receive_message_length", 33_554_432), ("grpc.max_send_message_length", 33_554_432),
    ]
    static let swift = Result { try SwiftTestServer() }
    static let swiftLarge = Result { try SwiftTestServer(options: limit32MiB) }
    static let grpcio = Result { try PythonPeerServer() }
    static let grpcioLarge = Result {
        try PythonPeerServer(arguments: ["--max-receive", "33554432", "--max-send", "33554432"])
    }

    /// The scenarios that run against the servers with 32 MiB limits.
    static let large: Set = ["large_16mib", "compression_sizes"]

    static func swiftTarget(for scenario: String) throws -> String {
        try (large.contains(scenario) ? swiftLarge : swift).get().target
    }

    static func grpcioTarget(for scenario: String) throws -> String {
        try (large.contains(scenario) ? grpcioLarge : grpcio).get().target
    }
}

/// The Swift client against the Swift server.
final class SwiftClientSwiftServerTests: XCTestCase {
    private func run(_ scenario: String, test: String = #function) throws {
        try ScenarioList.expect(test, runs: scenario)
        try ClientScenarios(target: ScenarioServers.swiftTarget(for: scenario)).run(scenario)
    }

    func testUnary() throws { try run("unary") }
    func testUnaryEmpty() throws { try run("unary_empty") }
    func testServerStream() throws { try run("server_stream") }
    func testClientStream() throws { try run("client_stream") }
    func testBidi() throws { try run("bidi") }
    func testMetadata() throws { try run("metadata") }
    func testMetadataKeys() throws { try run("metadata_keys") }
    func testStatusCodes() throws { try run("status_codes") }
    func testDeadline() throws { try run("deadline") }
    func testTimeRemaining() throws { try run("time_remaining") }
    func testCancel() throws { try run("cancel") }
    func testServerCancel() throws { try run("server_cancel") }
    func testMaxReceiveDefault() throws { try run("max_receive_default") }
    func testLarge16mib() throws { try run("large_16mib") }
    func testUnknownMethod() throws { try run("unknown_method") }
    func testHandlerRaises() throws { try run("handler_raises") }
    func testConcurrent1000() throws { try run("concurrent_1000") }
    func testChannels100() throws { try run("channels_100") }
    func testPeer() throws { try run("peer") }
    func testBackpressure() throws { try run("backpressure") }
    func testCompression() throws { try run("compression") }
    func testRequestQueue() throws { try run("request_queue") }
    func testCompressionSizes() throws { try run("compression_sizes") }
}

/// The Swift client against a grpcio server (Tests/Peers/peer_server.py).
final class SwiftClientGRPCIOServerTests: XCTestCase {
    private func run(_ scenario: String, test: String = #function) throws {
        try ScenarioList.expect(test, runs: scenario)
        try ClientScenarios(target: ScenarioServers.grpcioTarget(for: scenario)).run(scenario)
    }

    func testUnary() throws { try run("unary") }
    func testUnaryEmpty() throws { try run("unary_empty") }
    func testServerStream() throws { try run("server_stream") }
    func testClientStream() throws { try run("client_stream") }
    func testBidi() throws { try run("bidi") }
    func testMetadata() throws { try run("metadata") }
    func testMetadataKeys() throws { try run("metadata_keys") }
    func testStatusCodes() throws { try run("status_codes") }
    func testDeadline() throws { try run("deadline") }
    func testTimeRemaining() throws { try run("time_remaining") }
    func testCancel() throws { try run("cancel") }
    func testServerCancel() throws { try run("server_cancel") }
    func testMaxReceiveDefault() throws { try run("max_receive_default") }
    func testLarge16mib() throws { try run("large_16mib") }
    func testUnknownMethod() throws { try run("unknown_method") }
    func testHandlerRaises() throws { try run("handler_raises") }
    func testConcurrent1000() throws { try run("concurrent_1000") }
    func testChannels100() throws { try run("channels_100") }
    func testPeer() throws { try run("peer") }
    func testBackpressure() throws { try run("backpressure") }
    func testCompression() throws { try run("compression") }
    func testRequestQueue() throws { try run("request_queue") }
    func testCompressionSizes() throws { try run("compression_sizes") }
}

/// A grpcio client (Tests/Peers/peer_client.py) against the Swift server.
final class GRPCIOClientSwiftServerTests: XCTestCase {
    private func run(_ scenario: String, test: String = #function) throws {
        try ScenarioList.expect(test, runs: scenario)
        let target = try ScenarioServers.swiftTarget(for: scenario)
        let (status, output) = try Peers.run("peer_client.py", [scenario, "--target", target])
        XCTAssertEqual(status, 0, "peer_client.py \(scenario):\n\(output)")
    }

    func testUnary() throws { try run("unary") }
    func testUnaryEmpty() throws { try run("unary_empty") }
    func testServerStream() throws { try run("server_stream") }
    func testClientStream() throws { try run("client_stream") }
    func testBidi() throws { try run("bidi") }
    func testMetadata() throws { try run("metadata") }
    func testMetadataKeys() throws { try run("metadata_keys") }
    func testStatusCodes() throws { try run("status_codes") }
    func testDeadline() throws { try run("deadline") }
    func testTimeRemaining() throws { try run("time_remaining") }
    func testCancel() throws { try run("cancel") }
    func testServerCancel() throws { try run("server_cancel") }
    func testMaxReceiveDefault() throws { try run("max_receive_default") }
    func testLarge16mib() throws { try run("large_16mib") }
    func testUnknownMethod() throws { try run("unknown_method") }
    func testHandlerRaises() throws { try run("handler_raises") }
    func testConcurrent1000() throws { try run("concurrent_1000") }
    func testChannels100() throws { try run("channels_100") }
    func testPeer() throws { try run("peer") }
    func testBackpressure() throws { try run("backpressure") }
    func testCompression() throws { try run("compression") }
    func testRequestQueue() throws { try run("request_queue") }
    func testCompressionSizes() throws { try run("compression_sizes") }
}

/// The names of the scenarios. `peer_client.py --list` (grpcio's client) is the list the others
/// are checked against: the test methods of the classes above, the Swift client's
/// ``ClientScenarios/names`` and SPEC.md's table of scenarios.
enum ScenarioList {
    /// The classes that each run every scenario.
    static let classes: [XCTestCase.Type] = [
        SwiftClientSwiftServerTests.self, SwiftClientGRPCIOServerTests.self, GRPCIOClientSwiftServerTests.self,
    ]

    /// The scenarios of `peer_client.py --list`, in its order.
    static func peerClient() throws -> [String] { try Peers.list("peer_client.py") }

    /// The name of the test method that runs `scenario`: `large_16mib` is `testLarge16mib`.
    static func testName(for scenario: String) -> String {
        "test" + scenario.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// Throws unless `test` (a method's `#function`, such as `testUnary()`) is the test method
    /// of `scenario`, so that a method cannot run another scenario than its name says.
    static func expect(_ test: String, runs scenario: String) throws {
        guard test == testName(for: scenario) + "()" else {
            throw ClientScenarios.Mismatch(
                description: "\(test) runs scenario \(scenario), whose test is \(testName(for: scenario))()")
        }
    }

    /// The test methods XCTest finds in this test binary, by `Module.Class`. swift-corelibs-xctest
    /// gives a test no way to ask a class for its tests (no `defaultTestSuite`; the discovered
    /// lists are private to the generated runner), so the binary itself is asked: run with
    /// `--list-tests`, XCTest prints one `Module.Class/testMethod` line per test it would run, and
    /// exits.
    static func discoveredTests() throws -> [String: Set<String>] {
        let binary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let (status, output) = try ChildProcess.run(binary, ["--list-tests"], timeout: 60)
        guard status == 0 else { throw ChildProcessFailure("\(binary) --list-tests exited with \(status):\n\(output)") }
        var tests: [String: Set<String>] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "/")
            guard parts.count == 2, parts[0].contains(".") else { continue }
            tests[String(parts[0]), default: []].insert(String(parts[1]))
        }
        guard !tests.isEmpty else { throw ChildProcessFailure("\(binary) --list-tests listed no test:\n\(output)") }
        return tests
    }

    /// The scenarios of SPEC.md's table under "## Scenarios": the first column, `` `name` ``.
    static func spec() throws -> [String] {
        let text = try String(contentsOfFile: Repository.path("Tests/Peers/SPEC.md"), encoding: .utf8)
        var names: [String] = []
        var inSection = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("## ") { inSection = line.hasPrefix("## Scenarios") }
            guard inSection, line.hasPrefix("| `") else { continue }
            names.append(String(line.dropFirst(3).prefix { $0 != "`" }))
        }
        return names
    }
}

/// The scenario lists agree with `peer_client.py --list`, so that a scenario added on one side
/// is not left untested on another.
final class ScenarioListTests: XCTestCase {
    /// The names in `names` that are not in `reference`, and those of `reference` missing there.
    private func differences(_ names: some Collection<String>, from reference: some Collection<String>) -> (
        extra: [String], missing: [String]
    ) {
        (Set(names).subtracting(reference).sorted(), Set(reference).subtracting(names).sorted())
    }

    func testEveryScenarioClassHasOneTestPerScenario() throws {
        let expected = try ScenarioList.peerClient().map(ScenarioList.testName(for:))
        let discovered = try ScenarioList.discoveredTests()
        for type in ScenarioList.classes {
            let name = String(reflecting: type)
            let (extra, missing) = differences(discovered[name] ?? [], from: expected)
            XCTAssertEqual(missing, [], "\(name) has no test for these scenarios of peer_client.py --list")
            XCTAssertEqual(extra, [], "\(name) has tests for scenarios that peer_client.py --list does not name")
        }
    }

    func testSwiftClientScenariosAreThoseOfPeerClient() throws {
        let grpcio = try ScenarioList.peerClient()
        XCTAssertEqual(grpcio.count, Set(grpcio).count, "peer_client.py --list names a scenario twice")
        let swift = ClientScenarios.names
        XCTAssertEqual(swift.count, Set(swift).count, "ClientScenarios.names names a scenario twice")
        let (extra, missing) = differences(swift, from: grpcio)
        XCTAssertEqual(missing, [], "ClientScenarios.names misses these scenarios of peer_client.py --list")
        XCTAssertEqual(extra, [], "ClientScenarios.names has scenarios that peer_client.py --list does not name")
    }

    func testSpecDescribesEveryScenario() throws {
        let spec = try ScenarioList.spec()
        XCTAssertEqual(spec.count, Set(spec).count, "SPEC.md describes a scenario twice")
        let (extra, missing) = differences(spec, from: try ScenarioList.peerClient())
        XCTAssertEqual(missing, [], "SPEC.md does not describe these scenarios of peer_client.py --list")
        XCTAssertEqual(extra, [], "SPEC.md describes scenarios that peer_client.py --list does not name")
    }
}

import Foundation
import GRPCSync
import TestProcesses
import XCTest

/// `grpc.service_config` on a channel, case by case as a grpcio client with the same config sees
/// it (`Tests/Peers/service_config_cases.json`, run by `service_config_client.py`), both against
/// grpcio's peer server: timeouts, waitForReady and message limits taken from the method's entry
/// (its own, its service's or the default one), unknown fields ignored, and a config with errors
/// refused with grpc's words for every field in error, on every call.
final class ServiceConfigCallTests: XCTestCase {
    /// A port nothing listens on, for the waitForReady cases.
    static let deadTarget = "127.0.0.1:1"

    func testEveryCaseAsGrpcio() throws {
        let grpcio = try PythonPeerServer()
        let cases = try Peers.cases("service_config_cases.json")
        XCTAssertGreaterThan(cases.count, 50)
        let expected = try Peers.caseLines(
            "service_config_client.py", ["--target", grpcio.target, "--dead-target", Self.deadTarget],
            names: cases.map { $0["name"] as! String })
        for (mine, theirs) in zip(cases.map { Self.run($0, target: grpcio.target) }, expected) {
            XCTAssertEqual(mine, theirs)
        }
    }

    /// An async call reads the same method config: its deadline is the config's timeout.
    func testAnAsyncCallTakesTheConfigsTimeout() async throws {
        let grpcio = try PythonPeerServer()
        let config = #"{"methodConfig":[{"name":[{"service":"grpcsync.testing.TestService"}],"timeout":"0.2s"}]}"#
        let channel = AIO.insecureChannel(grpcio.target, options: [("grpc.service_config", .string(config))])
        let unary = channel.unaryUnary(TestService.path("Unary"))
        do {
            _ = try await unary([], timeout: 30, metadata: [("x-sleep-ms", "5000")])
            XCTFail("the call did not end at the config's deadline")
        } catch let error as RPCError {
            XCTAssertEqual(error.code, .deadlineExceeded)
            XCTAssertEqual(error.details, "Deadline Exceeded")
        }
        await channel.close()
    }

    /// What `service_config_client.py` prints for `testCase`, from this runtime's client.
    static func run(_ fields: [String: Any], target: String) -> String {
        let callTarget = (fields["dead_target"] as? Bool ?? false) ? deadTarget : target
        var options: [(String, OptionValue)] = [("grpc.service_config", .string(fields["config"] as! String))]
        for option in fields["options"] as? [[Any]] ?? [] {
            options.append((option[0] as! String, .int(option[1] as! Int)))
        }
        var metadata = Metadata()
        if let sleep = fields["sleep_ms"] as? Int { metadata.add("x-sleep-ms", .text("\(sleep)")) }
        if let size = fields["response_size"] as? Int { metadata.add("x-response-size", .text("\(size)")) }
        let channel = insecureChannel(callTarget, options: options)
        defer { channel.close() }
        let unary = channel.unaryUnary(TestService.path(fields["method"] as? String ?? "Unary"))
        let code: StatusCode
        let details: String
        do {
            _ = try unary(
                [UInt8](repeating: UInt8(ascii: "x"), count: fields["request_size"] as? Int ?? 0),
                timeout: fields["timeout"] as? Double ?? 10, metadata: metadata,
                waitForReady: fields["wait_for_ready"] as? Bool)
            (code, details) = (.ok, "")
        } catch let error as RPCError {
            (code, details) = (error.code, error.details)
        } catch {
            (code, details) = (.unknown, "\(error)")
        }
        return "\(fields["name"] as! String) \(code.grpcName) \(shown(details, fields, target: callTarget))"
    }

    /// The details as the script prints them.
    static func shown(_ details: String, _ fields: [String: Any], target: String) -> String {
        if let part = fields["details_contains"] as? String {
            return part.isEmpty || details.contains(part) ? "contains" : "unexpected: \(details)"
        }
        if let prefix = fields["details_prefix"] as? String {
            return details.hasPrefix(prefix.replacingOccurrences(of: "{target}", with: target))
                ? "has-prefix" : "unexpected: \(details)"
        }
        return details
    }
}

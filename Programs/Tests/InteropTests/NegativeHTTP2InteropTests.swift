import Foundation
import InteropTesting
import TestProcesses
import XCTest

/// gRPC's negative HTTP/2 interop cases (doc/negative-http2-interop-test-descriptions.md): each
/// case of `interop-client` against Tests/Peers/interop/http2_negative_server.py started with the
/// same case, and grpcio's interop client (Tests/Peers/interop/interop_client.py) against another
/// such server. Both must pass; the rst_* cases must also end their call with the same status code.
final class NegativeHTTP2InteropTests: XCTestCase {
    func testGoAway() throws { try runCase(.goAway) }
    func testRstAfterHeader() throws { try runCase(.rstAfterHeader) }
    func testRstDuringData() throws { try runCase(.rstDuringData) }
    func testRstAfterData() throws { try runCase(.rstAfterData) }
    func testPing() throws { try runCase(.ping) }
    func testMaxStreams() throws { try runCase(.maxStreams) }

    /// The negative server knows every case interop-client calls negative, and no other.
    func testTheServerServesEveryNegativeCase() throws {
        let (status, output) = try ChildProcess.run(Repository.python, [Self.server, "--list"], timeout: 60)
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(
            Set(output.split(separator: "\n").map(String.init)),
            Set(InteropTestCase.negativeHTTP2Cases.map(\.rawValue)))
    }

    private static var server: String { Repository.path("Tests/Peers/interop/http2_negative_server.py") }

    private func runCase(_ testCase: InteropTestCase) throws {
        let swift = try runClient(
            InteropPrograms.program("interop-client"), [], testCase)
        let grpcio = try runClient(
            Repository.python, [Repository.path("Tests/Peers/interop/interop_client.py")], testCase)
        print("\(testCase.rawValue): swift \(swift ?? "OK"), grpcio \(grpcio ?? "OK")")
        // The status code each rst_* call ended with (the details differ in wording).
        XCTAssertEqual(swift?.split(separator: " ").first, grpcio?.split(separator: " ").first)
    }

    /// Runs a client against a new server for `testCase`; asserts it passed and returns the
    /// status its call printed (`CODE details`), if any.
    private func runClient(_ program: String, _ arguments: [String], _ testCase: InteropTestCase) throws -> String? {
        let server = try ChildProcess(
            Repository.python, [Self.server, "--port=0", "--test_case=\(testCase.rawValue)"], keepsInputOpen: true)
        defer {
            server.closeInput()
            if !server.waitUntilExit(timeout: 5) { server.terminate() }
        }
        let port = try server.waitForPort(prefix: "PORT ")
        let (status, output) = try ChildProcess.run(
            program,
            arguments + ["--server_host=127.0.0.1", "--server_port=\(port)", "--test_case=\(testCase.rawValue)"],
            timeout: 120)
        XCTAssertEqual(status, 0, "\(program) \(testCase.rawValue): \(output)\nserver: \(server.output())")
        XCTAssertTrue(output.contains("PASS \(testCase.rawValue)"), output)
        XCTAssertFalse(server.output().contains("protocol error"), server.output())
        return output.split(separator: "\n").first { $0.hasPrefix("STATUS ") }.map { String($0.dropFirst(7)) }
    }
}

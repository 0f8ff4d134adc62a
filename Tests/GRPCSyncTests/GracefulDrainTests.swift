import Foundation
import GRPCSync
import TestProcesses
import XCTest

/// A server's graceful stop on the wire (Tests/Peers/drain_client.py, a raw HTTP/2 client): two
/// GOAWAYs, the first with 2^31-1 and a PING, the second, once the PING is acknowledged, with
/// the last stream processed. Each scenario runs against the Swift server and against grpcio.
final class GracefulDrainTests: XCTestCase {
    /// Runs `scenario` against a server that `stop` stops (with a grace of 5 s) once the client
    /// has printed READY; returns the client's exit status and output.
    private func runDrainClient(
        _ scenario: String, target: String, arguments: [String] = [], stop: () -> Void
    ) throws -> (Int32, String) {
        let client = try ChildProcess(
            Repository.python, [Peers.script("drain_client.py"), scenario, "--target", target] + arguments)
        guard client.waitForLine(prefix: "READY", timeout: 30) != nil else {
            client.terminate()
            return (-1, "no READY:\n" + client.output())
        }
        stop()
        let (status, output) = client.waitForExit(timeout: 60)
        return (status, output)
    }

    private func swift(_ scenario: String, _ arguments: [String] = []) throws {
        let server = try SwiftTestServer()
        var stopped: Event?
        let (status, output) = try runDrainClient(scenario, target: server.target, arguments: arguments) {
            stopped = server.server.stop(grace: 5)
        }
        XCTAssertEqual(status, 0, "drain_client.py \(scenario) against the Swift server:\n\(output)")
        print(output, terminator: "")  // the frames, for the log
        XCTAssertTrue(stopped?.wait(timeout: 30) ?? false, "the server's stop completes")
    }

    private func grpcio(_ scenario: String, _ arguments: [String] = []) throws {
        let server = try PythonPeerServer()
        defer { server.stop() }
        var stopped: ((Double) -> Bool)?
        let (status, output) = try runDrainClient(scenario, target: server.target, arguments: arguments) {
            stopped = server.stop(grace: 5)
        }
        XCTAssertEqual(status, 0, "drain_client.py \(scenario) against grpcio:\n\(output)")
        XCTAssertTrue(stopped?(30) ?? false, "grpcio's stop completes")
    }

    /// A call the client started while the first GOAWAY was on its way is served by this server.
    /// grpcio's core counts it in its second GOAWAY but cancels it (docs/porting.md).
    func testAStreamOpenedDuringTheDrainIsServed() throws {
        try swift("new_stream_during_drain", ["--expect", "served"])
        try grpcio("new_stream_during_drain", ["--expect", "refused"])
    }

    /// A call running when the stop begins finishes; the connection closes after it.
    func testACallInFlightFinishesAndTheConnectionThenCloses() throws {
        try swift("in_flight_call_finishes")
        try grpcio("in_flight_call_finishes")
    }

    /// A client that never acknowledges the PING: the connection still ends (by the end of the
    /// grace period, here before the PING's own timeout).
    func testAClientThatNeverAcknowledgesThePingIsClosedAllTheSame() throws {
        try swift("no_ping_ack")
        try grpcio("no_ping_ack")
    }
}

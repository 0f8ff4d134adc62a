import Foundation
import GRPCSync
import TestProcesses
import XCTest

/// An HPACK bomb (Tests/Peers/hpack_bomb.py: 16 KiB header blocks of one-byte references to a
/// 4 KB table entry, each decoding to 64 MB) against the server's CPU budget: an oversized block
/// costs no more work once over `grpc.max_metadata_size`, ten in a row end the connection with
/// GOAWAY ENHANCE_YOUR_CALM, and the loop reads one buffer of a connection per turn, so other
/// clients are served meanwhile.
final class HeaderBombTests: XCTestCase {
    func testOtherClientsAreServedWhileAnHPACKBombRuns() throws {
        let server = try SwiftTestServer(workers: 4)
        let (served, failed, output) = try callsDuringBomb(target: server.target, seconds: 8)
        print("HPACK bomb against the Swift server: \(output); \(served) unary calls served, \(failed) failed")
        let report = try Self.bombReport(output)
        XCTAssertTrue(report["goaways"]?.contains("11:") == true, "GOAWAY ENHANCE_YOUR_CALM: \(output)")
        XCTAssertGreaterThan(Int(report["connections"] ?? "") ?? 0, 2, "connections ended, and opened again: \(output)")
        XCTAssertEqual(failed, 0)
        XCTAssertGreaterThan(served, 0)
    }

    /// The two defences' options: with `grpc.max_oversized_header_blocks` 0 no connection ends for
    /// oversized blocks, and with `grpc.max_read_bytes_per_turn` at its 16 KiB minimum the loop
    /// reads in small slices, still serving other clients and a 1 MiB message.
    func testTheDefencesOptions() throws {
        let server = try SwiftTestServer(
            options: [("grpc.max_oversized_header_blocks", 0), ("grpc.max_read_bytes_per_turn", 16384)], workers: 4)
        let channel = insecureChannel(server.target)
        defer { channel.close() }
        let large = [UInt8](repeating: 7, count: 1024 * 1024)
        XCTAssertEqual(try channel.unaryUnary(TestService.path("Unary"))(large, timeout: 30), large)
        let (served, failed, output) = try callsDuringBomb(target: server.target, seconds: 4)
        print("HPACK bomb, no oversized-block limit, 16 KiB reads: \(output); \(served) served, \(failed) failed")
        let report = try Self.bombReport(output)
        XCTAssertFalse(report["goaways"]?.contains("11:") == true, "no GOAWAY ENHANCE_YOUR_CALM: \(output)")
        XCTAssertEqual(failed, 0)
        XCTAssertGreaterThan(served, 0)
    }

    /// grpcio's server under the same bomb, for docs/porting.md: what its other clients get.
    func testGrpcioUnderTheSameBomb() throws {
        let grpcio = try PythonPeerServer()
        defer { grpcio.stop() }
        let (served, failed, output) = try callsDuringBomb(target: grpcio.target, seconds: 4)
        print("HPACK bomb against grpcio: \(output); \(served) unary calls served, \(failed) failed")
        _ = try Self.bombReport(output)
    }

    /// Unary calls, one after another (each may take up to 10 s), while the bomb runs with two
    /// connections; returns how many succeeded and failed, and the bomb's report.
    private func callsDuringBomb(target: String, seconds: Int) throws -> (Int, Int, String) {
        let channel = insecureChannel(target)
        defer { channel.close() }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        XCTAssertEqual(try unary(Array("warm".utf8), timeout: 10), Array("warm".utf8))
        let bomb = try ChildProcess(
            Repository.python,
            [Peers.script("hpack_bomb.py"), "--target", target, "--seconds", "\(seconds)", "--connections", "2"])
        var served = 0
        var failed = 0
        let end = Date().addingTimeInterval(Double(seconds))
        while Date() < end {
            do {
                if try unary(Array("ping".utf8), timeout: 10) == Array("ping".utf8) { served += 1 } else { failed += 1 }
            } catch {
                failed += 1
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let (status, output) = bomb.waitForExit(timeout: 30)
        XCTAssertEqual(status, 0, output)
        return (served, failed, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `key=value` pairs of hpack_bomb.py's `BOMB` line.
    static func bombReport(_ output: String) throws -> [String: String] {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("BOMB ") }) else {
            throw ChildProcessFailure("hpack_bomb.py printed no BOMB line:\n\(output)")
        }
        var report: [String: String] = [:]
        for pair in line.split(separator: " ").dropFirst() {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { report[String(parts[0])] = String(parts[1]) }
        }
        return report
    }
}

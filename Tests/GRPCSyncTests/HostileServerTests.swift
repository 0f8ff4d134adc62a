import Foundation
import GRPCSync
import TestProcesses
import XCTest

/// Servers that attack the client (Tests/Peers/fake_h2_server.py): an HPACK header block bomb, an
/// endless CONTINUATION stream, and a 4 GiB message length prefix. Each call ends with the status
/// code grpcio's client gives against the same mode (Tests/Peers/connectivity_client.py), and the
/// client process's peak RSS grows by less than ``rssBound`` during the call; and the gzip bomb
/// of CompressionTests, for its memory. (A server that never sends SETTINGS is ClientFaultTests'.)
final class HostileServerTests: XCTestCase {
    /// Peak RSS growth a call against a hostile server may cause: a small part of what each
    /// server sends (64 MB of decoded headers, 256 MiB of CONTINUATION, a 4 GiB message).
    private let rssBound = 32 * 1024 * 1024

    /// 16,000 references to a 4,000-byte HPACK table entry: RESOURCE_EXHAUSTED once the header
    /// list passes `grpc.max_metadata_size`, without keeping the 64 MB it decodes to.
    func testAHeaderBlockBombEndsTheCallResourceExhausted() throws {
        try expect(mode: "header_bomb", code: .resourceExhausted, detailsPrefix: "Received metadata larger than max")
    }

    /// A header block that never ends: as grpcio's client, this one gives the block up as soon as
    /// it passes `grpc.max_metadata_size` (nghttp2 resets the stream) and ends the call
    /// RESOURCE_EXHAUSTED, with memory bounded.
    func testAnEndlessContinuationEndsTheCallResourceExhausted() throws {
        try expect(
            mode: "endless_continuation", code: .resourceExhausted, detailsPrefix: "Received metadata larger than max")
    }

    /// A 10 KiB gzip bomb that inflates to 10 MiB: RESOURCE_EXHAUSTED once the inflated bytes
    /// pass the 4 MiB receive limit (CompressionTests compares the status with grpcio's too).
    func testAGzipBombEndsTheCallResourceExhausted() throws {
        try expect(mode: "gzip_bomb", code: .resourceExhausted, detailsPrefix: "Decompressed message larger than max")
    }

    /// The measure the other tests use sees memory the process touches.
    func testThePeakRSSMeasureSeesAnAllocation() throws {
        let before = try XCTUnwrap(PeakRSS.resetToCurrent())
        var block = [UInt8](repeating: 1, count: 64 * 1024 * 1024)
        block[block.count - 1] = 2
        let growth = PeakRSS.current() - before
        XCTAssertEqual(block.last, 2)
        XCTAssertGreaterThan(growth, 60 * 1024 * 1024)
    }

    /// A length prefix of 0xFFFFFFFF: RESOURCE_EXHAUSTED in grpc core's words, before any of
    /// the message is buffered.
    func testAFourGiBLengthPrefixEndsTheCallResourceExhausted() throws {
        try expect(
            mode: "huge_length_prefix", code: .resourceExhausted,
            detailsPrefix: "Received message larger than max (4294967295 vs. 4194304)")
    }

    private func expect(
        mode: String, code: StatusCode, detailsPrefix: String, grpcioCode: StatusCode? = nil
    ) throws {
        let server = try PythonPeerServer.fakeH2(mode: mode)
        defer { server.stop() }
        let channel = insecureChannel("127.0.0.1:\(server.port)")
        defer { channel.close() }
        let unary = channel.unaryUnary("/x.Y/Z")
        let before = try XCTUnwrap(PeakRSS.resetToCurrent(), "/proc/self/clear_refs cannot reset the peak RSS")
        var observed: RPCError?
        do {
            _ = try unary(Array("hi".utf8), timeout: 30)
        } catch let error as RPCError {
            observed = error
        }
        let growth = PeakRSS.current() - before
        print(
            "\(mode): swift \(observed.map { "\($0.code.grpcName) \($0.details)" } ?? "OK"), peak RSS +\(growth / 1024) KiB"
        )
        XCTAssertEqual(observed?.code, code, mode)
        XCTAssertTrue(observed?.details.hasPrefix(detailsPrefix) ?? false, "\(mode): \(String(describing: observed))")
        XCTAssertLessThan(growth, rssBound, "\(mode): the client's peak RSS grew by \(growth) bytes")

        let grpcioServer = try PythonPeerServer.fakeH2(mode: mode)
        defer { grpcioServer.stop() }
        let (status, output) = try Peers.run(
            "connectivity_client.py", ["call", "--target", "127.0.0.1:\(grpcioServer.port)"])
        XCTAssertEqual(status, 0, output)
        let first = output.split(separator: "\n").first { !$0.contains("fake_h2_server") } ?? ""
        print("\(mode): grpcio \(first)")
        XCTAssertTrue(first.hasPrefix("\((grpcioCode ?? code).grpcName) "), "\(mode): grpcio \(output)")
    }
}

import Foundation
import GRPCSync
import XCTest

/// The client against misbehaving or unusual HTTP/2 servers (Tests/Peers/fake_h2_server.py): what
/// arrives on the wire maps to the gRPC status that grpc's doc/PROTOCOL-HTTP2.md and
/// doc/http-grpc-status-mapping.md prescribe.
final class TransportMappingTests: XCTestCase {
    private static let method = "/x.Y/Z"
    private static let request = Array("hello".utf8)

    // MARK: HTTP status without grpc-status (doc/http-grpc-status-mapping.md)

    func testHTTP503IsUnavailable() throws {
        try expectStatus(.unavailable, mode: "http503")
    }

    func testHTTP404WithHTMLIsUnimplemented() throws {
        try expectStatus(.unimplemented, mode: "http404_html")
    }

    func testHTTP200WithWrongContentTypeAndNoStatusIsUnknown() throws {
        try expectStatus(.unknown, mode: "bad_content_type")
    }

    // MARK: GOAWAY and RST_STREAM (doc/PROTOCOL-HTTP2.md, "Errors")

    func testGoAwayBelowTheStreamIsUnavailable() throws {
        try expectStatus(.unavailable, mode: "goaway")
    }

    func testRefusedStreamIsUnavailable() throws {
        try expectStatus(.unavailable, mode: "rst_refused")
    }

    func testCancelIsCancelled() throws {
        try expectStatus(.cancelled, mode: "rst_cancel")
    }

    func testEnhanceYourCalmIsResourceExhausted() throws {
        try expectStatus(.resourceExhausted, mode: "rst_enhance_your_calm")
    }

    func testInternalErrorIsInternal() throws {
        try expectStatus(.internal, mode: "rst_internal")
    }

    // MARK: Broken gRPC responses

    func testTrailersWithoutGRPCStatusAreUnknown() throws {
        try expectStatus(.unknown, mode: "no_status")
    }

    func testTruncatedMessageIsInternal() throws {
        try expectStatus(.internal, mode: "truncated")
    }

    // MARK: Well-formed but unusual responses

    func testTrailersOnlyStatusWithPercentEncodedMessage() throws {
        let error = try expectStatus(.permissionDenied, mode: "trailers_only_status")
        XCTAssertEqual(error?.details, "no way\n😀")
    }

    func testCommaSeparatedAndUnpaddedBinaryMetadata() throws {
        let server = try PythonPeerServer.fakeH2(mode: "comma_bin")
        defer { server.stop() }
        let channel = insecureChannel("127.0.0.1:\(server.port)")
        defer { channel.close() }
        let (response, call) = try channel.unaryUnary(Self.method).withCall(Self.request, timeout: 10)
        XCTAssertEqual(response, Self.request)
        XCTAssertEqual(call.code(), .ok)
        let initial = call.initialMetadata()
        XCTAssertEqual(initial.values("x-multi-bin"), [.binary([0, 1]), .binary([2, 3])], "\(initial)")
        XCTAssertEqual(initial.binary("x-multi-bin"), [0, 1])
        let trailing = call.trailingMetadata()
        XCTAssertEqual(trailing.values("x-trail-bin"), [.binary([0xFF])], "\(trailing)")
        XCTAssertEqual(trailing.binary("x-trail-bin"), [0xFF])
    }

    // MARK: Helpers

    /// Calls the fake server in `mode` once and checks that the call fails with `code`; returns the
    /// error (nil when the call did not fail with an `RPCError`).
    @discardableResult
    private func expectStatus(
        _ code: StatusCode, mode: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> RPCError? {
        let server = try PythonPeerServer.fakeH2(mode: mode)
        defer { server.stop() }
        let channel = insecureChannel("127.0.0.1:\(server.port)")
        defer { channel.close() }
        let started = Date()
        do {
            let response = try channel.unaryUnary(Self.method)(Self.request, timeout: 10)
            XCTFail("\(mode): expected \(code), the call succeeded with \(response)", file: file, line: line)
            return nil
        } catch let error as RPCError {
            let elapsed = String(format: "%.3f", Date().timeIntervalSince(started))
            print("\(mode): \(error.code) \"\(error.details)\" after \(elapsed) s [\(error.debugErrorString)]")
            XCTAssertEqual(error.code, code, "\(mode): \(error)", file: file, line: line)
            return error
        }
    }
}

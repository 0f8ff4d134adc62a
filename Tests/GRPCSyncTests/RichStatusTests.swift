import GRPCSync
import SwiftProtobuf
import XCTest

@testable import GRPCSyncStatus

/// `RPCStatus`, grpcio-status's `rpc_status`: what `toStatus` makes, and what `fromCall` reads
/// from calls that ended with `grpc-status-details-bin` sent by a grpcio server and by the Swift
/// server (`x-as-trail-` in Tests/Peers/SPEC.md), including details that do not parse or disagree
/// with the call's status.
final class RichStatusTests: XCTestCase {
    /// Parsed from its bytes, so that it compares equal to the statuses `fromCall` parses (an `Any`
    /// made from a message compares unequal to one parsed from the same bytes).
    private static let richStatus = try! Google_Rpc_Status(serializedBytes: bytes(built))
    private static let built = Google_Rpc_Status.with {
        $0.code = Int32(StatusCode.invalidArgument.rawValue)
        $0.message = "bad name"
        $0.details = [
            try! Google_Protobuf_Any(
                message: Google_Rpc_BadRequest.with {
                    $0.fieldViolations = [
                        .with {
                            $0.field = "name"
                            $0.description_p = "empty"
                        }
                    ]
                })
        ]
    }

    private static func bytes(_ status: Google_Rpc_Status) -> [UInt8] { try! status.serializedBytes() }

    func testToStatusCarriesTheSerializedStatusAsTrailingMetadata() throws {
        let status = try RPCStatus.toStatus(Self.richStatus)
        XCTAssertEqual(status.code, .invalidArgument)
        XCTAssertEqual(status.details, "bad name")
        XCTAssertEqual(status.trailingMetadata.pairs.map(\.0), ["grpc-status-details-bin"])
        XCTAssertEqual(status.trailingMetadata.binary("grpc-status-details-bin"), Self.bytes(Self.richStatus))
    }

    func testToStatusRefusesACodeThatIsNotAStatusCode() {
        for code: Int32 in [17, -1] {
            var rich = Self.richStatus
            rich.code = code
            XCTAssertThrowsError(try RPCStatus.toStatus(rich)) {
                XCTAssertEqual($0 as? RPCStatusError, RPCStatusError(.invalidCode, "Invalid status code \(code)"))
            }
        }
    }

    func testFromCallChecksTheDetailsAgainstTheStatus() throws {
        let good = RPCError(
            code: .invalidArgument, details: "bad name",
            trailingMetadata: [("x-a", "1"), ("grpc-status-details-bin", .binary(Self.bytes(Self.richStatus)))])
        XCTAssertEqual(try RPCStatus.fromCall(good), Self.richStatus)
        XCTAssertNil(try RPCStatus.fromCall(RPCError(code: .internal, details: "x", trailingMetadata: [("x-a", "1")])))

        let otherCode = RPCError(code: .internal, details: "bad name", trailingMetadata: good.trailingMetadata)
        XCTAssertThrowsError(try RPCStatus.fromCall(otherCode)) {
            XCTAssertEqual(
                $0 as? RPCStatusError,
                RPCStatusError(
                    .codeMismatch,
                    "Code in Status proto (StatusCode.INVALID_ARGUMENT) doesn't match status code (StatusCode.INTERNAL)"
                ))
        }
        let otherMessage = RPCError(code: .invalidArgument, details: "other", trailingMetadata: good.trailingMetadata)
        XCTAssertThrowsError(try RPCStatus.fromCall(otherMessage)) {
            XCTAssertEqual(
                $0 as? RPCStatusError,
                RPCStatusError(
                    .messageMismatch, "Message in Status proto (bad name) doesn't match status details (other)"))
        }
        var invalid = Self.richStatus
        invalid.code = 99
        let invalidCode = RPCError(
            code: .invalidArgument, details: "bad name",
            trailingMetadata: [("grpc-status-details-bin", .binary(Self.bytes(invalid)))])
        XCTAssertThrowsError(try RPCStatus.fromCall(invalidCode)) {
            XCTAssertEqual($0 as? RPCStatusError, RPCStatusError(.invalidCode, "Invalid status code 99"))
        }
    }

    // MARK: from a peer

    private func call(_ target: String, trailing details: [UInt8]) throws -> (RPCError, Future<[UInt8]>) {
        let channel = insecureChannel(target)
        defer { channel.close() }
        let metadata: Metadata = [
            ("x-status-code", "3"), ("x-status-details-bin", .binary(Array("bad name".utf8))),
            ("x-as-trail-grpc-status-details-bin", .binary(details)),
        ]
        let unary = channel.unaryUnary(TestService.path("Unary"))
        let future = try unary.future([], timeout: 10, metadata: metadata)
        XCTAssertThrowsError(try future.result())
        do {
            _ = try unary([], timeout: 10, metadata: metadata)
        } catch let error as RPCError {
            return (error, future)
        }
        throw UsageError("the call succeeded")
    }

    private func checkPeer(_ target: String) throws {
        // Details that agree with the status, read from the error and from the call.
        let (error, future) = try call(target, trailing: Self.bytes(Self.richStatus))
        XCTAssertEqual(try RPCStatus.fromCall(error), Self.richStatus)
        XCTAssertEqual(try RPCStatus.fromCall(future), Self.richStatus)

        // Bytes that are not a google.rpc.Status: fromCall throws, the call's status is intact.
        let (malformed, malformedCall) = try call(target, trailing: [0xFF, 0xFF, 0xFF])
        XCTAssertEqual(malformed.code, .invalidArgument)
        XCTAssertEqual(malformed.details, "bad name")
        XCTAssertEqual(malformed.trailingMetadata.binary("grpc-status-details-bin"), [0xFF, 0xFF, 0xFF])
        XCTAssertEqual(malformedCall.code(), .invalidArgument)
        for thrower in [{ try RPCStatus.fromCall(malformed) }, { try RPCStatus.fromCall(malformedCall) }] {
            XCTAssertThrowsError(try thrower()) {
                XCTAssertEqual(($0 as? RPCStatusError)?.kind, .malformedDetails)
                XCTAssertTrue("\($0)".hasPrefix("Error parsing message with type 'google.rpc.Status': "), "\($0)")
            }
        }

        // Details whose code disagrees with the status.
        var notFound = Self.richStatus
        notFound.code = Int32(StatusCode.notFound.rawValue)
        let (disagreeing, _) = try call(target, trailing: Self.bytes(notFound))
        XCTAssertEqual(disagreeing.code, .invalidArgument)
        XCTAssertThrowsError(try RPCStatus.fromCall(disagreeing)) {
            XCTAssertEqual(
                $0 as? RPCStatusError,
                RPCStatusError(
                    .codeMismatch,
                    "Code in Status proto (StatusCode.NOT_FOUND) doesn't match status code (StatusCode.INVALID_ARGUMENT)"
                ))
        }
    }

    /// `rpc_status.aio.from_call`: the rich status of an async call, against grpcio's server.
    func testFromAnAsyncCall() async throws {
        let channel = AIO.insecureChannel(try ScenarioServers.grpcio.get().target)
        let metadata: Metadata = [
            ("x-status-code", "3"), ("x-status-details-bin", .binary(Array("bad name".utf8))),
            ("x-as-trail-grpc-status-details-bin", .binary(Self.bytes(Self.richStatus))),
        ]
        let call = try channel.unaryUnary(TestService.path("Unary")).call([], timeout: 10, metadata: metadata)
        let status = try await RPCStatus.fromCall(call)
        XCTAssertEqual(status, Self.richStatus)
        let plain = try channel.unaryUnary(TestService.path("Unary")).call([], timeout: 10)
        let none = try await RPCStatus.fromCall(plain)
        XCTAssertNil(none)
        await channel.close()
    }

    func testFromCallWithAGRPCIOServer() throws {
        try checkPeer(ScenarioServers.grpcio.get().target)
    }

    func testFromCallWithTheSwiftServer() throws {
        try checkPeer(ScenarioServers.swift.get().target)
    }
}

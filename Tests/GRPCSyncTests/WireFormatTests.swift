import XCTest

@testable import GRPCSync

/// The header encodings of PROTOCOL-HTTP2.md.
final class WireFormatTests: XCTestCase {
    func testTimeoutEncodingPicksTheFinestUnitThatFitsEightDigits() {
        XCTAssertEqual(WireFormat.encodeTimeout(nanoseconds: 1), "1n")
        XCTAssertEqual(WireFormat.encodeTimeout(nanoseconds: 99_999_999), "99999999n")
        XCTAssertEqual(WireFormat.encodeTimeout(nanoseconds: 100_000_000), "100000u")
        XCTAssertEqual(WireFormat.encodeTimeout(nanoseconds: 5_000_000_000), "5000000u")
        XCTAssertEqual(WireFormat.encodeTimeout(nanoseconds: 500_000_000_000), "500000m")
        XCTAssertEqual(WireFormat.encodeTimeout(nanoseconds: 200_000_000_000_000), "200000S")
        XCTAssertEqual(WireFormat.encodeTimeout(nanoseconds: 0), "1n")
    }

    func testTimeoutDecodingEveryUnit() {
        XCTAssertEqual(WireFormat.decodeTimeout("7n"), 7)
        XCTAssertEqual(WireFormat.decodeTimeout("7u"), 7_000)
        XCTAssertEqual(WireFormat.decodeTimeout("7m"), 7_000_000)
        XCTAssertEqual(WireFormat.decodeTimeout("7S"), 7_000_000_000)
        XCTAssertEqual(WireFormat.decodeTimeout("7M"), 420_000_000_000)
        XCTAssertEqual(WireFormat.decodeTimeout("7H"), 25_200_000_000_000)
        XCTAssertNil(WireFormat.decodeTimeout("123456789S"), "more than 8 digits")
        XCTAssertNil(WireFormat.decodeTimeout("5x"))
        XCTAssertNil(WireFormat.decodeTimeout("S"))
        XCTAssertNil(WireFormat.decodeTimeout("-5S"))
    }

    func testPercentEncodingOfStatusMessages() {
        XCTAssertEqual(WireFormat.percentEncode("plain text"), "plain text")
        XCTAssertEqual(WireFormat.percentEncode("100%"), "100%25")
        XCTAssertEqual(WireFormat.percentEncode("a\nb"), "a%0Ab")
        XCTAssertEqual(WireFormat.percentEncode("é"), "%C3%A9")
        let text = "détails ✓ 100% \n line2"
        XCTAssertEqual(WireFormat.percentDecode(Array(WireFormat.percentEncode(text).utf8)), text)
        // Malformed escapes are kept as they are.
        XCTAssertEqual(WireFormat.percentDecode(Array("bad %zz and %4".utf8)), "bad %zz and %4")
        XCTAssertEqual(WireFormat.percentDecode(Array("%41%42".utf8)), "AB")
    }

    func testBase64WithAndWithoutPadding() {
        for length in 0..<10 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 200) }
            let encoded = WireFormat.base64Encode(bytes)
            XCTAssertFalse(encoded.contains("="), "gRPC sends -bin values unpadded")
            XCTAssertEqual(WireFormat.base64Decode(Array(encoded.utf8)), bytes)
            let padded = encoded + String(repeating: "=", count: (4 - encoded.count % 4) % 4)
            XCTAssertEqual(WireFormat.base64Decode(Array(padded.utf8)), bytes)
        }
        XCTAssertNil(WireFormat.base64Decode(Array("a*b".utf8)))
    }

    func testCommaJoinedBinaryValuesAreSeparateValues() {
        let joined = WireFormat.base64Encode([1, 2]) + "," + WireFormat.base64Encode([3]) + "=="
        XCTAssertEqual(WireFormat.decodeBinaryValues(Array(joined.utf8)), [[1, 2], [3]])
        var metadata = Metadata()
        XCTAssertTrue(WireFormat.appendReceived(name: "x-bin", value: Array(joined.utf8), to: &metadata))
        XCTAssertEqual(metadata.values("x-bin"), [.binary([1, 2]), .binary([3])])
    }

    func testReservedAndIllegalMetadataIsRejectedBeforeSending() {
        // What grpcio 1.85 replaces, drops or acts on (docs/porting.md), and pseudo-headers.
        let everywhere = [
            ":path", ":authority", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-status",
            "grpc-message", "grpc-internal-encoding-request", "content-type", "te", "connection", "transfer-encoding",
        ]
        for key in everywhere {
            XCTAssertThrowsError(try WireFormat.validateOutgoing([(key, "x")], sender: .client), key)
            XCTAssertThrowsError(try WireFormat.validateOutgoing([(key, "x")], sender: .server), key)
        }
        for key in ["user-agent", "grpc-previous-rpc-attempts"] {
            XCTAssertThrowsError(try WireFormat.validateOutgoing([(key, "x")], sender: .client), key)
            XCTAssertNoThrow(try WireFormat.validateOutgoing([(key, "x")], sender: .server), key)
        }
        // What grpcio sends as given, both ways.
        let passing: Metadata = [
            ("grpc-status-details-bin", .binary([8, 3])), ("grpc-foo", "v"), ("grpc-foo-bin", .binary([0])),
            ("grpc-retry-pushback-ms", "3"), ("grpc-trace-bin", .binary([0])), ("host", "h"), ("lb-token", "t"),
        ]
        XCTAssertNoThrow(try WireFormat.validateOutgoing(passing, sender: .client))
        XCTAssertNoThrow(try WireFormat.validateOutgoing(passing, sender: .server))
        for sender in [WireFormat.MetadataSender.client, .server] {
            XCTAssertThrowsError(try WireFormat.validateOutgoing([("Upper", "x")], sender: sender))
            XCTAssertThrowsError(try WireFormat.validateOutgoing([("x-text", "line\nbreak")], sender: sender))
            XCTAssertThrowsError(
                try WireFormat.validateOutgoing([("x-bytes", .binary([0]))], sender: sender), "bytes need -bin")
            XCTAssertNoThrow(
                try WireFormat.validateOutgoing([("x-ok", "v"), ("x-ok-bin", .binary([0, 255]))], sender: sender))
        }
    }

    func testHostReachesTheServersInvocationMetadata() {
        var fields = GRPCHeaders.request(path: "/a.B/C", authority: "h:1", timeout: .never, metadata: [("host", "x")])
        fields.append(HeaderField("grpc-status-details-bin", "CAM"))
        guard case .accept(let head) = GRPCHeaders.checkRequest(fields) else { return XCTFail("rejected") }
        XCTAssertEqual(head.metadata["host"], "x")
        XCTAssertEqual(head.metadata.binary("grpc-status-details-bin"), [8, 3])
    }

    func testHTTPStatusMapping() {
        XCTAssertEqual(GRPCHeaders.statusForHTTP(400), .internal)
        XCTAssertEqual(GRPCHeaders.statusForHTTP(401), .unauthenticated)
        XCTAssertEqual(GRPCHeaders.statusForHTTP(403), .permissionDenied)
        XCTAssertEqual(GRPCHeaders.statusForHTTP(404), .unimplemented)
        for status in [429, 502, 503, 504] { XCTAssertEqual(GRPCHeaders.statusForHTTP(status), .unavailable) }
        XCTAssertEqual(GRPCHeaders.statusForHTTP(500), .unknown)
        let check = GRPCHeaders.checkResponse([HeaderField(":status", "503")], endStream: true)
        guard case .finished(let status) = check else { return XCTFail("expected a final status") }
        XCTAssertEqual(status.code, .unavailable)
    }

    func testResetStreamMapping() {
        XCTAssertEqual(Status.reset(errorCode: 0x0).code, .internal)
        XCTAssertEqual(Status.reset(errorCode: 0x1).code, .internal)
        XCTAssertEqual(Status.reset(errorCode: 0x2).code, .internal)
        XCTAssertEqual(Status.reset(errorCode: 0x7).code, .unavailable)
        XCTAssertEqual(Status.reset(errorCode: 0x8).code, .cancelled)
        XCTAssertEqual(Status.reset(errorCode: 0xB).code, .resourceExhausted)
        XCTAssertEqual(Status.reset(errorCode: 0xC).code, .permissionDenied)
    }

    func testTrailersOnlyResponseCarriesTheStatus() {
        let fields = GRPCHeaders.trailersOnly(status: Status(code: .notFound, details: "no 100%"))
        guard case .finished(let status) = GRPCHeaders.checkResponse(fields, endStream: true) else {
            return XCTFail("expected a final status")
        }
        XCTAssertEqual(status.code, .notFound)
        XCTAssertEqual(status.details, "no 100%")
    }

    func testRequestHeadChecks() {
        let good = GRPCHeaders.request(path: "/a.B/C", authority: "h:1", timeout: .never, metadata: [("x", "1")])
        guard case .accept(let head) = GRPCHeaders.checkRequest(good) else { return XCTFail("rejected") }
        XCTAssertEqual(head.path, "/a.B/C")
        XCTAssertEqual(head.metadata["x"], "1")
        var wrongType = good
        wrongType[4] = HeaderField("content-type", "text/html")
        guard case .reject(415, _) = GRPCHeaders.checkRequest(wrongType) else { return XCTFail("expected 415") }
        var get = good
        get[0] = HeaderField(":method", "GET")
        guard case .reject(405, _) = GRPCHeaders.checkRequest(get) else { return XCTFail("expected 405") }
    }

    /// The `grpc-message` of an OK status is dropped, as grpc core drops it (what grpcio's client
    /// shows: `GenericHandlerTests`, case `context_ok`); any other status keeps it.
    func testTrailersStatusDetailsOnlyForAnError() {
        let ok = GRPCHeaders.status(fromTrailers: [
            HeaderField("grpc-status", "0"), HeaderField("grpc-message", "fine"),
        ])
        XCTAssertEqual(ok.code, .ok)
        XCTAssertEqual(ok.details, "")
        let failed = GRPCHeaders.status(fromTrailers: [
            HeaderField("grpc-status", "5"), HeaderField("grpc-message", "not%20here"),
        ])
        XCTAssertEqual(failed.code, .notFound)
        XCTAssertEqual(failed.details, "not here")
    }
}

/// Message framing: messages split across DATA frames and several messages in one frame.
final class MessageDeframerTests: XCTestCase {
    private func feed(_ chunks: [[UInt8]], limit: Int = 1 << 20) throws -> [[UInt8]] {
        var deframer = MessageDeframer(maxMessageLength: limit)
        var messages: [[UInt8]] = []
        for chunk in chunks {
            let pointer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk.count, alignment: 1)
            defer { pointer.deallocate() }
            pointer.copyBytes(from: chunk)
            try deframer.consume(UnsafeRawBufferPointer(pointer)) { messages.append($0.bytes) }
        }
        return messages
    }

    func testMessagesPackedIntoOneFrameAndSplitAcrossFrames() throws {
        var wire: [UInt8] = []
        let messages: [[UInt8]] = [[], [1], Array(repeating: 9, count: 1000), [4, 5]]
        for message in messages { wire += MessageFraming.frame(message, compression: .noCompression).bytes }
        XCTAssertEqual(try feed([wire]), messages)
        XCTAssertEqual(try feed(wire.map { [$0] }), messages, "one byte per frame")
        XCTAssertEqual(try feed([Array(wire[..<3]), Array(wire[3..<700]), Array(wire[700...])]), messages)
    }

    func testLargeMessagesAreFramedWithoutCopyingAndDeframedWhole() throws {
        let large = (0..<(MessageFraming.copyLimit * 40)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let framed = MessageFraming.frame(large, compression: .noCompression)
        XCTAssertEqual(framed.head.count, MessageFraming.prefixLength, "a large message stays in its own buffer")
        XCTAssertEqual(framed.tail, large)
        XCTAssertEqual(framed.count, large.count + 5)
        let small = MessageFraming.frame([1, 2, 3], compression: .noCompression)
        XCTAssertEqual(small.head, [0, 0, 0, 0, 3, 1, 2, 3])
        XCTAssertNil(small.tail)
        // Delivered whole whatever the DATA frames it arrives in, past the first 64 KiB reserved.
        let wire = small.bytes + framed.bytes + small.bytes
        let frames = stride(from: 0, to: wire.count, by: 16_384).map { Array(wire[$0..<min($0 + 16_384, wire.count)]) }
        XCTAssertEqual(try feed(frames), [[1, 2, 3], large, [1, 2, 3]])
    }

    func testLengthIsCheckedBeforeAllocating() {
        XCTAssertThrowsError(try feed([[0, 0xFF, 0xFF, 0xFF, 0xFF]], limit: 4_194_304)) { error in
            XCTAssertEqual(error as? DeframingError, .tooLarge(0xFFFF_FFFF, 4_194_304))
        }
    }

    func testCompressedFlagWithoutEncodingIsAnError() {
        XCTAssertThrowsError(try feed([[1, 0, 0, 0, 1, 7]])) { error in
            XCTAssertEqual(error as? DeframingError, .compressedWithoutEncoding)
        }
    }

    /// PROTOCOL-HTTP2.md: the Compressed-Flag is 0 or 1; any other flag byte is an error
    /// (INTERNAL "Bad GRPC frame type 0x02", grpc core's words).
    func testAFlagByteOtherThanZeroOrOneIsAnError() {
        for flags: UInt8 in [2, 0x80, 0xFF] {
            XCTAssertThrowsError(try feed([[flags, 0, 0, 0, 1, 7]])) { error in
                XCTAssertEqual(error as? DeframingError, .invalidFlags(flags))
            }
        }
        XCTAssertEqual(
            DeframingError.invalidFlags(2).status, Status(code: .internal, details: "Bad GRPC frame type 0x02"))
        XCTAssertEqual(DeframingError.invalidFlags(0xFF).status.details, "Bad GRPC frame type 0xff")
    }
}

/// Target and address parsing.
final class TargetTests: XCTestCase {
    private func hostPort(_ text: String) throws -> (String, Int)? {
        if case .hostPort(let host, let port) = try Target(parsing: text, defaultPort: 443).kind { return (host, port) }
        return nil
    }

    func testEveryTargetForm() throws {
        XCTAssertEqual(try hostPort("localhost:50051")?.0, "localhost")
        XCTAssertEqual(try hostPort("localhost:50051")?.1, 50051)
        XCTAssertEqual(try hostPort("dns:///example.com:8080")?.0, "example.com")
        XCTAssertEqual(try hostPort("dns:///example.com")?.1, 443)
        // A channel's ipv4:/ipv6: target is a list of literal addresses (TargetAddressListTests); a
        // server's is one host and port.
        XCTAssertEqual(try Target(parsing: "ipv4:127.0.0.1:9", defaultPort: 443).authority, "127.0.0.1:9")
        if case .hostPort(let host, _) = try Target(parsing: "ipv6:[::1]:9", defaultPort: nil).kind {
            XCTAssertEqual(host, "::1")
        } else {
            XCTFail("expected a host and port")
        }
        XCTAssertEqual(try hostPort("[::]:0")?.1, 0)
        guard case .unix(let path) = try Target(parsing: "unix:///tmp/a.sock", defaultPort: nil).kind else {
            return XCTFail("expected unix")
        }
        XCTAssertEqual(path, "/tmp/a.sock")
        guard case .unix(let relative) = try Target(parsing: "unix:rel.sock", defaultPort: nil).kind else {
            return XCTFail("expected unix")
        }
        XCTAssertEqual(relative, "rel.sock")
        XCTAssertThrowsError(try Target(parsing: "host:notaport", defaultPort: nil))
        XCTAssertThrowsError(try Target(parsing: "host", defaultPort: nil))
    }
}

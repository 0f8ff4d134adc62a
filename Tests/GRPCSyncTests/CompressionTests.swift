import Foundation
import XCTest

@testable import GRPCSync

/// Compression below the network: every algorithm and size through framing and deframing, mixed
/// streams, corrupt bytes, bombs, the header rules and the option.
final class CompressionUnitTests: XCTestCase {
    static let algorithms: [Compression] = [.noCompression, .deflate, .gzip]
    static let sizes = [0, 1, 2, 100, 1000, 65535, 65536, 65537, 1 << 20, 4 << 20, 16 << 20]

    /// Feeds `wire` to a deframer for `encoding` in chunks of `chunk` bytes.
    private func deframe(
        _ wire: [UInt8], encoding: Compression, limit: Int = 32 << 20, chunk: Int = 16 * 1024
    ) throws -> [ReceivedMessage] {
        var deframer = MessageDeframer(maxMessageLength: limit)
        deframer.encoding = encoding
        var received: [ReceivedMessage] = []
        var offset = 0
        while offset < wire.count {
            let end = min(offset + chunk, wire.count)
            try wire[offset..<end].withUnsafeBytes { bytes in
                try deframer.consume(bytes) { received.append($0) }
            }
            offset = end
        }
        return received
    }

    private func deframingError(_ wire: [UInt8], encoding: Compression, limit: Int = 32 << 20) -> DeframingError? {
        do {
            _ = try deframe(wire, encoding: encoding, limit: limit)
            return nil
        } catch {
            return error as? DeframingError
        }
    }

    func testRoundTripEveryAlgorithmAndSize() throws {
        for size in Self.sizes {
            let message = ClientScenarios.pattern(size)
            for algorithm in Self.algorithms {
                let wire = MessageFraming.frame(message, compression: algorithm).bytes
                let received = try deframe(wire, encoding: algorithm)
                XCTAssertEqual(received.count, 1, "\(algorithm), \(size) bytes")
                XCTAssertTrue(received.first?.bytes == message, "\(algorithm), \(size) bytes: content differs")
                let compressed = received.first?.wasCompressed ?? false
                XCTAssertEqual(wire[0], compressed ? 1 : 0)
                if algorithm == .noCompression || size < 2 {
                    XCTAssertFalse(compressed, "\(algorithm), \(size) bytes")
                    XCTAssertEqual(wire.count, size + 5)
                } else if size >= 1000 {
                    XCTAssertTrue(compressed, "\(algorithm), \(size) bytes went uncompressed")
                    XCTAssertLessThan(wire.count, size / 2, "\(algorithm), \(size) bytes")
                }
            }
        }
    }

    func testWireFormatsAreZlibAndGzip() {
        let message = ClientScenarios.pattern(1000)
        // RFC 1950: CMF 0x78 (deflate, 32 KiB window); RFC 1952: magic 1f 8b.
        XCTAssertEqual(MessageFraming.frame(message, compression: .deflate).bytes[5], 0x78)
        XCTAssertEqual(Array(MessageFraming.frame(message, compression: .gzip).bytes[5..<7]), [0x1F, 0x8B])
    }

    func testIncompressibleMessagesGoUncompressed() throws {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for algorithm in [Compression.deflate, .gzip] {
            let wire = MessageFraming.frame(random, compression: algorithm).bytes
            XCTAssertEqual(Array(wire[..<5]), [0, 0, 0, 0x27, 0x10], "\(algorithm)")
            XCTAssertEqual(Array(wire[5...]), random)
        }
    }

    func testMixedCompressedAndUncompressedMessagesOnOneStream() throws {
        let messages = [ClientScenarios.pattern(3000, seed: 1), ClientScenarios.pattern(2000, seed: 2), [], [7]]
        for algorithm in [Compression.deflate, .gzip] {
            let wire =
                MessageFraming.frame(messages[0], compression: algorithm).bytes
                + MessageFraming.frame(messages[1], compression: .noCompression).bytes
                + MessageFraming.frame(messages[2], compression: algorithm).bytes
                + MessageFraming.frame(messages[3], compression: algorithm).bytes
            for chunk in [1, 7, wire.count] {
                let received = try deframe(wire, encoding: algorithm, chunk: chunk)
                XCTAssertEqual(received.map(\.bytes), messages, "\(algorithm), chunks of \(chunk)")
                XCTAssertEqual(received.map(\.wasCompressed), [true, false, false, false], "\(algorithm)")
            }
        }
    }

    func testCorruptCompressedBytesAreInternal() {
        let good = Array(MessageFraming.frame(ClientScenarios.pattern(1000), compression: .gzip).bytes[5...])
        let rawDeflate = Array(MessageFraming.frame(ClientScenarios.pattern(1000), compression: .deflate).bytes[7...])
        let cases: [(String, Compression, [UInt8])] = [
            ("garbage", .gzip, Array("\u{1F}\u{8B} this is not gzip".utf8)),
            ("truncated", .gzip, Array(good.dropLast(6))),
            ("trailing bytes", .gzip, good + [1, 2, 3]),
            ("gzip sent as deflate", .deflate, good),
            ("raw deflate sent as deflate", .deflate, rawDeflate),
            ("empty", .gzip, []),
        ]
        for (name, encoding, payload) in cases {
            let wire = [1] + withUnsafeBytes(of: UInt32(payload.count).bigEndian, Array.init) + payload
            guard let error = deframingError(wire, encoding: encoding) else {
                XCTFail("\(name): decompressed without an error")
                continue
            }
            guard case .decompressionFailed = error else {
                XCTFail("\(name): \(error)")
                continue
            }
            XCTAssertEqual(error.status.code, .internal, name)
            XCTAssertTrue(error.status.details.hasPrefix("Decompression failed due to "), error.status.details)
        }
    }

    func testGzipBombIsResourceExhaustedWithoutInflatingIt() throws {
        // About 10 KiB that inflate to 10 MiB, over the 4 MiB default receive limit.
        let bomb = MessageFraming.frame([UInt8](repeating: 0, count: 10 << 20), compression: .gzip).bytes
        XCTAssertLessThan(bomb.count, 11 * 1024)
        let error = deframingError(bomb, encoding: .gzip, limit: 4 << 20)
        XCTAssertEqual(error, .decompressedTooLarge(4 << 20))
        XCTAssertEqual(error?.status.code, .resourceExhausted)
        XCTAssertEqual(error?.status.details, "Decompressed message larger than max (over 4194304 bytes)")

        // Only the limit is inflated: the bomb cut off after about 6 of its 10 MiB still fails for
        // its size, where inflating it all would run into its cut end and call it corrupt.
        let cut = Array(bomb[5..<(5 + (bomb.count - 5) * 6 / 10)])
        XCTAssertThrowsError(try MessageCompression.decompress(cut, with: .gzip, limit: 16 << 20)) { error in
            guard case .corrupt = error as? MessageCompression.DecompressionError else {
                return XCTFail("the cut bomb inflated in full: \(error)")
            }
        }
        let length = UInt32(cut.count)
        let framedCut =
            [1, UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + cut
        XCTAssertEqual(deframingError(framedCut, encoding: .gzip, limit: 4 << 20), .decompressedTooLarge(4 << 20))
    }

    func testDecompressedSizeCountsAgainstTheLimitExactly() throws {
        // Inflating stops one byte past the limit: exactly the limit passes, one byte more fails.
        let limit = 100_000
        for algorithm in [Compression.deflate, .gzip] {
            let atLimit = MessageFraming.frame(ClientScenarios.pattern(limit), compression: algorithm).bytes
            XCTAssertEqual(try deframe(atLimit, encoding: algorithm, limit: limit).first?.bytes.count, limit)
            let over = MessageFraming.frame(ClientScenarios.pattern(limit + 1), compression: algorithm).bytes
            XCTAssertEqual(deframingError(over, encoding: algorithm, limit: limit), .decompressedTooLarge(limit))
            XCTAssertThrowsError(
                try MessageCompression.decompress(Array(over[5...]), with: algorithm, limit: limit)
            ) { error in
                XCTAssertEqual(error as? MessageCompression.DecompressionError, .tooLarge(limit: limit))
            }
        }
    }

    func testCompressedFlagWithoutEncodingIsInternal() {
        let error = deframingError([1, 0, 0, 0, 1, 7], encoding: .noCompression)
        XCTAssertEqual(error, .compressedWithoutEncoding)
        XCTAssertEqual(error?.status.code, .internal)
        XCTAssertEqual(error?.status.details, "Compression bit set but no encoding configured")
    }

    func testEncodingHeaders() {
        func value(_ name: String, _ fields: [HeaderField]) -> String? {
            fields.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
        }
        let plain = GRPCHeaders.request(path: "/a.B/C", authority: "h:1", timeout: .never, metadata: [])
        XCTAssertNil(value("grpc-encoding", plain))
        XCTAssertEqual(value("grpc-accept-encoding", plain), "identity, deflate, gzip")
        let gzip = GRPCHeaders.request(path: "/a.B/C", authority: "h:1", timeout: .never, metadata: [], encoding: .gzip)
        XCTAssertEqual(value("grpc-encoding", gzip), "gzip")
        guard case .accept(let head) = GRPCHeaders.checkRequest(gzip) else { return XCTFail("rejected") }
        XCTAssertEqual(head.encoding, .gzip)
        XCTAssertEqual(head.acceptedEncodings, [.noCompression, .deflate, .gzip])

        var snappy = plain
        snappy.append(HeaderField("grpc-encoding", "snappy"))
        guard case .reject(200, let status) = GRPCHeaders.checkRequest(snappy) else { return XCTFail("accepted") }
        XCTAssertEqual(status.code, .unimplemented)
        XCTAssertEqual(
            value("grpc-accept-encoding", GRPCHeaders.trailersOnly(status: status)), "identity, deflate, gzip")

        var identityOnly = plain.filter { $0.name != "grpc-accept-encoding" }
        identityOnly.append(HeaderField("grpc-accept-encoding", "identity"))
        guard case .accept(let identityHead) = GRPCHeaders.checkRequest(identityOnly) else { return XCTFail() }
        XCTAssertEqual(identityHead.acceptedEncodings, [.noCompression])
        let none = plain.filter { $0.name != "grpc-accept-encoding" }
        guard case .accept(let noneHead) = GRPCHeaders.checkRequest(none) else { return XCTFail() }
        XCTAssertEqual(noneHead.acceptedEncodings, [.noCompression])
        XCTAssertEqual(
            Compression.accepted(byHeaderValue: Array("gzip,br , deflate".utf8)), [.noCompression, .gzip, .deflate])

        let response = GRPCHeaders.response(metadata: [], encoding: .deflate)
        XCTAssertEqual(value("grpc-encoding", response), "deflate")
        guard case .headers(_, .deflate) = GRPCHeaders.checkResponse(response, endStream: false) else {
            return XCTFail("deflate response not understood")
        }
        var snappyResponse = GRPCHeaders.response(metadata: [])
        snappyResponse.append(HeaderField("grpc-encoding", "snappy"))
        guard case .finished(let finished) = GRPCHeaders.checkResponse(snappyResponse, endStream: false) else {
            return XCTFail("snappy response accepted")
        }
        XCTAssertEqual(finished.code, .internal)
    }

    func testDefaultCompressionAlgorithmOption() throws {
        XCTAssertNil(try ChannelOptions([]).defaultCompression)
        XCTAssertEqual(try ChannelOptions([("grpc.default_compression_algorithm", 2)]).defaultCompression, .gzip)
        XCTAssertEqual(try ChannelOptions([("grpc.default_compression_algorithm", 1)]).defaultCompression, .deflate)
        XCTAssertEqual(
            try ChannelOptions([("grpc.default_compression_algorithm", 0)]).defaultCompression, .noCompression)
        XCTAssertThrowsError(try ChannelOptions([("grpc.default_compression_algorithm", 3)]))
        XCTAssertThrowsError(try ChannelOptions([("grpc.default_compression_algorithm", "gzip")]))
    }
}

/// Compression between real peers: the Swift client and server with each other, with grpcio, and
/// with fake servers; what goes on the wire is compared with what grpcio sends.
final class CompressionTests: XCTestCase {
    private static let flagsPath = "/compression.Test/Flags"
    private static let lastFlagPath = "/compression.Test/LastFlag"

    /// `Flags` (bidi) answers each request with its compressed flag (1 or 0) and the request,
    /// responses gzip-compressed but for the odd ones; `LastFlag` (unary) answers the flag alone.
    private static func flagsHandler() -> GenericRPCHandler {
        methodHandlersGenericHandler(
            "compression.Test",
            [
                "Flags": streamStreamRPCMethodHandler { requests, responses, context in
                    context.setCompression(.gzip)
                    for (i, request) in requests.enumerated() {
                        if i % 2 == 1 { context.disableNextMessageCompression() }
                        try responses.send([context.lastRequestWasCompressed() ? 1 : 0] + request)
                    }
                },
                "LastFlag": unaryUnaryRPCMethodHandler { _, context in [context.lastRequestWasCompressed() ? 1 : 0] },
            ])
    }

    func testMixedMessagesOnOneStreamBetweenSwiftClientAndServer() throws {
        let server = Server(ThreadPoolExecutor(maxWorkers: 4), handlers: [Self.flagsHandler()])
        let port = try server.addInsecurePort("127.0.0.1:0")
        try server.start()
        defer { server.stop(grace: nil).wait(timeout: 10) }
        let channel = insecureChannel("127.0.0.1:\(port)")
        defer { channel.close() }

        let big = (0..<4).map { ClientScenarios.pattern(1000, seed: $0) }
        let outgoing = [
            OutgoingMessage(big[0]), OutgoingMessage(big[1], compressed: false), OutgoingMessage(big[2]),
            OutgoingMessage(big[3], compressed: false), OutgoingMessage([7]), OutgoingMessage([]),
        ]
        let flags = channel.streamStream(Self.flagsPath)
        let responses = try flags(outgoing, timeout: 10, compression: .gzip)
        var received: [[UInt8]] = []
        while let response = try responses.next() { received.append(response) }
        // A one-byte or empty message is not made smaller by gzip, so it goes uncompressed.
        let expectedFlags: [UInt8] = [1, 0, 1, 0, 0, 0]
        XCTAssertEqual(received.map { $0.first ?? 255 }, expectedFlags)
        XCTAssertEqual(received.map { Array($0.dropFirst()) }, outgoing.map(\.message))

        // Without compression on the call, OutgoingMessage changes nothing.
        let plain = try flags(outgoing.prefix(1), timeout: 10)
        XCTAssertEqual(try plain.next()?.first, 0)

        let lastFlag = channel.unaryUnary(Self.lastFlagPath)
        XCTAssertEqual(try lastFlag(big[0], timeout: 10, compression: .deflate), [1])
        XCTAssertEqual(try lastFlag(big[0], timeout: 10), [0])
        let compressingChannel = insecureChannel("127.0.0.1:\(port)", compression: .gzip)
        defer { compressingChannel.close() }
        let viaChannel = compressingChannel.unaryUnary(Self.lastFlagPath)
        XCTAssertEqual(try viaChannel(big[0], timeout: 10), [1])
        XCTAssertEqual(try viaChannel(big[0], timeout: 10, compression: .noCompression), [0])
    }

    /// What the Swift client sends, as fake_h2_server.py's `inspect` mode describes it, next to what
    /// grpcio's client sends for the same call (`compression_wire.py call`). The compressed lengths
    /// are left out of the comparison: they depend on the zlib build.
    func testRequestCompressionOnTheWireMatchesGRPCIO() throws {
        let server = try PythonPeerServer.fakeH2(mode: "inspect")
        defer { server.stop() }
        let target = "127.0.0.1:\(server.port)"
        let channel = insecureChannel(target)
        defer { channel.close() }
        let unary = channel.unaryUnary("/x.Y/Z")
        for (compression, size) in [(nil, 1000), (Compression.gzip, 1000), (.deflate, 1000), (.gzip, 1), (.gzip, 0)] {
            let swift =
                "OK "
                + String(
                    decoding: try unary([UInt8](repeating: 0x61, count: size), timeout: 10, compression: compression),
                    as: UTF8.self)
            var arguments = ["call", "--target", target, "--size", String(size)]
            if let compression { arguments += ["--compression", compression.encodingName] }
            let (status, output) = try Peers.run("compression_wire.py", arguments, timeout: 60)
            XCTAssertEqual(status, 0, output)
            let grpcio = output.split(separator: "\n").last.map(String.init) ?? ""
            print("\(compression.map { "\($0)" } ?? "none"), \(size) bytes: swift \(swift) | grpcio \(grpcio)")
            XCTAssertEqual(Self.withoutWireLengths(swift), Self.withoutWireLengths(grpcio))
        }
        let expected = "encoding=gzip accept=identity, deflate, gzip messages=1:D1000"
        let gzip = String(
            decoding: try unary([UInt8](repeating: 0x61, count: 1000), timeout: 10, compression: .gzip), as: UTF8.self)
        XCTAssertEqual(Self.withoutWireLengths(gzip), expected)

        // Per-message choice on a client stream; grpcio has none.
        let requests = [
            OutgoingMessage([UInt8](repeating: 0x61, count: 1000)),
            OutgoingMessage([UInt8](repeating: 0x62, count: 1000), compressed: false),
            OutgoingMessage([UInt8](repeating: 0x63, count: 1000)),
        ]
        let streamed = String(
            decoding: try channel.streamUnary("/x.Y/Z")(requests, timeout: 10, compression: .deflate), as: UTF8.self)
        XCTAssertEqual(
            Self.withoutWireLengths(streamed),
            "encoding=deflate accept=identity, deflate, gzip messages=1:D1000,0:D1000,1:D1000")
        // `.noCompression` for a call turns a channel's compression off (grpcio ignores it there).
        let gzipChannel = insecureChannel(target, compression: .gzip)
        defer { gzipChannel.close() }
        let off = String(
            decoding: try gzipChannel.unaryUnary("/x.Y/Z")(
                Array("hello".utf8), timeout: 10, compression: .noCompression),
            as: UTF8.self)
        XCTAssertEqual(off, "encoding=- accept=identity, deflate, gzip messages=0:5:5")
    }

    /// `F:W:D` message descriptions as `F:DD` (the wire length W dropped).
    private static func withoutWireLengths(_ text: String) -> String {
        guard let range = text.range(of: "messages=") else { return text }
        let messages = text[range.upperBound...].split(separator: ",").map { message in
            let parts = message.split(separator: ":", omittingEmptySubsequences: false)
            return parts.count == 3 ? "\(parts[0]):D\(parts[2])" : String(message)
        }
        return text[..<range.upperBound] + messages.joined(separator: ",")
    }

    /// Responses a client must refuse, from fake_h2_server.py: the Swift client ends the call
    /// with the same code as grpcio's client.
    func testBadCompressedResponsesEndTheCallAsInGRPCIO() throws {
        let cases: [(String, StatusCode, String)] = [
            ("gzip_bomb", .resourceExhausted, "Decompressed message larger than max"),
            ("compressed_no_encoding", .internal, "Compression bit set but no encoding configured"),
            ("unsupported_encoding", .internal, "Compression algorithm \"snappy\""),
            ("corrupt_gzip", .internal, "Decompression failed due to"),
        ]
        for (mode, code, details) in cases {
            let server = try PythonPeerServer.fakeH2(mode: mode)
            defer { server.stop() }
            let target = "127.0.0.1:\(server.port)"
            let channel = insecureChannel(target)
            defer { channel.close() }
            do {
                _ = try channel.unaryUnary("/x.Y/Z")(Array("hello".utf8), timeout: 10)
                XCTFail("\(mode): the call succeeded")
            } catch let error as RPCError {
                print("\(mode): swift \(error.code) \"\(error.details)\"")
                XCTAssertEqual(error.code, code, "\(mode): \(error)")
                XCTAssertTrue(error.details.hasPrefix(details), "\(mode): \(error.details)")
            }
            let (status, output) = try Peers.run("compression_wire.py", ["call", "--target", target], timeout: 60)
            XCTAssertEqual(status, 0, output)
            print("\(mode): grpcio \(output.split(separator: "\n").last ?? "")")
            XCTAssertTrue(output.contains("ERROR \(code.grpcName) "), "\(mode): grpcio answered \(output)")
        }
    }

    /// compression_wire.py against the Swift server: what the server sends and how it answers
    /// compressed requests, good and bad.
    func testSwiftServerOnTheWire() throws {
        let server = try SwiftTestServer(workers: 4)
        let gzipServer = try SwiftTestServer(workers: 4, compression: .gzip)
        let (status, output) = try Peers.run(
            "compression_wire.py",
            ["all", "--target", server.target, "--gzip-target", gzipServer.target, "--peer", "swift"])
        print(output, terminator: "")
        XCTAssertEqual(status, 0, output)
        // The option grpc.default_compression_algorithm does what `compression:` does.
        let optionServer = try SwiftTestServer(options: [("grpc.default_compression_algorithm", 2)], workers: 4)
        let (optionStatus, optionOutput) = try Peers.run(
            "compression_wire.py",
            ["server_default", "--target", server.target, "--gzip-target", optionServer.target, "--peer", "swift"])
        print(optionOutput, terminator: "")
        XCTAssertEqual(optionStatus, 0, optionOutput)
    }

    /// The same cases against grpcio's server, checking grpcio's answers where they differ
    /// (docs/porting.md), so that the documented differences stay true.
    func testGRPCIOServerOnTheWire() throws {
        let server = try PythonPeerServer()
        defer { server.stop() }
        let gzipServer = try PythonPeerServer(arguments: ["--compression", "gzip"])
        defer { gzipServer.stop() }
        let (status, output) = try Peers.run(
            "compression_wire.py",
            ["all", "--target", server.target, "--gzip-target", gzipServer.target, "--peer", "grpcio"])
        print(output, terminator: "")
        XCTAssertEqual(status, 0, output)
    }
}

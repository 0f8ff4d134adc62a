import Foundation
import GRPCSync

/// The client scenarios of Tests/Peers/SPEC.md with the Swift client, run against any server
/// that implements the test service (the Swift one or grpcio's).
struct ClientScenarios {
    struct Mismatch: Error, CustomStringConvertible {
        let description: String
    }

    let target: String

    /// Every scenario this client runs: those of `peer_client.py --list` (ScenarioListTests).
    static let names = [
        "unary", "unary_empty", "server_stream", "client_stream", "bidi", "metadata", "metadata_keys", "status_codes",
        "deadline",
        "time_remaining", "cancel", "server_cancel", "max_receive_default", "large_16mib", "unknown_method",
        "handler_raises",
        "concurrent_1000", "channels_100", "peer", "backpressure", "compression", "request_queue",
        "compression_sizes",
    ]

    func run(_ name: String) throws {
        switch name {
        case "unary": try unary()
        case "unary_empty": try unaryEmpty()
        case "server_stream": try serverStream()
        case "client_stream": try clientStream()
        case "bidi": try bidi()
        case "metadata": try metadata()
        case "metadata_keys": try metadataKeys()
        case "status_codes": try statusCodes()
        case "deadline": try deadline()
        case "time_remaining": try timeRemaining()
        case "cancel": try cancel()
        case "server_cancel": try serverCancel()
        case "max_receive_default": try maxReceiveDefault()
        case "large_16mib": try large16MiB()
        case "unknown_method": try unknownMethod()
        case "handler_raises": try handlerRaises()
        case "concurrent_1000": try concurrent1000()
        case "channels_100": try channels100()
        case "peer": try peer()
        case "backpressure": try backpressure()
        case "compression": try compression()
        case "request_queue": try requestQueue()
        case "compression_sizes": try compressionSizes()
        default: throw Mismatch(description: "no scenario \(name)")
        }
    }

    // MARK: helpers

    private func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Mismatch(description: message()) }
    }

    private func withChannel<T>(options: [(String, OptionValue)] = [], _ body: (Channel) throws -> T) rethrows -> T {
        let channel = insecureChannel(target, options: options)
        defer { channel.close() }
        return try body(channel)
    }

    private func expectError(
        _ code: StatusCode, _ details: String? = nil, _ body: () throws -> Void
    ) throws -> RPCError {
        do {
            try body()
        } catch let error as RPCError {
            try expect(error.code == code, "expected \(code), got \(error.code) \"\(error.details)\"")
            if let details {
                try expect(error.details == details, "expected details \"\(details)\", got \"\(error.details)\"")
            }
            return error
        }
        throw Mismatch(description: "expected \(code), but the call succeeded")
    }

    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    // MARK: scenarios

    func unary() throws {
        try withChannel { channel in
            let (response, call) = try channel.unaryUnary(TestService.path("Unary")).withCall(
                bytes("hello"), timeout: 10)
            try expect(response == bytes("hello"), "echo was \(response)")
            try expect(call.code() == .ok, "code \(call.code())")
        }
    }

    func unaryEmpty() throws {
        try withChannel { channel in
            let response = try channel.unaryUnary(TestService.path("Unary"))([], timeout: 10)
            try expect(response.isEmpty, "expected an empty response, got \(response.count) bytes")
        }
    }

    func serverStream() throws {
        try withChannel { channel in
            let stream = try channel.unaryStream(TestService.path("ServerStream"))(
                [], timeout: 10, metadata: [("x-count", "5"), ("x-size", "100")])
            var received: [[UInt8]] = []
            while let message = try stream.next() { received.append(message) }
            try expect(received.count == 5, "expected 5 messages, got \(received.count)")
            for (i, message) in received.enumerated() {
                try expect(message == [UInt8](repeating: UInt8(i), count: 100), "message \(i) has wrong content")
            }
            try expect(stream.code() == .ok, "code \(stream.code())")
        }
    }

    func clientStream() throws {
        try withChannel { channel in
            let requests: [[UInt8]] = [[1], [1, 2], [1, 2, 3], [1, 2, 3, 4]]
            let response = try channel.streamUnary(TestService.path("ClientStream"))(requests, timeout: 10)
            try expect(response == bytes("count=4 bytes=10"), "got \(String(decoding: response, as: UTF8.self))")
        }
    }

    func bidi() throws {
        try withChannel { channel in
            // Each request is released only after the previous answer arrived: a real ping-pong.
            let gate = DispatchSemaphore(value: 0)
            let requests = (0..<10).lazy.map { i -> [UInt8] in
                if i > 0 { _ = gate.wait(timeout: .now() + 10) }
                return [UInt8](repeating: UInt8(i), count: i + 1)
            }
            let responses = try channel.streamStream(TestService.path("Bidi"))(requests, timeout: 20)
            var count = 0
            while let response = try responses.next() {
                try expect(response == [UInt8](repeating: UInt8(count), count: count + 1), "answer \(count) differs")
                count += 1
                gate.signal()
            }
            try expect(count == 10, "expected 10 answers, got \(count)")
        }
    }

    func metadata() throws {
        try withChannel { channel in
            let sent: Metadata = [
                ("x-echo-a", "1"), ("x-echo-b-bin", .binary([0x00, 0xFF, 0x80])), ("x-trail-c", "3"),
                ("x-trail-d-bin", .binary([0x01, 0x02])),
            ]
            let (_, call) = try channel.unaryUnary(TestService.path("Unary")).withCall(
                bytes("m"), timeout: 10, metadata: sent)
            let initial = call.initialMetadata()
            try expect(initial["x-echo-a"] == "1", "initial metadata \(initial)")
            try expect(initial.binary("x-echo-b-bin") == [0x00, 0xFF, 0x80], "initial metadata \(initial)")
            let trailing = call.trailingMetadata()
            try expect(trailing["x-trail-c"] == "3", "trailing metadata \(trailing)")
            try expect(trailing.binary("x-trail-d-bin") == [0x01, 0x02], "trailing metadata \(trailing)")

            let raw = [UInt8](0...255)
            let echoed = try channel.unaryUnary(TestService.path("Metadata"))(
                [], timeout: 10, metadata: [("x-custom", "v"), ("x-raw-bin", .binary(raw))])
            let text = String(decoding: echoed, as: UTF8.self)
            let hex = raw.map { String(format: "%02x", $0) }.joined()
            try expect(text.contains("x-custom=v\n"), "server saw \(text)")
            try expect(text.contains("x-raw-bin=\(hex)\n"), "server saw \(text)")
        }
    }

    /// Keys grpcio passes through both ways: `grpc-status-details-bin`, other `grpc-` keys, `host`
    /// from a client and `user-agent` from a server.
    func metadataKeys() throws {
        try withChannel { channel in
            let details: [UInt8] = [0x08, 0x03, 0x12, 0x03] + Array("bad".utf8)
            let hex = details.map { String(format: "%02x", $0) }.joined()
            let echoed = try channel.unaryUnary(TestService.path("Metadata"))(
                [], timeout: 10,
                metadata: [
                    ("grpc-status-details-bin", .binary(details)), ("grpc-test-a", "1"), ("host", "example.test"),
                ])
            let lines = String(decoding: echoed, as: UTF8.self).split(separator: "\n").map(String.init)
                .filter { !$0.hasPrefix("authorization=") }.sorted()
            let expected = ["grpc-status-details-bin=\(hex)", "grpc-test-a=1", "host=example.test"]
            try expect(lines == expected, "server saw \(lines), expected \(expected)")

            let error = try expectError(.invalidArgument) {
                _ = try channel.unaryUnary(TestService.path("Unary"))(
                    [], timeout: 10,
                    metadata: [
                        ("x-status-code", "3"), ("x-as-initial-grpc-test-b", "2"),
                        ("x-as-initial-user-agent", "server-ua"),
                        ("x-as-trail-grpc-status-details-bin", .binary(details)), ("x-as-trail-grpc-test-c", "3"),
                        ("x-as-trail-user-agent", "server-ua"),
                    ])
            }
            let initial = error.initialMetadata
            try expect(
                initial["grpc-test-b"] == "2" && initial["user-agent"] == "server-ua", "initial metadata \(initial)")
            let trailing = error.trailingMetadata
            try expect(
                trailing.binary("grpc-status-details-bin") == details && trailing["grpc-test-c"] == "3"
                    && trailing["user-agent"] == "server-ua", "trailing metadata \(trailing)")
        }
    }

    static let specialDetails = "détails ✓ 100% \n line2"

    func statusCodes() throws {
        try withChannel { channel in
            let unary = channel.unaryUnary(TestService.path("Unary"))
            for code in StatusCode.allCases where code != .ok {
                _ = try expectError(code, Self.specialDetails) {
                    _ = try unary(
                        [], timeout: 10,
                        metadata: [
                            ("x-status-code", .text(String(code.rawValue))),
                            ("x-status-details-bin", .binary(Array(Self.specialDetails.utf8))),
                        ])
                }
            }
        }
    }

    func deadline() throws {
        try withChannel { channel in
            let start = Date()
            _ = try expectError(.deadlineExceeded) {
                _ = try channel.unaryUnary(TestService.path("Unary"))(
                    [], timeout: 0.5, metadata: [("x-sleep-ms", "5000")])
            }
            try expect(Date().timeIntervalSince(start) < 3, "the deadline took \(Date().timeIntervalSince(start)) s")
        }
    }

    func timeRemaining() throws {
        try withChannel { channel in
            let method = channel.unaryUnary(TestService.path("TimeRemaining"))
            let withTimeout = String(decoding: try method([], timeout: 10), as: UTF8.self)
            try expect(Int(withTimeout).map { (5000...10000).contains($0) } == true, "time remaining \(withTimeout)")
            let without = String(decoding: try method([]), as: UTF8.self)
            try expect(without == "none", "time remaining without timeout: \(without)")
        }
    }

    func cancel() throws {
        try withChannel { channel in
            // A request of its own, so that CancelSeen answers this call's record, not an earlier one's.
            let key = bytes("cancel \(UUID().uuidString)")
            let future = try channel.unaryUnary(TestService.path("WaitForCancel")).future(key, timeout: 20)
            Thread.sleep(forTimeInterval: 0.3)
            try expect(future.cancel(), "cancel() returned false")
            try expect(future.cancelled(), "cancelled() is false")
            try expect(future.code() == .cancelled, "code \(future.code())")
            try expect(future.details() == "Locally cancelled by application!", "details \(future.details())")
            let seen = channel.unaryUnary(TestService.path("CancelSeen"))
            var record = ""
            for _ in 0..<50 {
                record = String(decoding: try seen(key, timeout: 5), as: UTF8.self)
                if record != "none" { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            try expect(record == "active=false callback=true", "server recorded \(record)")
        }
    }

    func serverCancel() throws {
        try withChannel { channel in
            _ = try expectError(.cancelled) {
                _ = try channel.unaryUnary(TestService.path("ServerCancel"))([], timeout: 10)
            }
        }
    }

    func maxReceiveDefault() throws {
        try withChannel { channel in
            let unary = channel.unaryUnary(TestService.path("Unary"))
            _ = try expectError(.resourceExhausted) {
                _ = try unary([], timeout: 20, metadata: [("x-response-size", "4194305")])
            }
            _ = try expectError(.resourceExhausted) {
                _ = try unary([UInt8](repeating: 7, count: 4_194_305), timeout: 20)
            }
        }
    }

    func large16MiB() throws {
        let limit = OptionValue.int(32 * 1024 * 1024)
        try withChannel(options: [("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)])
        {
            channel in
            let request = (0..<16 * 1024 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let response = try channel.unaryUnary(TestService.path("Unary"))(request, timeout: 60)
            try expect(response == request, "16 MiB echo differs (\(response.count) bytes back)")
        }
    }

    func unknownMethod() throws {
        try withChannel { channel in
            _ = try expectError(.unimplemented, "Method not found!") {
                _ = try channel.unaryUnary(TestService.path("Nope"))([], timeout: 10)
            }
        }
    }

    func handlerRaises() throws {
        try withChannel { channel in
            _ = try expectError(.unknown, "Exception calling application: boom") {
                _ = try channel.unaryUnary(TestService.path("Raise"))([], timeout: 10)
            }
            let stream = try channel.unaryStream(TestService.path("StreamRaise"))([], timeout: 10)
            try expect(try stream.next() == [0], "first message")
            try expect(try stream.next() == [1], "second message")
            _ = try expectError(.unknown, "Exception iterating responses: boom") { _ = try stream.next() }
        }
    }

    func concurrent1000() throws {
        try withChannel { channel in
            let unary = channel.unaryUnary(TestService.path("Unary"))
            let futures = try (0..<1000).map { i in try unary.future(bytes("call \(i)"), timeout: 60) }
            for (i, future) in futures.enumerated() {
                let response = try future.result(timeout: 60)
                try expect(response == bytes("call \(i)"), "call \(i) got \(String(decoding: response, as: UTF8.self))")
            }
        }
    }

    func channels100() throws {
        let channels = (0..<100).map { _ in insecureChannel(target) }
        defer { for channel in channels { channel.close() } }
        let futures = try channels.enumerated().map { i, channel in
            try channel.unaryUnary(TestService.path("Unary")).future(bytes("channel \(i)"), timeout: 30)
        }
        for (i, future) in futures.enumerated() {
            try expect(try future.result(timeout: 30) == bytes("channel \(i)"), "channel \(i) answer differs")
        }
    }

    func peer() throws {
        try withChannel { channel in
            let peer = String(
                decoding: try channel.unaryUnary(TestService.path("Peer"))([], timeout: 10), as: UTF8.self)
            try expect(peer.hasPrefix("ipv4:127.0.0.1:") || peer.hasPrefix("ipv6:[::1]:"), "peer \(peer)")
        }
    }

    func backpressure() throws {
        try withChannel { channel in
            let stream = try channel.unaryStream(TestService.path("ServerStream"))(
                [], timeout: 60, metadata: [("x-count", "2000"), ("x-size", "1048576")])
            _ = try stream.next()
            Thread.sleep(forTimeInterval: 1)
            let progress = String(
                decoding: try channel.unaryUnary(TestService.path("StreamProgress"))([], timeout: 10), as: UTF8.self)
            try expect(Int(progress).map { $0 < 100 } == true, "the server sent \(progress) messages unread")
            stream.cancel()
        }
    }

    /// `pattern(N, seed)` of SPEC.md: compressible bytes that are not all alike.
    static func pattern(_ length: Int, seed: Int = 0) -> [UInt8] {
        let period = (0..<min(length, 65521)).map { j in UInt8((j * 7 + j / 251 + seed) % 64 + 32) }
        var bytes = period
        bytes.reserveCapacity(length)
        while bytes.count < length { bytes += period.prefix(length - bytes.count) }
        return bytes
    }

    func compression() throws {
        let request = Self.pattern(100 * 1024)
        try withChannel { channel in
            let unary = channel.unaryUnary(TestService.path("Unary"))
            for (name, algorithm) in [("gzip", Compression.gzip), ("deflate", .deflate)] {
                let response = try unary(
                    request, timeout: 10, metadata: [("x-compression", .text(name))], compression: algorithm)
                try expect(response == request, "Unary \(name) echo differs")
            }
            let stream = try channel.unaryStream(TestService.path("ServerStream"))(
                [], timeout: 10,
                metadata: [
                    ("x-compression", "gzip"), ("x-count", "4"), ("x-size", "1000"), ("x-disable-compression", "1,2"),
                ])
            var messages: [[UInt8]] = []
            while let message = try stream.next() { messages.append(message) }
            try expect(
                messages == (0..<4).map { [UInt8](repeating: UInt8($0), count: 1000) }, "ServerStream messages differ")
            let summary = try channel.streamUnary(TestService.path("ClientStream"))(
                (0..<3).map { Self.pattern(1000, seed: $0) }, timeout: 10, compression: .deflate)
            try expect(summary == bytes("count=3 bytes=3000"), "ClientStream answered \(summary)")
            // Requests 1 and 3 go uncompressed on the gzip call; grpcio's client cannot do that.
            let requests = (0..<4).map { Self.pattern(2000, seed: $0) }
            let outgoing = requests.enumerated().map { OutgoingMessage($1, compressed: $0 % 2 == 0) }
            let echoes = try channel.streamStream(TestService.path("Bidi"))(
                outgoing, timeout: 10, metadata: [("x-compression", "deflate"), ("x-disable-compression", "0,2")],
                compression: .gzip)
            var received: [[UInt8]] = []
            while let echo = try echoes.next() { received.append(echo) }
            try expect(received == requests, "Bidi echoes differ")
        }
        let gzipChannel = insecureChannel(target, compression: .gzip)
        defer { gzipChannel.close() }
        let echo = try gzipChannel.unaryUnary(TestService.path("Unary"))(
            request, timeout: 10, metadata: [("x-compression", "gzip")])
        try expect(echo == request, "Unary on a gzip channel: echo differs")
        try withChannel(options: [("grpc.default_compression_algorithm", 1)]) { channel in
            let response = try channel.unaryUnary(TestService.path("Unary"))(request, timeout: 10)
            try expect(response == request, "Unary on a channel with option deflate: echo differs")
        }
    }

    /// How much longer a scenario's deadlines are (`GRPCSYNC_TEST_TIMEOUT_SCALE`; a sanitizer
    /// build runs several times slower).
    static let timeoutScale = Double(ProcessInfo.processInfo.environment["GRPCSYNC_TEST_TIMEOUT_SCALE"] ?? "") ?? 1

    func requestQueue() throws {
        let timeout = 10 * Self.timeoutScale
        try withChannel { channel in
            let bidi = channel.streamStream(TestService.path("Bidi"))
            let pingPong = RequestQueue<[UInt8]>()
            defer { pingPong.close() }
            let answers = try bidi(pingPong, timeout: timeout)
            for i in 0..<10 {
                let request = bytes("q\(i)")
                pingPong.put(request)
                let answer = try answers.next()
                try expect(
                    answer == request,
                    "answer to q\(i): \(answer.map { String(decoding: $0, as: UTF8.self) } ?? "none")")
            }
            pingPong.close()
            try expect(try answers.next() == nil, "a message after close")
            try expect(answers.code() == .ok, "ping-pong code \(answers.code())")

            let bulk = RequestQueue<[UInt8]>()
            defer { bulk.close() }
            let echoes = try bidi(bulk, timeout: timeout)
            let sent = (0..<200).map { Self.pattern(65536, seed: $0 % 64) }
            for request in sent { bulk.put(request) }
            bulk.close()
            var received: [[UInt8]] = []
            while let echo = try echoes.next() { received.append(echo) }
            try expect(received.count == sent.count, "expected \(sent.count) echoes, got \(received.count)")
            try expect(received == sent, "the echoes differ from the requests")
            try expect(echoes.code() == .ok, "bulk code \(echoes.code())")

            let upload = RequestQueue<[UInt8]>()
            for seed in 0..<3 { upload.put(Self.pattern(1000, seed: seed)) }
            upload.close()
            let response = try channel.streamUnary(TestService.path("ClientStream"))(upload, timeout: timeout)
            try expect(response == bytes("count=3 bytes=3000"), "got \(String(decoding: response, as: UTF8.self))")
        }
    }

    func compressionSizes() throws {
        let limit = OptionValue.int(32 * 1024 * 1024)
        try withChannel(options: [("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)])
        {
            channel in
            let unary = channel.unaryUnary(TestService.path("Unary"))
            for (name, algorithm) in [("gzip", Compression.gzip), ("deflate", .deflate)] {
                for size in [0, 1, 1000, 64 * 1024 + 1, 1024 * 1024, 16 * 1024 * 1024] {
                    let request = Self.pattern(size)
                    let response = try unary(
                        request, timeout: 60, metadata: [("x-compression", .text(name))], compression: algorithm)
                    try expect(response == request, "\(name) echo of \(size) bytes differs (\(response.count) back)")
                }
            }
        }
    }
}

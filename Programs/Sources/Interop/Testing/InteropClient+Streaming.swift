import GRPCSync
import InteropModel

/// The streaming cases: client_streaming, server_streaming, their compressed variants, ping_pong
/// and empty_stream.
extension InteropClient {
    func clientStreaming(_ stub: Grpc_Testing_TestServiceStub) throws {
        let requests = [27_182, 8, 1_828, 45_904].map { size in
            var request = Grpc_Testing_StreamingInputCallRequest()
            request.payload = Self.payload(size: size)
            return request
        }
        let response = try step("StreamingInputCall") { try stub.streamingInputCall(requests, metadata: metadata()) }
        try expect(
            response.aggregatedPayloadSize == 74_922,
            "aggregated_payload_size is \(response.aggregatedPayloadSize), expected 74922")
    }

    /// The server must refuse an uncompressed request that says it is compressed, then take a
    /// stream on a gzip call whose first message is compressed and whose second is not.
    func clientCompressedStreaming(_ stub: Grpc_Testing_TestServiceStub) throws {
        func request(size: Int, expectCompressed: Bool) -> Grpc_Testing_StreamingInputCallRequest {
            var request = Grpc_Testing_StreamingInputCallRequest()
            request.expectCompressed = Self.boolValue(expectCompressed)
            request.payload = Self.payload(size: size)
            return request
        }
        let probe = request(size: 27_182, expectCompressed: true)
        try expectError(.invalidArgument, "the uncompressed probe StreamingInputCall with expect_compressed=true") {
            _ = try stub.streamingInputCall([probe], metadata: metadata(), compression: .noCompression)
        }
        let messages = [
            OutgoingMessage(probe, compressed: true),
            OutgoingMessage(request(size: 45_904, expectCompressed: false), compressed: false),
        ]
        let response = try step("StreamingInputCall with a compressed and an uncompressed message") {
            try stub.streamingInputCall(messages, metadata: metadata(), compression: .gzip)
        }
        try expect(
            response.aggregatedPayloadSize == 73_086,
            "aggregated_payload_size is \(response.aggregatedPayloadSize), expected 73086")
    }

    func serverStreaming(_ stub: Grpc_Testing_TestServiceStub) throws {
        let sizes = [31_415, 9, 2_653, 58_979]
        let request = Self.streamingRequest(responseSizes: sizes)
        let stream = try step("StreamingOutputCall") { try stub.streamingOutputCall(request, metadata: metadata()) }
        try checkResponses(readAll(stream, "reading the StreamingOutputCall responses"), sizes: sizes)
    }

    /// Asks for a compressed and an uncompressed response. The client API does not show a
    /// message's compressed flag, so this checks that both arrive intact (docs/interop.md).
    func serverCompressedStreaming(_ stub: Grpc_Testing_TestServiceStub) throws {
        var request = Self.streamingRequest(responseSizes: [31_415, 92_653])
        request.responseParameters[0].compressed = Self.boolValue(true)
        request.responseParameters[1].compressed = Self.boolValue(false)
        let stream = try step("StreamingOutputCall") { try stub.streamingOutputCall(request, metadata: metadata()) }
        try checkResponses(readAll(stream, "reading the StreamingOutputCall responses"), sizes: [31_415, 92_653])
    }

    /// Each request goes out only after the answer to the previous one has arrived.
    func pingPong(_ stub: Grpc_Testing_TestServiceStub) throws {
        let requests = RequestQueue<Grpc_Testing_StreamingOutputCallRequest>()
        defer { requests.close() }
        let stream = try step("FullDuplexCall") { try stub.fullDuplexCall(requests, metadata: metadata()) }
        let exchanges = [(31_415, 27_182), (9, 8), (2_653, 1_828), (58_979, 45_904)]
        for (i, (responseSize, payloadSize)) in exchanges.enumerated() {
            requests.put(Self.streamingRequest(responseSizes: [responseSize], payloadSize: payloadSize))
            let response = try step("reading response \(i + 1)") { try stream.next() }
            guard let response else { throw InteropFailure("the stream ended after \(i) responses, expected 4") }
            try Self.checkPayload(response.payload, size: responseSize, "response \(i + 1)")
        }
        requests.close()
        let extra = try step("reading the end of the stream") { try stream.next() }
        try expect(extra == nil, "a fifth response arrived")
    }

    func emptyStream(_ stub: Grpc_Testing_TestServiceStub) throws {
        let stream = try step("FullDuplexCall") {
            try stub.fullDuplexCall([Grpc_Testing_StreamingOutputCallRequest](), metadata: metadata())
        }
        let responses = try readAll(stream, "reading the FullDuplexCall responses")
        try expect(responses.isEmpty, "\(responses.count) responses arrived, expected none")
    }

    /// Checks the count and the payload sizes of streamed responses.
    func checkResponses(_ responses: [Grpc_Testing_StreamingOutputCallResponse], sizes: [Int]) throws {
        try expect(responses.count == sizes.count, "\(responses.count) responses arrived, expected \(sizes.count)")
        for (i, (response, size)) in zip(responses, sizes).enumerated() {
            try Self.checkPayload(response.payload, size: size, "response \(i + 1)")
        }
    }
}

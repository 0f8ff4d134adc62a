import GRPCSync
import InteropModel

/// The unary cases: empty_unary, large_unary, the compressed unary cases and concurrent_large_unary.
extension InteropClient {
    func emptyUnary(_ stub: Grpc_Testing_TestServiceStub) throws {
        let response = try step("EmptyCall") { try stub.emptyCall(Grpc_Testing_Empty(), metadata: metadata()) }
        try expect(response == Grpc_Testing_Empty(), "EmptyCall answered \(response), not an empty message")
    }

    func largeUnary(_ stub: Grpc_Testing_TestServiceStub) throws {
        let response = try step("UnaryCall") { try stub.unaryCall(Self.largeUnaryRequest(), metadata: metadata()) }
        try Self.checkPayload(response.payload, size: 314_159, "the UnaryCall response")
    }

    /// The server must refuse an uncompressed request that says it is compressed, then accept a
    /// gzip-compressed one and an uncompressed one that does not say so.
    func clientCompressedUnary(_ stub: Grpc_Testing_TestServiceStub) throws {
        var expectingCompression = Self.largeUnaryRequest()
        expectingCompression.expectCompressed = Self.boolValue(true)
        try expectError(.invalidArgument, "the uncompressed probe UnaryCall with expect_compressed=true") {
            _ = try stub.unaryCall(expectingCompression, metadata: metadata(), compression: .noCompression)
        }
        let compressed = try step("UnaryCall compressed with gzip, expect_compressed=true") {
            try stub.unaryCall(expectingCompression, metadata: metadata(), compression: .gzip)
        }
        try Self.checkPayload(compressed.payload, size: 314_159, "the response to the compressed UnaryCall")

        var notExpectingCompression = Self.largeUnaryRequest()
        notExpectingCompression.expectCompressed = Self.boolValue(false)
        let uncompressed = try step("uncompressed UnaryCall with expect_compressed=false") {
            try stub.unaryCall(notExpectingCompression, metadata: metadata(), compression: .noCompression)
        }
        try Self.checkPayload(uncompressed.payload, size: 314_159, "the response to the uncompressed UnaryCall")
    }

    /// Asks for a compressed and for an uncompressed response. The client API does not show a
    /// response's compressed flag, so this checks that both arrive intact (docs/interop.md).
    func serverCompressedUnary(_ stub: Grpc_Testing_TestServiceStub) throws {
        for compressed in [true, false] {
            var request = Self.largeUnaryRequest()
            request.responseCompressed = Self.boolValue(compressed)
            let response = try step("UnaryCall with response_compressed=\(compressed)") {
                try stub.unaryCall(request, metadata: metadata())
            }
            try Self.checkPayload(
                response.payload, size: 314_159, "the response to UnaryCall with response_compressed=\(compressed)")
        }
    }

    /// 1,000 large_unary calls in parallel on one channel.
    func concurrentLargeUnary(_ stub: Grpc_Testing_TestServiceStub) throws {
        let count = 1000
        let request = Self.largeUnaryRequest()
        var futures: [Future<Grpc_Testing_SimpleResponse>?] = try step("starting \(count) UnaryCalls") {
            try (0..<count).map { _ in try stub.unaryCall.future(request, metadata: metadata()) }
        }
        for i in 0..<count {
            let response = try step("UnaryCall \(i + 1) of \(count)") { try futures[i]!.result() }
            try Self.checkPayload(response.payload, size: 314_159, "the response to UnaryCall \(i + 1) of \(count)")
            futures[i] = nil  // frees the response
        }
    }
}

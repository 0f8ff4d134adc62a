import Foundation
import GRPCSync
import InteropModel

/// The server side of `grpc.testing.TestService` as gRPC's interop test descriptions
/// (doc/interop-test-descriptions.md, "Server") require it: payloads of the requested sizes,
/// echoed status and metadata, compressed responses on request, `interval_us` pauses, and
/// `expect_compressed` checks. `UnimplementedCall` is left unimplemented on purpose.
public final class InteropTestService: Grpc_Testing_TestServiceServicer {
    /// The request key whose entry the server sends back in its initial metadata.
    public static let echoInitialKey = "x-grpc-test-echo-initial"
    /// The request key whose entry the server sends back in its trailing metadata.
    public static let echoTrailingKey = "x-grpc-test-echo-trailing-bin"

    override public init() {}

    override public func emptyCall(_ request: Grpc_Testing_Empty, _ context: ServicerContext) throws
        -> Grpc_Testing_Empty
    {
        try echoMetadata(context)
        return Grpc_Testing_Empty()
    }

    override public func unaryCall(_ request: Grpc_Testing_SimpleRequest, _ context: ServicerContext) throws
        -> Grpc_Testing_SimpleResponse
    {
        try echoMetadata(context)
        if request.hasResponseCompressed { compressNextResponse(request.responseCompressed.value, context) }
        if request.hasExpectCompressed { try checkCompression(expected: request.expectCompressed.value, context) }
        var response = Grpc_Testing_SimpleResponse()
        response.payload = try payload(request.responseType, size: request.responseSize, context)
        if request.hasResponseStatus { try echoStatus(request.responseStatus, context) }
        return response
    }

    /// Like UnaryCall, with a payload that differs on every call (the time in nanoseconds) and a
    /// `cache-control` header that lets a caching proxy keep the response.
    override public func cacheableUnaryCall(_ request: Grpc_Testing_SimpleRequest, _ context: ServicerContext) throws
        -> Grpc_Testing_SimpleResponse
    {
        try echoMetadata(context, initial: [("cache-control", "max-age=60, public")])
        var response = Grpc_Testing_SimpleResponse()
        response.payload.type = .compressable
        response.payload.body = Data(String(DispatchTime.now().uptimeNanoseconds).utf8)
        return response
    }

    override public func streamingOutputCall(
        _ request: Grpc_Testing_StreamingOutputCallRequest,
        _ responses: ResponseSender<Grpc_Testing_StreamingOutputCallResponse>, _ context: ServicerContext
    ) throws {
        try echoMetadata(context)
        try respond(to: request, responses, context)
    }

    override public func streamingInputCall(
        _ requests: RequestStream<Grpc_Testing_StreamingInputCallRequest>, _ context: ServicerContext
    ) throws -> Grpc_Testing_StreamingInputCallResponse {
        try echoMetadata(context)
        var total = 0
        while let request = try requests.read() {
            if request.hasExpectCompressed { try checkCompression(expected: request.expectCompressed.value, context) }
            total += request.payload.body.count
        }
        var response = Grpc_Testing_StreamingInputCallResponse()
        response.aggregatedPayloadSize = Int32(clamping: total)
        return response
    }

    override public func fullDuplexCall(
        _ requests: RequestStream<Grpc_Testing_StreamingOutputCallRequest>,
        _ responses: ResponseSender<Grpc_Testing_StreamingOutputCallResponse>, _ context: ServicerContext
    ) throws {
        try echoMetadata(context)
        while let request = try requests.read() {
            try respond(to: request, responses, context)
        }
    }

    override public func halfDuplexCall(
        _ requests: RequestStream<Grpc_Testing_StreamingOutputCallRequest>,
        _ responses: ResponseSender<Grpc_Testing_StreamingOutputCallResponse>, _ context: ServicerContext
    ) throws {
        try echoMetadata(context)
        var buffered: [Grpc_Testing_StreamingOutputCallRequest] = []
        while let request = try requests.read() { buffered.append(request) }
        for request in buffered { try respond(to: request, responses, context) }
    }

    // MARK: the server features

    /// Echo Metadata: the `x-grpc-test-echo-initial` entry goes back in the initial metadata (with
    /// `initial`), the `x-grpc-test-echo-trailing-bin` entry in the trailing metadata.
    private func echoMetadata(_ context: ServicerContext, initial: Metadata = []) throws {
        let received = context.invocationMetadata()
        let echoedInitial = Metadata(received.pairs.filter { $0.0 == Self.echoInitialKey })
        if !(echoedInitial + initial).isEmpty { try context.sendInitialMetadata(echoedInitial + initial) }
        let echoedTrailing = Metadata(received.pairs.filter { $0.0 == Self.echoTrailingKey })
        if !echoedTrailing.isEmpty { try context.setTrailingMetadata(echoedTrailing) }
    }

    /// Echo Status: ends the call with the code and message the client asked for (code 0: goes on).
    private func echoStatus(_ status: Grpc_Testing_EchoStatus, _ context: ServicerContext) throws {
        guard status.code != 0 else { return }
        try context.abort(StatusCode(wireValue: Int(status.code)), status.message)
    }

    /// CompressedRequest: a request that says it was sent compressed must have been.
    private func checkCompression(expected: Bool, _ context: ServicerContext) throws {
        if expected && !context.lastRequestWasCompressed() {
            try context.abort(.invalidArgument, "Expected compressed request, but the request was not compressed")
        }
    }

    /// CompressedResponse: gzip for the call, or the next message sent uncompressed.
    private func compressNextResponse(_ compressed: Bool, _ context: ServicerContext) {
        if compressed {
            context.setCompression(.gzip)
        } else {
            context.disableNextMessageCompression()
        }
    }

    /// StreamingOutputCall and each request of the duplex calls: the echoed status if there is one,
    /// else one response per ResponseParameters, each after its `interval_us` pause and compressed
    /// as its `compressed` asks.
    private func respond(
        to request: Grpc_Testing_StreamingOutputCallRequest,
        _ responses: ResponseSender<Grpc_Testing_StreamingOutputCallResponse>, _ context: ServicerContext
    ) throws {
        if request.hasResponseStatus { try echoStatus(request.responseStatus, context) }
        // Compression is chosen for the whole call before its first message, as gRPC requires;
        // messages that must stay uncompressed then opt out one by one.
        if request.responseParameters.contains(where: { $0.hasCompressed && $0.compressed.value }) {
            context.setCompression(.gzip)
        }
        for parameters in request.responseParameters {
            if parameters.intervalUs > 0 { Thread.sleep(forTimeInterval: Double(parameters.intervalUs) / 1_000_000) }
            if parameters.hasCompressed && !parameters.compressed.value { context.disableNextMessageCompression() }
            var response = Grpc_Testing_StreamingOutputCallResponse()
            response.payload = try payload(request.responseType, size: parameters.size, context)
            try responses.send(response)
        }
    }

    /// A payload of `size` zero bytes; only COMPRESSABLE payloads exist.
    private func payload(_ type: Grpc_Testing_PayloadType, size: Int32, _ context: ServicerContext) throws
        -> Grpc_Testing_Payload
    {
        guard type == .compressable else { try context.abort(.invalidArgument, "Unsupported payload type \(type)") }
        guard size >= 0 else { try context.abort(.invalidArgument, "Negative payload size \(size)") }
        var payload = Grpc_Testing_Payload()
        payload.type = .compressable
        payload.body = Data(count: Int(size))
        return payload
    }
}

import GRPCSync
import InteropModel

/// The cases about what comes back besides messages: custom_metadata, status_code_and_message,
/// special_status_message, unimplemented_method and unimplemented_service.
extension InteropClient {
    static let echoedInitialValue: MetadataValue = "test_initial_metadata_value"
    static let echoedTrailingValue: MetadataValue = .binary([0xAB, 0xAB, 0xAB])

    func customMetadata(_ stub: Grpc_Testing_TestServiceStub) throws {
        let sent = metadata([
            (InteropTestService.echoInitialKey, Self.echoedInitialValue),
            (InteropTestService.echoTrailingKey, Self.echoedTrailingValue),
        ])
        let (response, call) = try step("UnaryCall") {
            try stub.unaryCall.withCall(Self.largeUnaryRequest(), metadata: sent)
        }
        try Self.checkPayload(response.payload, size: 314_159, "the UnaryCall response")
        try checkEchoed(initial: call.initialMetadata(), trailing: call.trailingMetadata(), "UnaryCall")

        let request = Self.streamingRequest(responseSizes: [314_159], payloadSize: 271_828)
        let stream = try step("FullDuplexCall") { try stub.fullDuplexCall([request], metadata: sent) }
        try checkResponses(readAll(stream, "reading the FullDuplexCall responses"), sizes: [314_159])
        try checkEchoed(initial: stream.initialMetadata(), trailing: stream.trailingMetadata(), "FullDuplexCall")
    }

    private func checkEchoed(initial: Metadata, trailing: Metadata, _ call: String) throws {
        let initialKey = InteropTestService.echoInitialKey
        let trailingKey = InteropTestService.echoTrailingKey
        try expect(
            initial.values(initialKey) == [Self.echoedInitialValue],
            "\(call): initial metadata \(initial) lacks \(initialKey): \(Self.echoedInitialValue)")
        try expect(
            trailing.values(trailingKey).map(\.bytes) == [Self.echoedTrailingValue.bytes],
            "\(call): trailing metadata \(trailing) lacks \(trailingKey): 0xababab")
    }

    func statusCodeAndMessage(_ stub: Grpc_Testing_TestServiceStub) throws {
        try checkEchoedStatus(stub, message: "test status message", alsoFullDuplex: true)
    }

    func specialStatusMessage(_ stub: Grpc_Testing_TestServiceStub) throws {
        let message = "\t\ntest with whitespace\r\nand Unicode BMP \u{263A} and non-BMP \u{1F608}\t\n"
        try checkEchoedStatus(stub, message: message, alsoFullDuplex: false)
    }

    /// Asks the server to end UnaryCall (and FullDuplexCall) with code 2 and `message`.
    private func checkEchoedStatus(_ stub: Grpc_Testing_TestServiceStub, message: String, alsoFullDuplex: Bool)
        throws
    {
        var status = Grpc_Testing_EchoStatus()
        status.code = 2
        status.message = message
        var request = Grpc_Testing_SimpleRequest()
        request.responseStatus = status
        let unaryError = try expectError(.unknown, "UnaryCall with response_status") {
            _ = try stub.unaryCall(request, metadata: metadata())
        }
        try expect(
            unaryError.details == message,
            "UnaryCall ended with message \(unaryError.details.debugDescription), expected \(message.debugDescription)")
        guard alsoFullDuplex else { return }

        var streamingRequest = Grpc_Testing_StreamingOutputCallRequest()
        streamingRequest.responseStatus = status
        let streamError = try expectError(.unknown, "FullDuplexCall with response_status") {
            let stream = try stub.fullDuplexCall([streamingRequest], metadata: metadata())
            while try stream.next() != nil {}
        }
        try expect(
            streamError.details == message,
            "FullDuplexCall ended with message \(streamError.details.debugDescription), expected "
                + message.debugDescription)
    }

    func unimplementedMethod(_ stub: Grpc_Testing_TestServiceStub) throws {
        try expectError(.unimplemented, "grpc.testing.TestService/UnimplementedCall") {
            _ = try stub.unimplementedCall(Grpc_Testing_Empty(), metadata: metadata())
        }
    }

    func unimplementedService(_ channel: Channel) throws {
        let stub = Grpc_Testing_UnimplementedServiceStub(channel)
        try expectError(.unimplemented, "grpc.testing.UnimplementedService/UnimplementedCall") {
            _ = try stub.unimplementedCall(Grpc_Testing_Empty(), metadata: metadata())
        }
    }
}

import GRPCSync
import InteropModel

/// The cases that end calls early: cancel_after_begin, cancel_after_first_response and
/// timeout_on_sleeping_server.
extension InteropClient {
    /// Starts a client-streaming call that sends nothing and cancels it at once.
    func cancelAfterBegin(_ stub: Grpc_Testing_TestServiceStub) throws {
        let requests = RequestQueue<Grpc_Testing_StreamingInputCallRequest>()
        defer { requests.close() }
        let future = try step("StreamingInputCall") {
            try stub.streamingInputCall.future(requests, metadata: metadata())
        }
        future.cancel()
        try expect(
            future.code() == .cancelled,
            "the cancelled call ended with \(future.code().grpcName) \"\(future.details())\", expected CANCELLED")
    }

    /// Cancels a full-duplex call once its first response has arrived.
    func cancelAfterFirstResponse(_ stub: Grpc_Testing_TestServiceStub) throws {
        let requests = RequestQueue<Grpc_Testing_StreamingOutputCallRequest>()
        defer { requests.close() }
        let stream = try step("FullDuplexCall") { try stub.fullDuplexCall(requests, metadata: metadata()) }
        requests.put(Self.streamingRequest(responseSizes: [31_415], payloadSize: 27_182))
        let first = try step("reading the first response") { try stream.next() }
        guard let first else { throw InteropFailure("the stream ended before the first response") }
        try Self.checkPayload(first.payload, size: 31_415, "the first response")
        stream.cancel()
        try expect(
            stream.code() == .cancelled,
            "the cancelled call ended with \(stream.code().grpcName) \"\(stream.details())\", expected CANCELLED")
    }

    /// A full-duplex call with a 1 ms timeout that stays open: it must end with DEADLINE_EXCEEDED.
    func timeoutOnSleepingServer(_ stub: Grpc_Testing_TestServiceStub) throws {
        let requests = RequestQueue<Grpc_Testing_StreamingOutputCallRequest>()
        defer { requests.close() }
        requests.put(Self.streamingRequest(responseSizes: [], payloadSize: 27_182))
        try expectError(.deadlineExceeded, "FullDuplexCall with a 1 ms timeout") {
            let stream = try stub.fullDuplexCall(requests, timeout: 0.001, metadata: metadata())
            while try stream.next() != nil {}
        }
    }
}

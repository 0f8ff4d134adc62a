import BenchmarkService
import GRPCSync

/// The benchmark service with async handlers, for `--api async` (an `AIO.server`): the same
/// answers as ``BenchmarkServicer``.
final class AsyncBenchmarkServicer: Grpc_Testing_BenchmarkServiceAsyncServicer, @unchecked Sendable {  // stateless
    override func unaryCall(_ request: Grpc_Testing_SimpleRequest, _ context: AIO.ServicerContext) async throws
        -> Grpc_Testing_SimpleResponse
    {
        makeResponse(size: request.responseSize)
    }

    override func streamingCall(
        _ requests: AIO.RequestStream<Grpc_Testing_SimpleRequest>,
        _ responses: AIO.ResponseWriter<Grpc_Testing_SimpleResponse>, _ context: AIO.ServicerContext
    ) async throws {
        for try await request in requests {
            try await responses.write(makeResponse(size: request.responseSize))
        }
    }

    override func streamingFromClient(
        _ requests: AIO.RequestStream<Grpc_Testing_SimpleRequest>, _ context: AIO.ServicerContext
    ) async throws -> Grpc_Testing_SimpleResponse {
        var size: Int32 = 0
        for try await request in requests { size = request.responseSize }
        return makeResponse(size: size)
    }

    override func streamingFromServer(
        _ request: Grpc_Testing_SimpleRequest, _ responses: AIO.ResponseWriter<Grpc_Testing_SimpleResponse>,
        _ context: AIO.ServicerContext
    ) async throws {
        let response = makeResponse(size: request.responseSize)
        while context.isActive() { try await responses.write(response) }
    }

    override func streamingBothWays(
        _ requests: AIO.RequestStream<Grpc_Testing_SimpleRequest>,
        _ responses: AIO.ResponseWriter<Grpc_Testing_SimpleResponse>, _ context: AIO.ServicerContext
    ) async throws {
        for try await request in requests {
            try await responses.write(makeResponse(size: request.responseSize))
        }
    }
}

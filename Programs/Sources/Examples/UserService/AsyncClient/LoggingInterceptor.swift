import GRPCSync

/// Logs every call of the two kinds the user service has, before and after its continuation (the
/// async `logging_interceptor.py`). A unary call is logged with its final code, once it has ended;
/// a response stream when it is open (its responses come later).
///
/// One type adopts both kinds here; grpc.aio registers an interceptor for the first kind it
/// subclasses only, so the Python original needs a class per kind (docs/porting.md).
struct LoggingInterceptor: AIO.UnaryUnaryClientInterceptor, AIO.UnaryStreamClientInterceptor {
    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryUnaryCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryUnaryCall<Response> {
        print("[log] -> \(clientCallDetails.method)")
        let call = try await continuation(clientCallDetails, request)
        print("[log] <- \(clientCallDetails.method): \(await call.code())")
        return call
    }

    func interceptUnaryStream<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryStreamCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryStreamCall<Response> {
        print("[log] -> \(clientCallDetails.method)")
        let call = try await continuation(clientCallDetails, request)
        print("[log] <- \(clientCallDetails.method): stream open")
        return call
    }
}

import GRPCSync

/// Logs every call of the two kinds the user service has, before and after its continuation
/// (grpcio's `logging_interceptor.py`). A unary call is logged with its final code; a response
/// stream when it is open (its responses come later).
struct LoggingInterceptor: UnaryUnaryClientInterceptor, UnaryStreamClientInterceptor {
    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> Future<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) throws -> Future<Response> {
        print("[log] -> \(clientCallDetails.method)")
        let outcome = try continuation(clientCallDetails, request)
        print("[log] <- \(clientCallDetails.method): \(outcome.code())")
        return outcome
    }

    func interceptUnaryStream<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> ResponseStream<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) throws -> ResponseStream<Response> {
        print("[log] -> \(clientCallDetails.method)")
        let responses = try continuation(clientCallDetails, request)
        print("[log] <- \(clientCallDetails.method): stream open")
        return responses
    }
}

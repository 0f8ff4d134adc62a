import GRPCSync

/// Retries unary calls that end UNAVAILABLE, sleeping `initialBackoff` seconds and doubling it
/// after each attempt, up to `maxAttempts` attempts (the async `retry_interceptor.py`). The sleep
/// suspends the task; it holds no thread.
struct RetryInterceptor: AIO.UnaryUnaryClientInterceptor {
    let maxAttempts: Int
    let initialBackoff: Double

    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) async throws -> AIO.UnaryUnaryCall<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) async throws -> AIO.UnaryUnaryCall<Response> {
        var backoff = initialBackoff
        var attempt = 1
        while true {
            let call = try await continuation(clientCallDetails, request)
            let code = await call.code()
            guard code == .unavailable, attempt < maxAttempts else { return call }
            attempt += 1
            print(
                "[retry] \(clientCallDetails.method): \(code), attempt \(attempt) of \(maxAttempts)"
                    + " in \(Int(backoff * 1000)) ms")
            try await Task.sleep(nanoseconds: UInt64(backoff * 1e9))
            backoff *= 2
        }
    }
}

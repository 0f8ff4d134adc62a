import Foundation
import GRPCSync

/// Retries unary calls that end UNAVAILABLE, waiting `initialBackoff` seconds and doubling it
/// after each attempt, up to `maxAttempts` attempts (grpcio's `retry_interceptor.py`).
struct RetryInterceptor: UnaryUnaryClientInterceptor {
    let maxAttempts: Int
    let initialBackoff: Double

    func interceptUnaryUnary<Request, Response>(
        _ continuation: (ClientCallDetails, Request) throws -> Future<Response>,
        _ clientCallDetails: ClientCallDetails, _ request: Request
    ) throws -> Future<Response> {
        var backoff = initialBackoff
        var attempt = 1
        while true {
            let outcome = try continuation(clientCallDetails, request)
            guard outcome.code() == .unavailable, attempt < maxAttempts else { return outcome }
            attempt += 1
            print(
                "[retry] \(clientCallDetails.method): \(outcome.code()), attempt \(attempt) of \(maxAttempts)"
                    + " in \(Int(backoff * 1000)) ms")
            Thread.sleep(forTimeInterval: backoff)
            backoff *= 2
        }
    }
}

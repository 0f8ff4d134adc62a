import GRPCSync
import InteropModel

/// The negative HTTP/2 cases of gRPC's doc/negative-http2-interop-test-descriptions.md: goaway,
/// rst_after_header, rst_during_data, rst_after_data, ping and max_streams. Each runs against a
/// server that misbehaves as the case asks (Tests/Peers/interop/http2_negative_server.py with the
/// same `--test_case`); against an ordinary server the rst_* cases fail.
///
/// Every call has a deadline of ``negativeCaseDeadline`` seconds, so that a server left waiting
/// (for a PING acknowledgement, or for a request on a new connection) ends the case instead of
/// hanging it.
extension InteropClient {
    /// Seconds each call of a negative case may take.
    static let negativeCaseDeadline = 20.0

    /// Two large_unary calls; the server sends a GOAWAY after answering the first, so the second
    /// must go out on a new connection without the application doing anything.
    func goAway(_ stub: Grpc_Testing_TestServiceStub) throws {
        for call in 1...2 {
            let response = try step("UnaryCall \(call)") {
                try stub.unaryCall(Self.largeUnaryRequest(), timeout: Self.negativeCaseDeadline, metadata: metadata())
            }
            try Self.checkPayload(response.payload, size: 314_159, "the response to UnaryCall \(call)")
        }
    }

    /// A large_unary call that the server resets with RST_STREAM(NO_ERROR) before its trailers:
    /// after the response headers, halfway through the response message, or after all of it.
    /// The call must fail; PROTOCOL-HTTP2.md maps NO_ERROR without a status to INTERNAL, and
    /// grpcio's client ends it so too.
    func resetByServer(_ stub: Grpc_Testing_TestServiceStub) throws {
        let error = try expectError(.internal, "UnaryCall reset by the server") {
            _ = try stub.unaryCall(Self.largeUnaryRequest(), timeout: Self.negativeCaseDeadline, metadata: metadata())
        }
        print("STATUS \(error.code.grpcName) \(error.details)")
    }

    /// A large_unary call while the server sends PINGs around the response headers and data; the
    /// server sends the trailers only once every PING has been acknowledged.
    func ping(_ stub: Grpc_Testing_TestServiceStub) throws {
        let response = try step("UnaryCall") {
            try stub.unaryCall(Self.largeUnaryRequest(), timeout: Self.negativeCaseDeadline, metadata: metadata())
        }
        try Self.checkPayload(response.payload, size: 314_159, "the UnaryCall response")
    }

    /// One large_unary call (which lets the server's SETTINGS_MAX_CONCURRENT_STREAMS of 1 arrive),
    /// then 10 at once: all must succeed, the client keeping to one stream at a time.
    func maxStreams(_ stub: Grpc_Testing_TestServiceStub) throws {
        let first = try step("the first UnaryCall") {
            try stub.unaryCall(Self.largeUnaryRequest(), timeout: Self.negativeCaseDeadline, metadata: metadata())
        }
        try Self.checkPayload(first.payload, size: 314_159, "the first UnaryCall response")
        let count = 10
        let futures = try step("starting \(count) UnaryCalls") {
            try (0..<count).map { _ in
                try stub.unaryCall.future(
                    Self.largeUnaryRequest(), timeout: Self.negativeCaseDeadline, metadata: metadata())
            }
        }
        for (i, future) in futures.enumerated() {
            let response = try step("UnaryCall \(i + 1) of \(count)") { try future.result() }
            try Self.checkPayload(response.payload, size: 314_159, "the response to UnaryCall \(i + 1) of \(count)")
        }
    }
}

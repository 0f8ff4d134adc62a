import Foundation
import GRPCSync
import InteropModel

/// The client side of gRPC's interop tests: runs one test case against an interop server and
/// throws an ``InteropFailure`` that says what differed when the server's behaviour is not the one
/// doc/interop-test-descriptions.md requires.
///
/// The cases are grouped by theme in the `InteropClient+…` files.
public struct InteropClient: Sendable {
    public let settings: InteropClientSettings

    public init(settings: InteropClientSettings) { self.settings = settings }

    /// Runs `testCase` on a new channel.
    public func run(_ testCase: InteropTestCase) throws {
        let channel = try makeChannel()
        defer { channel.close() }
        let stub = Grpc_Testing_TestServiceStub(channel)
        switch testCase {
        case .emptyUnary: try emptyUnary(stub)
        case .largeUnary: try largeUnary(stub)
        case .clientCompressedUnary: try clientCompressedUnary(stub)
        case .serverCompressedUnary: try serverCompressedUnary(stub)
        case .clientStreaming: try clientStreaming(stub)
        case .clientCompressedStreaming: try clientCompressedStreaming(stub)
        case .serverStreaming: try serverStreaming(stub)
        case .serverCompressedStreaming: try serverCompressedStreaming(stub)
        case .pingPong: try pingPong(stub)
        case .emptyStream: try emptyStream(stub)
        case .customMetadata: try customMetadata(stub)
        case .statusCodeAndMessage: try statusCodeAndMessage(stub)
        case .specialStatusMessage: try specialStatusMessage(stub)
        case .unimplementedMethod: try unimplementedMethod(stub)
        case .unimplementedService: try unimplementedService(channel)
        case .cancelAfterBegin: try cancelAfterBegin(stub)
        case .cancelAfterFirstResponse: try cancelAfterFirstResponse(stub)
        case .timeoutOnSleepingServer: try timeoutOnSleepingServer(stub)
        case .concurrentLargeUnary: try concurrentLargeUnary(stub)
        case .rpcSoak: try soak(stub, newChannelPerIteration: false)
        case .channelSoak: try soak(stub, newChannelPerIteration: true)
        case .goAway: try goAway(stub)
        case .rstAfterHeader, .rstDuringData, .rstAfterData: try resetByServer(stub)
        case .ping: try ping(stub)
        case .maxStreams: try maxStreams(stub)
        }
    }

    // MARK: helpers for the cases

    /// A channel to the server: with `--use_tls`, TLS trusting the test CA (`--use_test_ca`,
    /// `--ca_file`) and checking the certificate against `--server_host_override`, as gRPC's
    /// interop clients do; without, plaintext claiming `--server_host_override` as authority.
    func makeChannel() throws -> Channel {
        let host = settings.serverHost.contains(":") ? "[\(settings.serverHost)]" : settings.serverHost
        let target = settings.target ?? "\(host):\(settings.serverPort)"
        var options = settings.channelOptions
        guard settings.useTLS else {
            if let authority = settings.serverHostOverride {
                options.append(("grpc.default_authority", .string(authority)))
            }
            return insecureChannel(target, options: options)
        }
        if let name = settings.serverHostOverride {
            options.append(("grpc.ssl_target_name_override", .string(name)))
        }
        var roots: [UInt8]?
        if settings.useTestCA {
            roots = try InteropCertificates.read(settings.caFile ?? InteropCertificates.path("ca.pem"))
        }
        return secureChannel(target, sslChannelCredentials(rootCertificates: roots), options: options)
    }

    /// `--additional_metadata` followed by the case's own metadata.
    func metadata(_ own: Metadata = []) -> Metadata { settings.additionalMetadata + own }

    /// Runs one step of a case; an error it throws becomes a failure that names the step.
    func step<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as InteropFailure {
            throw failure
        } catch {
            throw InteropFailure("\(what) failed: \(Self.describe(error))")
        }
    }

    /// Runs a step that must fail with `code`; returns the error for further checks.
    @discardableResult
    func expectError(_ code: StatusCode, _ what: String, _ body: () throws -> Void) throws -> RPCError {
        do {
            try body()
        } catch let error as RPCError {
            try expect(error.code == code, "\(what) ended with \(Self.describe(error)), expected \(code.grpcName)")
            return error
        } catch {
            throw InteropFailure("\(what) failed with \(Self.describe(error)), expected \(code.grpcName)")
        }
        throw InteropFailure("\(what) succeeded, expected \(code.grpcName)")
    }

    /// Every response of a stream, up to its end.
    func readAll<Response>(_ responses: ResponseStream<Response>, _ what: String) throws -> [Response] {
        try step(what) {
            var all: [Response] = []
            while let response = try responses.next() { all.append(response) }
            return all
        }
    }

    /// An error on one line: `CODE "details"` for RPC errors.
    static func describe(_ error: Error) -> String {
        if let error = error as? RPCError { return "\(error.code.grpcName) \"\(error.details)\"" }
        return "\(error)"
    }

    // MARK: messages

    /// `size` zero bytes of type COMPRESSABLE.
    static func payload(size: Int) -> Grpc_Testing_Payload {
        var payload = Grpc_Testing_Payload()
        payload.type = .compressable
        payload.body = Data(count: size)
        return payload
    }

    /// Checks that a response payload is `size` zero bytes of type COMPRESSABLE.
    static func checkPayload(_ payload: Grpc_Testing_Payload, size: Int, _ what: String) throws {
        try expect(payload.type == .compressable, "\(what) has payload type \(payload.type), expected COMPRESSABLE")
        try expect(payload.body.count == size, "\(what) has a \(payload.body.count)-byte payload, expected \(size)")
        try expect(payload.body.allSatisfy { $0 == 0 }, "\(what) has a payload that is not all zeros")
    }

    /// The request of large_unary: a 314159-byte response for a 271828-byte payload.
    static func largeUnaryRequest() -> Grpc_Testing_SimpleRequest {
        var request = Grpc_Testing_SimpleRequest()
        request.responseType = .compressable
        request.responseSize = 314_159
        request.payload = payload(size: 271_828)
        return request
    }

    /// A streaming request asking for one response of each of `responseSizes`.
    static func streamingRequest(responseSizes: [Int], payloadSize: Int? = nil)
        -> Grpc_Testing_StreamingOutputCallRequest
    {
        var request = Grpc_Testing_StreamingOutputCallRequest()
        request.responseType = .compressable
        request.responseParameters = responseSizes.map { size in
            var parameters = Grpc_Testing_ResponseParameters()
            parameters.size = Int32(size)
            return parameters
        }
        if let payloadSize { request.payload = payload(size: payloadSize) }
        return request
    }

    static func boolValue(_ value: Bool) -> Grpc_Testing_BoolValue {
        var boolValue = Grpc_Testing_BoolValue()
        boolValue.value = value
        return boolValue
    }
}

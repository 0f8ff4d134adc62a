import Foundation
import XCTest

@testable import GRPCSync

/// The async server's interceptors (`grpc.aio.ServerInterceptor`): what a client sees of a server
/// given one, compared with grpcio's asyncio server given the same (`Tests/Peers/
/// aio_interceptor_server.py`, whose docstring says what the interceptor does); then what only
/// this runtime does.
final class AIOServerInterceptorTests: XCTestCase {
    private static let timeout = 10.0

    /// Every case, line by line. One line differs on purpose: an interceptor that throws ends the
    /// call UNKNOWN "Error in service handler!" (grpcio's blocking server's words), where grpc.aio
    /// says "Unexpected <class 'ValueError'>: boom" (docs/porting.md).
    func testInterceptedServerAsGrpcio() async throws {
        let grpcio = try PythonPeerServer(script: "aio_interceptor_server.py", ["--port", "0"])
        let server = try await Self.startServer(interceptors: [Wrapping()])
        defer { Task { await server.server.stop(grace: nil) } }

        let expected = try await Self.observe(grpcio.target).map {
            $0.replacingOccurrences(
                of: "Unexpected <class 'ValueError'>: boom", with: Status.errorInServiceHandler.details)
        }
        XCTAssertEqual(expected.count, 5)
        let observed = try await Self.observe("localhost:\(server.port)")
        XCTAssertEqual(observed, expected)
        XCTAssertEqual(
            observed.first, "Unary OK  x x-wrapped=yes,x-seen-method=/grpcsync.testing.TestService/Unary",
            "the wrapper ran around the handler")
    }

    /// An interceptor that awaits holds no worker: twenty calls whose interceptor waits for a
    /// gate, on a server with four dispatch workers, while another call is answered; then the
    /// twenty are answered once the gate opens.
    func testAnAwaitingInterceptorHoldsNoWorker() async throws {
        let gate = Gate()
        let server = try await Self.startServer(interceptors: [Gated(gate: gate)])
        defer { Task { await server.server.stop(grace: nil) } }
        let channel = AIO.insecureChannel("localhost:\(server.port)")
        defer { Task { await channel.close() } }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        let gated = (0..<20).map { index in
            Task { try await Self.call(unary, [UInt8(index)], metadata: [("x-gate", "1")]) }
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        let answered = try await Self.call(unary, [42], metadata: [])
        XCTAssertEqual(answered, [42])
        XCTAssertEqual(gate.waiting, 20)
        gate.open()
        for (index, task) in gated.enumerated() {
            let response = try await task.value
            XCTAssertEqual(response, [UInt8(index)])
        }
    }

    /// A wrapper that returns without proceeding ends the call with the code it set; a blocking
    /// wrapper around an async handler cannot run and ends the call UNKNOWN "Error in service
    /// handler!".
    func testWrappersThatDoNotProceedAndMismatchedWrappers() async throws {
        let server = try await Self.startServer(interceptors: [Refusing()])
        defer { Task { await server.server.stop(grace: nil) } }
        let channel = AIO.insecureChannel("localhost:\(server.port)")
        defer { Task { await channel.close() } }
        let unary = channel.unaryUnary(TestService.path("Unary"))
        for (mode, code, details) in [
            ("skip", StatusCode.permissionDenied, Status.behaviorNotRun.details),
            ("blocking", .unknown, Status.errorInServiceHandler.details),
        ] {
            let call = try unary.call([1], timeout: Self.timeout, metadata: [("x-mode", .text(mode))])
            let status = await (call.code(), call.details())
            XCTAssertEqual(status.0, code, mode)
            XCTAssertEqual(status.1, details, mode)
        }
    }

    // MARK: the cases, as a client sees them

    private static func observe(_ target: String) async throws -> [String] {
        let channel = AIO.insecureChannel(target)
        defer { Task { await channel.close() } }
        var lines: [String] = []
        for (method, metadata) in [
            ("Unary", Metadata()), ("Explode", []), ("Hidden", []), ("Missing", []), ("Unary", [("x-deny", "1")]),
        ] {
            let call = try channel.unaryUnary(TestService.path(method)).call(
                Array("x".utf8), timeout: timeout, metadata: metadata)
            let response = (try? await call.response).map { String(decoding: $0, as: UTF8.self) } ?? "-"
            let trailing = await call.trailingMetadata().filter { $0.key.hasPrefix("x-") }
                .map { "\($0.key)=\($0.value)" }
            lines.append(
                "\(method) \(await call.code().grpcName) \(await call.details()) \(response) "
                    + trailing.joined(separator: ","))
        }
        return lines
    }

    private static func startServer(interceptors: [any AIO.ServerInterceptor]) async throws -> (
        server: AIO.Server, port: Int
    ) {
        let echo = AIO.unaryUnaryRPCMethodHandler { (request: [UInt8], _) in request }
        let server = AIO.server(
            handlers: [
                methodHandlersGenericHandler(TestService.name, ["Unary": echo, "Explode": echo, "Hidden": echo])
            ], interceptors: interceptors)
        let port = try server.addInsecurePort("localhost:0")
        try await server.start()
        return (server, port)
    }

    private static func call(
        _ unary: AIO.UnaryUnaryMultiCallable<[UInt8], [UInt8]>, _ request: [UInt8], metadata: Metadata
    ) async throws -> [UInt8] {
        try await unary(request, timeout: timeout, metadata: metadata)
    }
}

// MARK: interceptors

/// aio_interceptor_server.py's interceptor.
private struct Wrapping: AIO.ServerInterceptor {
    func interceptService(
        _ continuation: (HandlerCallDetails) async throws -> RPCMethodHandler?, _ details: HandlerCallDetails
    ) async throws -> RPCMethodHandler? {
        let method = details.method
        if method.hasSuffix("/Explode") { throw CocoaError(.featureUnsupported) }
        if method.hasSuffix("/Hidden") { return nil }
        if details.invocationMetadata["x-deny"] != nil {
            return AIO.unaryUnaryRPCMethodHandler { (_: [UInt8], context) -> [UInt8] in
                try context.abort(.unauthenticated, "No token")
            }
        }
        return try await continuation(details)?.wrappingAsyncBehavior { context, proceed in
            try context.setTrailingMetadata([("x-wrapped", "yes"), ("x-seen-method", .text(method))])
            try await proceed()
        }
    }
}

/// Waits for the gate when the call's metadata has `x-gate`.
private struct Gated: AIO.ServerInterceptor {
    let gate: Gate

    func interceptService(
        _ continuation: (HandlerCallDetails) async throws -> RPCMethodHandler?, _ details: HandlerCallDetails
    ) async throws -> RPCMethodHandler? {
        if details.invocationMetadata["x-gate"] != nil { await gate.pass() }
        return try await continuation(details)
    }
}

/// `x-mode: skip`: a wrapper that sets PERMISSION_DENIED and does not proceed; `x-mode:
/// blocking`: a blocking wrapper, which cannot wrap the async handler.
private struct Refusing: AIO.ServerInterceptor {
    func interceptService(
        _ continuation: (HandlerCallDetails) async throws -> RPCMethodHandler?, _ details: HandlerCallDetails
    ) async throws -> RPCMethodHandler? {
        let handler = try await continuation(details)
        switch details.invocationMetadata["x-mode"] {
        case "skip": return handler?.wrappingAsyncBehavior { context, _ in context.setCode(.permissionDenied) }
        case "blocking": return handler?.wrappingBehavior { _, proceed in try proceed() }
        default: return handler
        }
    }
}

/// Tasks wait in `pass()` until `open()`.
private final class Gate: @unchecked Sendable {
    private let lock = NSLock()
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    var waiting: Int { lock.withLock { waiters.count } }

    func pass() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let passes: Bool = lock.withLock {
                if isOpen { return true }
                waiters.append(continuation)
                return false
            }
            if passes { continuation.resume() }
        }
    }

    func open() {
        let waiting: [CheckedContinuation<Void, Never>] = lock.withLock {
            isOpen = true
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume() }
    }
}

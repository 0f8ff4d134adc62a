import Foundation
import GRPCSync
import InteropModel
import TestProcesses
import XCTest

@testable import InteropTesting

/// Server features no client case of the interop descriptions calls — HalfDuplexCall,
/// CacheableUnaryCall, `interval_us`, echoed metadata on StreamingOutputCall — checked with the
/// Swift client against the Swift interop service and against the grpcio interop server alike.
final class InteropServerFeaturesTests: XCTestCase {
    func testHalfDuplexCallAnswersEveryRequestInOrder() throws {
        try forEachServer { stub, server in
            let requests = [[31_415, 9], [2_653]].map { InteropClient.streamingRequest(responseSizes: $0) }
            let stream = try stub.halfDuplexCall(requests, timeout: 30)
            var sizes: [Int] = []
            while let response = try stream.next() { sizes.append(response.payload.body.count) }
            XCTAssertEqual(sizes, [31_415, 9, 2_653], server)
        }
    }

    func testCacheableUnaryCallDiffersEachTimeAndAllowsCaching() throws {
        try forEachServer { stub, server in
            let (first, call) = try stub.cacheableUnaryCall.withCall(Grpc_Testing_SimpleRequest(), timeout: 30)
            let second = try stub.cacheableUnaryCall(Grpc_Testing_SimpleRequest(), timeout: 30)
            XCTAssertNotEqual(first.payload.body, second.payload.body, server)
            XCTAssertEqual(call.initialMetadata()["cache-control"], "max-age=60, public", server)
        }
    }

    func testStreamingOutputCallWithIntervalsAndEchoedMetadata() throws {
        try forEachServer { stub, server in
            var request = InteropClient.streamingRequest(responseSizes: [1, 2, 3])
            for i in request.responseParameters.indices { request.responseParameters[i].intervalUs = 20_000 }
            let metadata: Metadata = [
                (InteropTestService.echoInitialKey, "x"), (InteropTestService.echoTrailingKey, .binary([1, 2])),
            ]
            let stream = try stub.streamingOutputCall(request, timeout: 30, metadata: metadata)
            var sizes: [Int] = []
            while let response = try stream.next() { sizes.append(response.payload.body.count) }
            XCTAssertEqual(sizes, [1, 2, 3], server)
            XCTAssertEqual(stream.initialMetadata()[InteropTestService.echoInitialKey], "x", server)
            XCTAssertEqual(stream.trailingMetadata().binary(InteropTestService.echoTrailingKey), [1, 2], server)
        }
    }

    /// Runs `body` with a stub of the Swift interop service, then of the grpcio interop server,
    /// and the name of the server ("Swift server", "grpcio server").
    /// interop-server serves health and reflection: grpcio's clients
    /// (Tests/Peers/examples/health_reflection_client.py) find the test service, health and
    /// reflection listed and every one SERVING.
    func testInteropServerServesHealthAndReflection() throws {
        let server = try ChildProcess(InteropPrograms.program("interop-server"), ["--port=0"])
        defer { server.terminate() }
        let port = try server.waitForPort(prefix: "interop-server listening on port ")
        let (status, output) = try ChildProcess.run(
            Repository.python,
            [Repository.path("Tests/Peers/examples/health_reflection_client.py"), "--target", "localhost:\(port)"],
            timeout: 60)
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(
            output,
            """
            SERVICES grpc.health.v1.Health,grpc.reflection.v1alpha.ServerReflection,grpc.testing.TestService
            HEALTH - SERVING
            HEALTH grpc.health.v1.Health SERVING
            HEALTH grpc.reflection.v1alpha.ServerReflection SERVING
            HEALTH grpc.testing.TestService SERVING

            """)
    }

    private func forEachServer(_ body: (Grpc_Testing_TestServiceStub, String) throws -> Void) throws {
        let server = Server(ThreadPoolExecutor(maxWorkers: 8))
        addTestServiceServicerToServer(InteropTestService(), server)
        let port = try server.addInsecurePort("localhost:0")
        try server.start()
        defer { server.stop(grace: nil).wait(timeout: 10) }
        let grpcio = try GRPCIOInteropServer()
        defer { grpcio.stop() }
        for (name, target) in [("Swift server", "localhost:\(port)"), ("grpcio server", "localhost:\(grpcio.port)")] {
            let channel = insecureChannel(target)
            defer { channel.close() }
            XCTAssertNoThrow(try body(Grpc_Testing_TestServiceStub(channel), name), name)
        }
    }
}

/// Tests/Peers/interop/interop_server.py on a free port, running until ``stop()``.
final class GRPCIOInteropServer {
    private let process: ChildProcess
    let port: Int

    init() throws {
        process = try ChildProcess(
            Repository.python, [Repository.path("Tests/Peers/interop/interop_server.py"), "--port=0"])
        port = try process.waitForPort(prefix: "interop_server.py listening on port ")
    }

    func stop() { process.terminate() }
}

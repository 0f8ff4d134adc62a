import Foundation
import GRPCSync
import GRPCSyncReflection
import GeneratedGolden
import GeneratedHelloWorld
import SwiftProtobuf
import TestProcesses
import XCTest

/// Server reflection against grpcio-reflection: its own client (`ProtoReflectionDescriptorDatabase`
/// feeding a `DescriptorPool`, and raw requests, Tests/Peers/reflection_peer.py) asks the Swift
/// server and a grpcio server serving the same golden services (route_guide.proto,
/// imported.proto, extensions.proto) the same questions, and the answers are compared.
final class ReflectionTests: XCTestCase {
    /// The golden services with reflection, as a user writes it: the registration functions and
    /// `enableServerReflection`.
    private func startSwiftServer() throws -> (GRPCSync.Server, target: String) {
        let server = GRPCSync.Server(ThreadPoolExecutor(maxWorkers: 4))
        addRouteGuideServicerToServer(Golden_RouteGuideServicer(), server)
        addImportedServicerToServer(Golden_Imported_ImportedServicer(), server)
        addTaggerServicerToServer(Golden_Extensions_TaggerServicer(), server)
        enableServerReflection(
            [
                Golden_RouteGuideMethods.serviceName, Golden_Imported_ImportedMethods.serviceName,
                Golden_Extensions_TaggerMethods.serviceName, reflectionServiceName,
            ], server)
        let port = try server.addInsecurePort("[::]:0")
        try server.start()
        return (server, "localhost:\(port)")
    }

    /// The same services on an async server (`AIO.server`), their generated async servicers
    /// registered, with reflection served by async handlers.
    private func startAsyncServer() async throws -> (AIO.Server, target: String) {
        let server = AIO.server()
        addRouteGuideServicerToServer(Golden_RouteGuideAsyncServicer(), server)
        addImportedServicerToServer(Golden_Imported_ImportedAsyncServicer(), server)
        addTaggerServicerToServer(Golden_Extensions_TaggerAsyncServicer(), server)
        enableServerReflection(
            [
                Golden_RouteGuideMethods.serviceName, Golden_Imported_ImportedMethods.serviceName,
                Golden_Extensions_TaggerMethods.serviceName, reflectionServiceName,
            ], server)
        let port = try server.addInsecurePort("[::]:0")
        try await server.start()
        return (server, "localhost:\(port)")
    }

    /// What reflection_peer.py's client prints for `target`, as JSON.
    private func ask(_ target: String, version: String) throws -> NSDictionary {
        let (status, output) = try ChildProcess.run(
            Repository.python,
            [Repository.path("Tests/Peers/reflection_peer.py"), "client", "--target", target, "--version", version],
            timeout: 120)
        XCTAssertEqual(status, 0, output)
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try XCTUnwrap(object as? NSDictionary, output)
    }

    private func grpcioAnswers() throws -> NSDictionary {
        let process = try ChildProcess(
            Repository.python, [Repository.path("Tests/Peers/reflection_peer.py"), "server"], keepsInputOpen: true)
        defer {
            process.closeInput()
            if !process.waitUntilExit(timeout: 5) { process.terminate() }
        }
        let port = try process.waitForPort(prefix: "PORT ")
        return try ask("localhost:\(port)", version: "v1alpha")
    }

    /// grpcio's answers, with the one difference (docs/porting.md) made: a method is a symbol here,
    /// as in grpc C++, Java and Go; grpcio's descriptor pool does not find methods.
    private func expectedAnswers() throws -> NSMutableDictionary {
        let expected = try XCTUnwrap(grpcioAnswers().mutableCopy() as? NSMutableDictionary)
        let requests = try XCTUnwrap((expected["requests"] as? NSDictionary)?.mutableCopy() as? NSMutableDictionary)
        XCTAssertEqual(requests["symbol golden.RouteGuide.GetFeature"] as? NSDictionary, ["error": [5, "not found"]])
        requests["symbol golden.RouteGuide.GetFeature"] = ["files": ["route_guide.proto", "messages.proto"]]
        expected["requests"] = requests
        return expected
    }

    /// The answers of the server at `target`, v1alpha and v1, are `expected`.
    private func assertAnswers(_ target: String, _ expected: NSDictionary) throws {
        for version in ["v1alpha", "v1"] {
            let answers = try ask(target, version: version)
            for key in expected.allKeys as! [String] {
                XCTAssertEqual(answers[key] as? NSObject, expected[key] as? NSObject, "\(version): \(key)")
            }
            XCTAssertEqual(answers.allKeys.count, expected.allKeys.count, "\(version)")
        }
    }

    func testSwiftServerAnswersAsGrpcioDoes() throws {
        let expected = try expectedAnswers()
        let (server, target) = try startSwiftServer()
        defer { _ = server.stop(grace: nil) }
        try assertAnswers(target, expected)
    }

    /// `enableServerReflection` on an async server answers as on a blocking one
    /// (grpcio-reflection's `enable_server_reflection` given a grpc.aio server).
    func testAsyncServerAnswersAsGrpcioDoes() async throws {
        let expected = try expectedAnswers()
        let (server, target) = try await startAsyncServer()
        try assertAnswers(target, expected)
        await server.stop(grace: nil)
    }

    /// grpcio-reflection serves v1alpha only, so the v1 answers above are compared with its v1alpha ones.
    func testGrpcioServesNoV1() throws {
        let process = try ChildProcess(
            Repository.python, [Repository.path("Tests/Peers/reflection_peer.py"), "server"], keepsInputOpen: true)
        defer {
            process.closeInput()
            if !process.waitUntilExit(timeout: 5) { process.terminate() }
        }
        let port = try process.waitForPort(prefix: "PORT ")
        let answers = try ask("localhost:\(port)", version: "v1")
        XCTAssertEqual(answers["rpc_error"] as? [String], ["UNIMPLEMENTED", "Method not found!"])
    }

    /// The registration functions give the server their file and its imports: from this module
    /// (messages.proto), from another (helloworld.proto, GeneratedHelloWorld) and well-known types.
    func testGeneratedRegistrationAddsTheFilesAndTheirImports() throws {
        let server = GRPCSync.Server(ThreadPoolExecutor(maxWorkers: 1))
        addImportedServicerToServer(Golden_Imported_ImportedServicer(), server)
        addRouteGuideServicerToServer(Golden_RouteGuideServicer(), server)
        addEchoServicerToServer(Golden_EchoServicer(), server)  // the same file again
        let files = server.fileDescriptors
        XCTAssertEqual(
            files.map(\.name),
            [
                "imported.proto", "google/protobuf/empty.proto", "helloworld.proto", "route_guide.proto",
                "messages.proto",
            ])
        for file in files {
            let proto = try Google_Protobuf_FileDescriptorProto(serializedBytes: file.serializedProto)
            XCTAssertEqual(proto.name, file.name)
            XCTAssertEqual(proto.dependency, file.dependencies.map(\.name))
            XCTAssertFalse(proto.hasSourceCodeInfo)
        }
        XCTAssertEqual(
            try Google_Protobuf_FileDescriptorProto(serializedBytes: fileDescriptor_route_guide_proto.serializedProto)
                .service.map(\.name), ["RouteGuide", "Echo", "Legacy"])
        XCTAssertEqual(GeneratedHelloWorld.fileDescriptor_helloworld_proto.name, "helloworld.proto")
    }

    /// Files are read when a reflection stream opens, so one added after `enableServerReflection`
    /// is found (one whose bytes do not parse is left out: NOT_FOUND); the servicers hold the
    /// server weakly, so it is still freed.
    func testFilesAddedLaterAreFoundAndTheServerIsFreed() throws {
        weak var weakServer: GRPCSync.Server?
        try {
            let server = GRPCSync.Server(ThreadPoolExecutor(maxWorkers: 2))
            weakServer = server
            enableServerReflection([], server)
            server.addFileDescriptor(GeneratedGolden.fileDescriptor_extensions_proto)
            // Bytes that are no FileDescriptorProto: the file is left out, the others still served.
            server.addFileDescriptor(SerializedFileDescriptor(name: "bad.proto", serializedProto: [0xFF, 0xFF]))
            let port = try server.addInsecurePort("[::]:0")
            try server.start()
            let channel = insecureChannel("localhost:\(port)")
            defer { channel.close() }
            let stub = Grpc_Reflection_V1_ServerReflectionStub(channel)
            let requests = [
                Grpc_Reflection_V1_ServerReflectionRequest.with {
                    $0.fileContainingSymbol = "golden.extensions.Holder"
                },
                .with { $0.fileByFilename = "grpc/reflection/v1/reflection.proto" },
                .with { $0.fileByFilename = "route_guide.proto" },
                .with { $0.fileByFilename = "bad.proto" },
            ]
            var responses: [Grpc_Reflection_V1_ServerReflectionResponse] = []
            let stream = try stub.serverReflectionInfo(requests, timeout: 10)
            while let response = try stream.next() { responses.append(response) }
            XCTAssertEqual(responses.map(\.originalRequest), requests)
            XCTAssertEqual(
                responses[0].fileDescriptorResponse.fileDescriptorProto.map {
                    try! Google_Protobuf_FileDescriptorProto(serializedBytes: $0).name
                }, ["extensions.proto", "messages.proto"])
            XCTAssertEqual(responses[1].fileDescriptorResponse.fileDescriptorProto.count, 1)
            for response in responses[2...] {
                XCTAssertEqual(
                    response.errorResponse,
                    .with {
                        $0.errorCode = 5
                        $0.errorMessage = "not found"
                    })
            }
            XCTAssertTrue(server.stop(grace: nil).wait(timeout: 10))
        }()
        // The last worker and loop references go just after the stop's event is set.
        let deadline = Date().addingTimeInterval(5)
        while weakServer != nil, Date() < deadline { usleep(10_000) }
        XCTAssertNil(weakServer)
    }
}

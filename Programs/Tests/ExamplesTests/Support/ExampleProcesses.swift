import Foundation
import TestProcesses

/// Where the examples' pieces are: the repository, the built example executables (next to the
/// test binary, as this test target depends on them) and the grpcio peers in Tests/Peers/examples.
enum Examples {
    static var python: String { Repository.python }

    /// A Swift example executable, e.g. `route-guide-server`.
    static func executable(_ name: String) -> String { Repository.binDirectory.appendingPathComponent(name).path }

    /// A grpcio peer script, e.g. `route_guide_server.py`.
    static func peer(_ name: String) -> String {
        Repository.path("Tests/Peers/examples/\(name)")
    }

    /// The directory with the Python modules grpcio-tools generates from the examples' protos
    /// (`route_guide_pb2.py`, `route_guide_pb2_grpc.py`, …): a temporary directory, generated once
    /// per test run and removed when the tests exit.
    static let pythonStubs = Result<URL, any Error> {
        let directory = pythonStubsDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Examples.pythonStubsDirectory) }
        let protoc = try ChildProcess(
            python,
            [
                "-m", "grpc_tools.protoc", "-I", "protos", "--python_out=\(directory.path)",
                "--grpc_python_out=\(directory.path)", "protos/route_guide.proto", "protos/dispatcher.proto",
                "protos/user_service.proto", "protos/helloworld.proto",
            ])
        let (status, output) = protoc.waitForExit(timeout: 120)
        guard status == 0 else { throw ChildProcessFailure("grpc_tools.protoc failed (status \(status)):\n\(output)") }
        return directory
    }

    private static let pythonStubsDirectory = FileManager.default.temporaryDirectory
        .appendingPathComponent("grpc-sync-example-stubs-\(UUID().uuidString)")

    /// The environment of a grpcio peer: this one, with the generated modules on PYTHONPATH.
    static func pythonEnvironment() throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = try pythonStubs.get().path
        return environment
    }

    /// A Swift example server, launched as `swift run` would from the repository root.
    static func swiftServer(_ name: String, _ arguments: [String] = []) throws -> ExampleServer {
        try ExampleServer(executable(name), arguments)
    }

    /// A grpcio peer server, launched from the repository root.
    static func grpcioServer(_ script: String, _ arguments: [String] = []) throws -> ExampleServer {
        try ExampleServer(python, [peer(script)] + arguments, environment: pythonEnvironment())
    }

    /// Runs a Swift example client against `target` and returns what it printed.
    static func runSwiftClient(_ name: String, target: String, _ arguments: [String] = []) throws -> String {
        try runClient(ChildProcess(executable(name), ["--target", target] + arguments))
    }

    /// Runs a grpcio peer client against `target` and returns what it printed.
    static func runGRPCIOClient(_ script: String, target: String) throws -> String {
        try runClient(ChildProcess(python, [peer(script), "--target", target], environment: pythonEnvironment()))
    }

    /// What grpcio's reflection and health clients find on a server that serves `services`
    /// (health_reflection_client.py): the services with health and reflection listed, and every
    /// one SERVING, as the example servers set them.
    static func expectedHealthAndReflection(_ services: [String]) -> String {
        let all = (services + ["grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"]).sorted()
        return (["SERVICES " + all.joined(separator: ","), "HEALTH - SERVING"] + all.map { "HEALTH \($0) SERVING" })
            .joined(separator: "\n") + "\n"
    }

    /// Asks `target` what health_reflection_client.py asks and returns what it printed.
    static func askHealthAndReflection(_ target: String) throws -> String {
        try runClient(ChildProcess(python, [peer("health_reflection_client.py"), "--target", target]))
    }

    private static func runClient(_ client: ChildProcess) throws -> String {
        let (status, output) = client.waitForExit(timeout: 120)
        guard status == 0 else { throw ChildProcessFailure("\(client.name) failed (status \(status)):\n\(output)") }
        return output
    }
}

/// An example server (Swift or grpcio) on a free port, running while the object lives. It is
/// started with `--port 0` and reports its port as `Server started, listening on <port>`.
final class ExampleServer {
    let process: ChildProcess
    let port: Int

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        process = try ChildProcess(executable, arguments + ["--port", "0"], environment: environment)
        port = try process.waitForPort(prefix: "Server started, listening on ")
    }

    var target: String { "localhost:\(port)" }

    deinit { process.terminate() }
}

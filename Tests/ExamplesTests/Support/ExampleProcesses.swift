import Foundation

/// Where the examples' pieces are: the repository, the built example executables (next to the
/// test binary, as this test target depends on them) and the grpcio peers in Tests/Peers/examples.
enum Examples {
    static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    /// The build products directory (`swift build --show-bin-path`).
    static let binDirectory: URL = {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var url = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        // On macOS the test binary is inside `X.xctest/Contents/MacOS`.
        while url.path.contains(".xctest") { url.deleteLastPathComponent() }
        return url
    }()

    static var python: String {
        ProcessInfo.processInfo.environment["GRPCSYNC_PYTHON"]
            ?? repoRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// A Swift example executable, e.g. `route-guide-server`.
    static func executable(_ name: String) -> String { binDirectory.appendingPathComponent(name).path }

    /// A grpcio peer script, e.g. `route_guide_server.py`.
    static func peer(_ name: String) -> String {
        repoRoot.appendingPathComponent("Tests/Peers/examples/\(name)").path
    }

    /// The directory with the Python modules grpcio-tools generates from the examples' protos
    /// (`route_guide_pb2.py`, `route_guide_pb2_grpc.py`, …): a temporary directory, generated once
    /// per test run and removed when the tests exit.
    static let pythonStubs = Result<URL, any Error> {
        let directory = pythonStubsDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Examples.pythonStubsDirectory) }
        let protoc = try LaunchedProcess(
            python,
            [
                "-m", "grpc_tools.protoc", "-I", "protos", "--python_out=\(directory.path)",
                "--grpc_python_out=\(directory.path)", "protos/route_guide.proto", "protos/dispatcher.proto",
                "protos/user_service.proto",
            ])
        let (status, output) = protoc.waitForExit(timeout: 120)
        guard status == 0 else { throw ExampleFailure("grpc_tools.protoc failed (status \(status)):\n\(output)") }
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
    static func runSwiftClient(_ name: String, target: String) throws -> String {
        try runClient(LaunchedProcess(executable(name), ["--target", target]))
    }

    /// Runs a grpcio peer client against `target` and returns what it printed.
    static func runGRPCIOClient(_ script: String, target: String) throws -> String {
        try runClient(LaunchedProcess(python, [peer(script), "--target", target], environment: pythonEnvironment()))
    }

    private static func runClient(_ client: LaunchedProcess) throws -> String {
        let (status, output) = client.waitForExit(timeout: 120)
        guard status == 0 else { throw ExampleFailure("\(client.name) failed (status \(status)):\n\(output)") }
        return output
    }
}

/// A failure of an example process, with what it printed.
struct ExampleFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An example server (Swift or grpcio) on a free port, running while the object lives. It is
/// started with `--port 0` and reports its port as `Server started, listening on <port>`.
final class ExampleServer {
    let process: LaunchedProcess
    let port: Int

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        process = try LaunchedProcess(executable, arguments + ["--port", "0"], environment: environment)
        let prefix = "Server started, listening on "
        guard let line = process.waitForLine(prefix: prefix, timeout: 60),
            let port = Int(line.dropFirst(prefix.count))
        else {
            process.terminate()
            throw ExampleFailure("\(process.name) did not report its port:\n\(process.output())")
        }
        self.port = port
    }

    var target: String { "localhost:\(port)" }

    deinit { process.terminate() }
}

/// A process started in the repository root whose stdout and stderr are collected.
final class LaunchedProcess: @unchecked Sendable {  // `lock` protects `data`; `process` is thread-safe
    let name: String
    private let process = Process()
    private let lock = NSLock()
    private var data = Data()
    private let exited = DispatchSemaphore(value: 0)
    private let drained = DispatchSemaphore(value: 0)

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        name = URL(fileURLWithPath: arguments.first(where: { $0.hasSuffix(".py") }) ?? executable).lastPathComponent
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = Examples.repoRoot
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
        let handle = pipe.fileHandleForReading
        // Read on a thread of its own so the child never blocks on a full pipe.
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock { data.append(chunk) }
            }
            drained.signal()
        }
    }

    /// What the process printed so far.
    func output() -> String { lock.withLock { String(decoding: data, as: UTF8.self) } }

    /// Waits up to `timeout` seconds for a line starting with `prefix`; returns the whole line.
    func waitForLine(prefix: String, timeout: Double) -> String? {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            let lines = output().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if let line = lines.first(where: { $0.hasPrefix(prefix) }) { return String(line) }
            if !process.isRunning { return nil }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    /// Waits up to `timeout` seconds for the process to exit (killing it after that); returns its
    /// exit status (-1 when it was killed) and all it printed.
    func waitForExit(timeout: Double) -> (Int32, String) {
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            terminate()
            _ = drained.wait(timeout: .now() + 10)
            return (-1, output() + "\n[killed after \(timeout) s]")
        }
        _ = drained.wait(timeout: .now() + 10)
        return (process.terminationStatus, output())
    }

    /// Stops the process (SIGTERM) and waits for it.
    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

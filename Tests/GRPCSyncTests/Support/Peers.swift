import Foundation
import GRPCSync
import TestProcesses
import XCTest

/// The grpcio peers in Tests/Peers.
enum Peers {
    static func script(_ name: String) -> String { Repository.path("Tests/Peers/\(name)") }

    /// Runs a peer script to completion (bounded by `timeout`); returns exit status and output.
    static func run(_ script: String, _ arguments: [String], timeout: Double = 120) throws -> (Int32, String) {
        let (status, output) = try ChildProcess.run(
            Repository.python, [Peers.script(script)] + arguments, timeout: timeout)
        return (status, output)
    }

    /// The cases of `Tests/Peers/<file>` (a JSON list of objects, each with a `name`).
    static func cases(_ file: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: script(file)))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    }

    /// Runs a peer script that prints one line per case, each starting with the case's name, and
    /// returns those lines (a grpcio peer's own log lines are left out); fails the test when the
    /// script fails or a case has no line.
    static func caseLines(_ script: String, _ arguments: [String], names: [String]) throws -> [String] {
        let (status, output) = try run(script, arguments)
        XCTAssertEqual(status, 0, output)
        let known = Set(names)
        let lines = output.split(separator: "\n").map(String.init).filter {
            known.contains(String($0.prefix { $0 != " " }))
        }
        XCTAssertEqual(lines.count, names.count, output)
        return lines
    }

    /// The names a peer script prints with `--list` (its scenarios, cases or modes), one a line.
    /// Throws when the script fails or lists nothing, so that a test never runs an empty list.
    static func list(_ script: String) throws -> [String] {
        let (status, output) = try run(script, ["--list"], timeout: 60)
        let names = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard status == 0, !names.isEmpty else {
            throw ChildProcessFailure(
                "\(script) --list exited with \(status) and listed \(names.count) names:\n\(output)")
        }
        return names
    }
}

/// A Python server from Tests/Peers that prints `PORT <n>` once it listens and serves until its
/// stdin closes: peer_server.py (grpcio) by default, or fake_h2_server.py.
final class PythonPeerServer: @unchecked Sendable {
    let process: ChildProcess
    let port: Int

    /// peer_server.py on a free port, with `arguments` added.
    convenience init(arguments: [String] = []) throws {
        try self.init(script: "peer_server.py", ["--port", "0"] + arguments)
    }

    init(script: String, _ arguments: [String]) throws {
        process = try ChildProcess(Repository.python, [Peers.script(script)] + arguments, keepsInputOpen: true)
        port = try process.waitForPort(prefix: "PORT ")
    }

    /// fake_h2_server.py in one mode (Tests/Peers/fake_h2_server.py lists them).
    static func fakeH2(mode: String) throws -> PythonPeerServer {
        try PythonPeerServer(script: "fake_h2_server.py", [mode])
    }

    /// Calls grpcio's `server.stop(grace)`; the returned closure waits for its event.
    func stop(grace: Double) -> (Double) -> Bool {
        process.send("stop \(grace)\n")
        return { [process] timeout in process.waitForLine(prefix: "STOPPED", timeout: timeout) != nil }
    }

    var target: String { "localhost:\(port)" }

    /// Closes stdin, which stops the server; SIGTERM and SIGKILL follow if it does not.
    func stop() {
        process.closeInput()
        if !process.waitUntilExit(timeout: 5) { process.terminate() }
    }

    deinit { stop() }
}

/// A Swift server with the test service, on a free port.
final class SwiftTestServer: @unchecked Sendable {
    let server: Server
    let port: Int

    init(
        options: [(String, OptionValue)] = [], interceptors: [any ServerInterceptor] = [],
        maximumConcurrentRPCs: Int? = nil, workers: Int = 16, compression: Compression? = nil
    ) throws {
        server = Server(
            ThreadPoolExecutor(maxWorkers: workers), handlers: [TestService.handler()], interceptors: interceptors,
            options: options, maximumConcurrentRPCs: maximumConcurrentRPCs, compression: compression)
        port = try server.addInsecurePort("[::]:0")
        try server.start()
    }

    var target: String { "localhost:\(port)" }

    deinit { server.stop(grace: nil).wait(timeout: 10) }
}

import Foundation
import TestProcesses

/// Tests/Peers/greeter.py, the grpcio Greeter of protos/helloworld.proto, run with the venv's Python.
enum GreeterPeer {
    static var script: String { Repository.path("Tests/Peers/greeter.py") }

    /// `greeter.py client TARGET NAME`: its exit status and output (stdout and stderr).
    static func call(target: String, name: String) throws -> (Int32, String) {
        let (status, output) = try ChildProcess.run(Repository.python, [script, "client", target, name])
        return (status, output)
    }
}

/// `greeter.py server`, running while the object lives; it stops when its stdin closes.
final class GreeterPeerServer {
    private let process: ChildProcess
    let port: Int

    init() throws {
        process = try ChildProcess(Repository.python, [GreeterPeer.script, "server"], keepsInputOpen: true)
        port = try process.waitForPort(prefix: "PORT ")
    }

    func stop() {
        process.closeInput()
        if !process.waitUntilExit(timeout: 5) { process.terminate() }
    }

    deinit { stop() }
}

import Foundation

/// Runs Tests/Peers/greeter.py, the grpcio Greeter of protos/helloworld.proto, with the venv's Python.
enum GreeterPeer {
    static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    static var python: String {
        ProcessInfo.processInfo.environment["GRPCSYNC_PYTHON"]
            ?? repoRoot.appendingPathComponent(".venv/bin/python").path
    }

    static func process(_ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repoRoot.appendingPathComponent("Tests/Peers/greeter.py").path] + arguments
        return process
    }

    /// `greeter.py client TARGET NAME`: its exit status and output (stdout and stderr).
    static func call(target: String, name: String) throws -> (Int32, String) {
        let process = process(["client", target, name])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Read to the end before waiting so a full pipe cannot block the child.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// `greeter.py server`, running while the object lives; it stops when its stdin closes.
final class GreeterPeerServer {
    private let process = GreeterPeer.process(["server"])
    private let stdin = Pipe()
    let port: Int

    init() throws {
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // The first line is "PORT <n>"; reading ends early if the process exits first.
        var line = Data()
        while true {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            process.waitUntilExit()
            throw GreeterPeerError(description: "greeter.py server did not report its port: \"\(text)\"")
        }
        self.port = port
    }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { stop() } }
}

struct GreeterPeerError: Error, CustomStringConvertible {
    let description: String
}

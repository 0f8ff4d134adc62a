import Foundation
import GRPCSync
import XCTest

/// Paths and processes for the grpcio peers in Tests/Peers.
enum Peers {
    static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    static var python: String {
        ProcessInfo.processInfo.environment["GRPCSYNC_PYTHON"]
            ?? repoRoot.appendingPathComponent(".venv/bin/python").path
    }

    static func script(_ name: String) -> String { repoRoot.appendingPathComponent("Tests/Peers/\(name)").path }

    /// Runs a peer script to completion (bounded by `timeout`); returns exit status and output.
    static func run(_ script: String, _ arguments: [String], timeout: Double = 120) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Peers.script(script)] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let collected = OutputCollector(output.fileHandleForReading)
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            process.waitUntilExit()
            return (-1, collected.text() + "\n[timed out after \(timeout) s]")
        }
        return (process.terminationStatus, collected.text())
    }
}

/// Collects a pipe's output on a background thread so the child never blocks on a full pipe.
final class OutputCollector: @unchecked Sendable {  // `lock` protects `data`
    private let lock = NSLock()
    private var data = Data()
    private let finished = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock { data.append(chunk) }
            }
            finished.signal()
        }
    }

    func text() -> String {
        _ = finished.wait(timeout: .now() + 5)
        return lock.withLock { String(decoding: data, as: UTF8.self) }
    }

    /// Waits up to `timeout` seconds for `line` to appear in the output so far.
    func waitFor(line: String, timeout: Double) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if lock.withLock({ String(decoding: data, as: UTF8.self) }).contains(line + "\n") { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }
}

/// A grpcio server from Tests/Peers/peer_server.py, running while the object lives.
final class PythonPeerServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let stdin = Pipe()
    private let output: OutputCollector

    init(arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: Peers.python)
        process.arguments = [Peers.script("peer_server.py"), "--port", "0"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = stdin
        try process.run()
        // The first line is "PORT <n>".
        var line = Data()
        let handle = pipe.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            output = OutputCollector(handle)
            throw UsageError("peer_server.py did not report its port: \"\(text)\"")
        }
        self.port = port
        output = OutputCollector(handle)
    }

    /// Calls grpcio's `server.stop(grace)`; the returned closure waits for its event.
    func stop(grace: Double) -> (Double) -> Bool {
        stdin.fileHandleForWriting.write(Data("stop \(grace)\n".utf8))
        return { [output] timeout in output.waitFor(line: "STOPPED", timeout: timeout) }
    }

    var target: String { "localhost:\(port)" }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { stop() } }
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

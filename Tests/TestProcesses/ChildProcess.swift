import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A process a test starts: a peer server or client, a tool, a build. Its stdout and stderr go to
/// one pipe that a thread of its own reads, so the child never blocks on a full pipe and never
/// holds the test process's own output open: a child that outlives the tests must not keep the
/// test runner waiting for the end of that output.
///
/// Every wait is bounded; ``terminate()`` escalates from SIGTERM to SIGKILL.
public final class ChildProcess: @unchecked Sendable {  // `lock` protects `data`; `process` is thread-safe
    /// The program's file name (the script's, for an interpreter), for messages.
    public let name: String
    private let process = Process()
    private let input: Pipe?
    private let lock = NSLock()
    private var data = Data()
    private let exited = DispatchGroup()
    private let drained = DispatchGroup()

    /// Starts `executable` in `directory`. With `keepsInputOpen` its stdin is a pipe that
    /// ``send(_:)`` writes to and ``closeInput()`` closes; otherwise it reads from /dev/null.
    public init(
        _ executable: String, _ arguments: [String], directory: URL = Repository.root,
        environment: [String: String]? = nil, keepsInputOpen: Bool = false
    ) throws {
        let script = arguments.first(where: { $0.hasSuffix(".py") })
        name = URL(fileURLWithPath: script ?? executable).lastPathComponent
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if let environment { process.environment = environment }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        input = keepsInputOpen ? Pipe() : nil
        process.standardInput = input ?? FileHandle.nullDevice
        exited.enter()
        process.terminationHandler = { [exited] _ in exited.leave() }
        do {
            try process.run()
        } catch {
            exited.leave()
            throw error
        }
        let handle = output.fileHandleForReading
        drained.enter()
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock { data.append(chunk) }
            }
            drained.leave()
        }
    }

    deinit { terminate() }

    /// Runs `executable` to its end, at most `timeout` seconds (then it is killed); returns its
    /// exit status (-1 when killed) and all it printed.
    public static func run(
        _ executable: String, _ arguments: [String], directory: URL = Repository.root,
        environment: [String: String]? = nil, timeout: Double = 120
    ) throws -> (status: Int32, output: String) {
        try ChildProcess(executable, arguments, directory: directory, environment: environment)
            .waitForExit(timeout: timeout)
    }

    /// The first executable called `name` in the `:`-separated `path`, by default this process's PATH.
    public static func executable(named name: String, path: String? = nil) -> URL? {
        let path = path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    public var isRunning: Bool { process.isRunning }

    /// The process's id (for /proc/<id>/…).
    public var processIdentifier: Int32 { process.processIdentifier }

    /// What the process printed so far, stdout and stderr interleaved.
    public func output() -> String { lock.withLock { String(decoding: data, as: UTF8.self) } }

    /// Waits up to `timeout` seconds for a whole line starting with `prefix`; returns that line, or
    /// nil when the time passes or the process exits first.
    public func waitForLine(prefix: String, timeout: Double) -> String? {
        let end = Date().addingTimeInterval(timeout)
        while true {
            let lines = output().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if let line = lines.first(where: { $0.hasPrefix(prefix) }) { return String(line) }
            if Date() >= end || exited.wait(timeout: .now()) == .success { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        // The process may have printed the line just before it exited.
        _ = drained.wait(timeout: .now() + 1)
        let lines = output().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        return lines.first(where: { $0.hasPrefix(prefix) }).map(String.init)
    }

    /// Waits for the line `<prefix><port>` a server prints once it listens; returns the port. When
    /// none comes within `timeout` seconds, stops the process and throws what it printed.
    public func waitForPort(prefix: String, timeout: Double = 60) throws -> Int {
        if let line = waitForLine(prefix: prefix, timeout: timeout), let port = Int(line.dropFirst(prefix.count)) {
            return port
        }
        terminate()
        throw ChildProcessFailure("\(name) did not report its port (\"\(prefix)N\"):\n\(output())")
    }

    /// Waits up to `timeout` seconds for the process to exit, killing it after that; returns its exit
    /// status (-1 when it was killed) and all it printed.
    public func waitForExit(timeout: Double) -> (status: Int32, output: String) {
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            terminate()
            _ = drained.wait(timeout: .now() + 5)
            return (-1, output() + "\n[\(name) killed after \(timeout) s]")
        }
        // A child the process left behind may hold the pipe open: wait for the output only briefly.
        _ = drained.wait(timeout: .now() + 5)
        return (process.terminationStatus, output())
    }

    /// Writes `text` to the process's stdin (``init`` with `keepsInputOpen`).
    public func send(_ text: String) {
        try? input?.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    /// Closes the process's stdin: a peer server that serves until the end of its input stops.
    public func closeInput() {
        try? input?.fileHandleForWriting.close()
    }

    /// Waits up to `timeout` seconds for the process to exit on its own; true when it has.
    public func waitUntilExit(timeout: Double) -> Bool {
        exited.wait(timeout: .now() + timeout) == .success
    }

    /// Stops the process: SIGTERM, then SIGKILL if it is still running five seconds later.
    public func terminate() {
        guard exited.wait(timeout: .now()) == .timedOut else { return }
        process.terminate()
        if exited.wait(timeout: .now() + 5) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            _ = exited.wait(timeout: .now() + 5)
        }
    }
}

/// A child process that did not do what a test needed, with what it printed.
public struct ChildProcessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

import Foundation

/// Where the interop programs, the runner and the Python of the peers are, and how to run them.
enum InteropPrograms {
    static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    /// The build products directory: the test binary sits there, next to interop-server and
    /// interop-client, which this test target depends on.
    static let binDirectory: URL = {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var url = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path.contains(".xctest") { url.deleteLastPathComponent() }
        return url
    }()

    /// The Python with grpcio and grpcio-tools (`make test` sets GRPCSYNC_PYTHON to .venv's).
    static var python: URL {
        URL(
            fileURLWithPath: ProcessInfo.processInfo.environment["GRPCSYNC_PYTHON"]
                ?? repoRoot.appendingPathComponent(".venv/bin/python").path)
    }

    static var runner: URL { repoRoot.appendingPathComponent("scripts/interop.py") }

    /// Runs `executable` to completion; returns its exit status and its combined output.
    static func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repoRoot
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

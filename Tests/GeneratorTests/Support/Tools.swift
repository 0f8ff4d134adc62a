import Foundation

/// Where the repository, the freshly built plugins and the command-line tools are.
enum Tools {
    static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    /// The build products directory (`swift build --show-bin-path`): the test binary sits there,
    /// next to the plugins this test target depends on.
    static let binDirectory: URL = {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var url = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        // On macOS the test binary is inside `X.xctest/Contents/MacOS`.
        while url.path.contains(".xctest") { url.deleteLastPathComponent() }
        return url
    }()

    static var protocGenSwift: URL { binDirectory.appendingPathComponent("protoc-gen-swift") }
    static var protocGenGRPCSync: URL { binDirectory.appendingPathComponent("protoc-gen-grpc-sync") }

    /// The first executable called `name` on PATH.
    static func which(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Runs `executable` to completion in `directory`; returns its exit status and combined output.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL = repoRoot) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A new empty temporary directory.
    static func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("grpc-sync-generator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

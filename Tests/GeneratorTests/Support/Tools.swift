import Foundation
import TestProcesses

/// Where the repository, the freshly built plugins and the command-line tools are.
enum Tools {
    static var repoRoot: URL { Repository.root }
    static var binDirectory: URL { Repository.binDirectory }

    static var protocGenSwift: URL { binDirectory.appendingPathComponent("protoc-gen-swift") }
    static var protocGenGRPCSync: URL { binDirectory.appendingPathComponent("protoc-gen-grpc-sync") }

    /// The first executable called `name` on PATH.
    static func which(_ name: String) -> URL? { ChildProcess.executable(named: name) }

    /// Runs `executable` to completion in `directory` (at most `timeout` seconds); returns its exit
    /// status and combined output.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL = repoRoot, timeout: Double = 300)
        throws -> (Int32, String)
    {
        let (status, output) = try ChildProcess.run(
            executable.path, arguments, directory: directory, timeout: timeout)
        return (status, output)
    }

    /// A new empty temporary directory.
    static func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("grpc-sync-generator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

import Foundation

/// Where the tests find the repository's pieces: its root, the Python with grpcio, and the build
/// products next to the test binary.
public enum Repository {
    /// The repository root, found from this file's place in it (Programs/Tests/TestProcesses is a
    /// link to this directory: the link is resolved).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// The Python with grpcio and grpcio-tools (`make test` sets GRPCSYNC_PYTHON to .venv's).
    public static var python: String {
        ProcessInfo.processInfo.environment["GRPCSYNC_PYTHON"] ?? root.appendingPathComponent(".venv/bin/python").path
    }

    /// The build products directory (`swift build --show-bin-path`): the test binary sits there, next
    /// to the executables and plugins the test targets depend on.
    public static let binDirectory: URL = {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var url = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        // On macOS the test binary is inside `X.xctest/Contents/MacOS`.
        while url.path.contains(".xctest") { url.deleteLastPathComponent() }
        return url
    }()

    /// A file of the repository, by its path from the root.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

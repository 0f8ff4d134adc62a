import Foundation

/// A one-target package that depends on this repository by path and applies GRPCSyncProtocPlugin to
/// an empty .proto file, built with `swift build` in a controlled environment: how a user's build
/// meets the plugin's protoc lookup.
///
/// It lives at a fixed place in the build directory, `.build/plugin-fixture/plugin-fixture`, so only
/// its first build compiles the plugin's generators; later ones take seconds.
enum PluginFixture {
    private static let root = GreeterPeer.repoRoot.appendingPathComponent(".build/plugin-fixture")
    static let directory = root.appendingPathComponent("plugin-fixture")

    /// Writes the package (files whose content changed only) and runs `swift build` in it with
    /// `environment`, bounded by `timeout` seconds; returns the exit status and output.
    static func build(environment: [String: String], timeout: Double = 900) throws -> (Int32, String) {
        let repository = GreeterPeer.repoRoot.lastPathComponent
        try write(
            "Package.swift",
            """
            // swift-tools-version:6.1
            import PackageDescription

            let package = Package(
                name: "plugin-fixture",
                dependencies: [.package(path: "\(GreeterPeer.repoRoot.path)")],
                targets: [
                    .target(name: "Model", plugins: [.plugin(name: "GRPCSyncProtocPlugin", package: "\(repository)")])
                ]
            )

            """)
        try write("Sources/Model/empty.proto", "syntax = \"proto3\";\npackage fixture;\n")
        try write("Sources/Model/Model.swift", "public let model = \"fixture\"\n")

        guard let swift = executable("swift", path: ProcessInfo.processInfo.environment["PATH"] ?? "") else {
            throw GreeterPeerError(description: "swift is not on PATH")
        }
        let process = Process()
        process.executableURL = swift
        process.arguments = ["build"]
        process.currentDirectoryURL = directory
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        let data = ReadToEnd(output.fileHandleForReading)
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            process.waitUntilExit()
            return (-1, data.text() + "\n[timed out after \(timeout) s]")
        }
        return (process.terminationStatus, data.text())
    }

    /// The first executable called `name` in the `:`-separated `path`.
    static func executable(_ name: String, path: String) -> URL? {
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// `path` with every directory that holds a `protoc` replaced by a directory of links to all its
    /// other entries, so every other tool is still found. The directories are at fixed places next to
    /// the fixture: a PATH that changed from one build to the next would make SwiftPM rebuild it all.
    static func pathWithoutProtoc(_ path: String) throws -> String {
        var directories: [String] = []
        for (index, directory) in path.split(separator: ":").map(String.init).enumerated() {
            let original = URL(fileURLWithPath: directory)
            guard FileManager.default.fileExists(atPath: original.appendingPathComponent("protoc").path) else {
                directories.append(directory)
                continue
            }
            let shadow = root.appendingPathComponent("path-without-protoc-\(index)")
            try? FileManager.default.removeItem(at: shadow)
            try FileManager.default.createDirectory(at: shadow, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name != "protoc" {
                try FileManager.default.createSymbolicLink(
                    at: shadow.appendingPathComponent(name), withDestinationURL: original.appendingPathComponent(name))
            }
            directories.append(shadow.path)
        }
        return directories.joined(separator: ":")
    }

    private static func write(_ path: String, _ contents: String) throws {
        let url = directory.appendingPathComponent(path)
        if FileManager.default.contents(atPath: url.path) == Data(contents.utf8) { return }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: true, encoding: .utf8)
    }
}

/// Reads a pipe to its end on a background thread, so a child never blocks on a full pipe.
private final class ReadToEnd: @unchecked Sendable {  // `finished` orders the write of `data` before its read
    private var data = Data()
    private let finished = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            finished.signal()
        }
    }

    func text() -> String {
        guard finished.wait(timeout: .now() + 10) == .success else { return "[output still open after exit]" }
        return String(decoding: data, as: UTF8.self)
    }
}

import Foundation
import TestProcesses

/// A one-target package (`Model`) that depends on this repository by path and applies
/// GRPCSyncProtocPlugin to one .proto file, built with `swift build` in a controlled environment:
/// how a user's build meets the plugin's protoc lookup and its reports of a bad .proto file.
///
/// It lives at a fixed place in the build directory, `.build/plugin-fixture/plugin-fixture`, so only
/// its first build compiles the plugin's generators; later ones take seconds.
enum PluginFixture {
    private static let root = Repository.root.appendingPathComponent(".build/plugin-fixture")
    static let directory = root.appendingPathComponent("plugin-fixture")

    /// The .proto file of the fixture's `Model` target.
    static func protoFile(_ name: String) -> URL {
        directory.appendingPathComponent("Sources/Model/" + name)
    }

    /// Writes the package (files whose content changed only) with `proto` as its only .proto file
    /// (by default an empty one) and runs `swift build` in it with `environment`, bounded by
    /// `timeout` seconds; returns the exit status and output.
    static func build(
        environment: [String: String], proto: (name: String, source: String)? = nil, timeout: Double = 900
    ) throws -> (Int32, String) {
        let repository = Repository.root.lastPathComponent
        try write(
            "Package.swift",
            """
            // swift-tools-version:6.1
            import PackageDescription

            let package = Package(
                name: "plugin-fixture",
                dependencies: [.package(path: "\(Repository.root.path)")],
                targets: [
                    .target(name: "Model", plugins: [.plugin(name: "GRPCSyncProtocPlugin", package: "\(repository)")])
                ]
            )

            """)
        let proto = proto ?? ("empty.proto", "syntax = \"proto3\";\npackage fixture;\n")
        let model = directory.appendingPathComponent("Sources/Model")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: model.path)) ?? []
        where name.hasSuffix(".proto") && name != proto.name {
            try FileManager.default.removeItem(at: model.appendingPathComponent(name))
        }
        try write("Sources/Model/" + proto.name, proto.source)
        try write("Sources/Model/Model.swift", "public let model = \"fixture\"\n")

        guard let swift = ChildProcess.executable(named: "swift") else {
            throw ChildProcessFailure("swift is not on PATH")
        }
        return try ChildProcess.run(
            swift.path, ["build"], directory: directory, environment: environment, timeout: timeout)
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

import Foundation
import TestProcesses
import XCTest

/// A user's package that depends on this one may name its targets as the example and interop
/// programs, the fixtures and the tests of this repository are named (`helloworld-server`,
/// `HelloWorldModel`, `interop-server`, `GeneratedGolden`, `TestProcesses`…). SwiftPM refuses a
/// package graph in which two packages declare a target of the same name when the dependency's
/// target belongs to one of its products or to what a product depends on ("multiple packages declare
/// targets with a conflicting name", or "multiple similar targets … appear in package …" for
/// several); the programs live in the Programs package, which a user's graph never holds, and no
/// other target of this package is in a product.
final class TargetNameConflictTests: XCTestCase {
    /// The fixture sits at a fixed place in the build directory, so only its first build resolves.
    static let directory = Repository.root.appendingPathComponent(".build/user-package-fixture/user-package")

    func testAUserPackageMayNameItsTargetsAsTheProgramsAndFixturesAre() throws {
        let programs = try String(
            contentsOf: Repository.root.appendingPathComponent("Programs/Package.swift"), encoding: .utf8)
        let executables = Self.targetNames(in: programs, kinds: ["executableTarget"])
        let libraries =
            Self.targetNames(in: programs, kinds: ["target", "testTarget"])
            + (try Self.rootTargetsOutsideProducts())
        XCTAssertTrue(
            executables.contains("helloworld-server") && executables.contains("interop-server"), "\(executables)")
        XCTAssertTrue(libraries.contains("HelloWorldModel") && libraries.contains("GeneratedGolden"), "\(libraries)")

        let repository = Repository.root.lastPathComponent
        var targets = [
            // A target that uses the library, so the package graph holds its products.
            """
                    .target(name: "App", dependencies: [.product(name: "GRPCSync", package: "\(repository)")]),
            """
        ]
        try write("Sources/App/App.swift", "import GRPCSync\n\npublic let channelType = Channel.self\n")
        let libraryNames = Set(libraries).subtracting(executables).sorted()
        for name in libraryNames {
            targets.append("        .target(name: \"\(name)\"),")
            try write("Sources/\(name)/\(Self.moduleName(name)).swift", "public let name = \"\(name)\"\n")
        }
        for name in executables {
            // helloworld-server, the one built, depends on every library target, so they all build.
            let dependencies =
                name == "helloworld-server" ? libraryNames.map { "\"\($0)\"" }.joined(separator: ", ") : ""
            targets.append("        .executableTarget(name: \"\(name)\", dependencies: [\(dependencies)]),")
            try write("Sources/\(name)/main.swift", "print(\"\(name)\")\n")
        }
        try write(
            "Package.swift",
            """
            // swift-tools-version:6.1
            import PackageDescription

            let package = Package(
                name: "user-package",
                dependencies: [.package(path: "\(Repository.root.path)")],
                targets: [
            \(targets.joined(separator: "\n"))
                ]
            )

            """)

        // Loading the package graph is where SwiftPM finds a conflict; then one of the targets builds
        // (App would build the whole library).
        let swift = try XCTUnwrap(ChildProcess.executable(named: "swift"), "swift is not on PATH")
        let graph = try ChildProcess.run(
            swift.path, ["package", "show-dependencies"], directory: Self.directory, timeout: 600)
        XCTAssertEqual(graph.status, 0, graph.output)
        // One conflict: "multiple packages … declare targets with a conflicting name"; several:
        // "multiple similar targets … appear in package …".
        XCTAssertFalse(graph.output.contains("conflicting name"), graph.output)
        XCTAssertFalse(graph.output.contains("similar targets"), graph.output)
        let build = try ChildProcess.run(
            swift.path, ["build", "--product", "helloworld-server"], directory: Self.directory, timeout: 600)
        XCTAssertEqual(build.status, 0, build.output)
        guard build.status == 0 else { return }
        XCTAssertEqual(
            try ChildProcess.run(Self.directory.path + "/.build/debug/helloworld-server", []).output,
            "helloworld-server\n")
    }

    /// The names of the targets of `kinds` (`target`, `executableTarget`…) a manifest declares.
    static func targetNames(in manifest: String, kinds: [String]) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"\.(\w+)\(\s*name: "([^"]+)""#)
        let range = NSRange(manifest.startIndex..., in: manifest)
        return pattern.matches(in: manifest, range: range).compactMap { match in
            let kind = String(manifest[Range(match.range(at: 1), in: manifest)!])
            return kinds.contains(kind) ? String(manifest[Range(match.range(at: 2), in: manifest)!]) : nil
        }
    }

    /// The root package's targets that no product holds or depends on (`swift package dump-package`).
    static func rootTargetsOutsideProducts() throws -> [String] {
        let swift = try XCTUnwrap(ChildProcess.executable(named: "swift"), "swift is not on PATH")
        // A scratch path of its own: `swift test` holds the lock of the package's.
        let scratch = directory.deletingLastPathComponent().appendingPathComponent("dump-package").path
        let dump = try ChildProcess(swift.path, ["package", "--scratch-path", scratch, "dump-package"])
        let (status, output) = dump.waitForExit(timeout: 120)
        guard status == 0, let start = output.firstIndex(of: "{") else {
            throw ChildProcessFailure("swift package dump-package failed (status \(status)):\n\(output)")
        }
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(output[start...].utf8))
        var dependencies: [String: [String]] = [:]
        for target in manifest.targets { dependencies[target.name] = target.dependencies.compactMap(\.targetName) }
        var reachable = Set<String>()
        var pending = manifest.products.flatMap(\.targets)
        while let name = pending.popLast() {
            guard reachable.insert(name).inserted else { continue }
            pending += dependencies[name] ?? []
        }
        return manifest.targets.map(\.name).filter { !reachable.contains($0) }
    }

    /// The part of `swift package dump-package`'s JSON this test reads.
    struct Manifest: Decodable {
        struct Target: Decodable {
            let name: String
            let dependencies: [Dependency]
        }
        /// `{"byName": ["X", null]}`, `{"target": ["X", null]}` or `{"product": ["X", "package", …]}`.
        struct Dependency: Decodable {
            let byName: [String?]?
            let target: [String?]?
            var targetName: String? { (byName ?? target)?.first ?? nil }
        }
        struct Product: Decodable {
            let targets: [String]
        }
        let targets: [Target]
        let products: [Product]
    }

    /// A module's name: `-` becomes `_`.
    static func moduleName(_ target: String) -> String { target.replacingOccurrences(of: "-", with: "_") }

    private func write(_ path: String, _ contents: String) throws {
        let url = Self.directory.appendingPathComponent(path)
        if FileManager.default.contents(atPath: url.path) == Data(contents.utf8) { return }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: true, encoding: .utf8)
    }
}

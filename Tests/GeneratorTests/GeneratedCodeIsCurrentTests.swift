import Foundation
import XCTest

/// The committed .pb.swift and .grpc.swift files are what `make protos` generates from protos/
/// with the plugins built from this checkout.
final class GeneratedCodeIsCurrentTests: XCTestCase {
    func testCommittedGeneratedCodeIsCurrent() throws {
        guard let protoc = Tools.which("protoc") else { throw XCTSkip("protoc is not installed") }
        guard let make = Tools.which("make") else { throw XCTSkip("make is not installed") }
        for plugin in [Tools.protocGenSwift, Tools.protocGenGRPCSync] {
            XCTAssertTrue(
                FileManager.default.isExecutableFile(atPath: plugin.path),
                "\(plugin.lastPathComponent) was not built next to the tests in \(Tools.binDirectory.path)")
        }
        let output = try Tools.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: output) }

        let (status, log) = try Tools.run(
            make,
            [
                "--no-print-directory", "protos-generate", "PROTOC=\(protoc.path)",
                "PROTOC_GEN_SWIFT=\(Tools.protocGenSwift.path)", "PROTOC_GEN_GRPC_SYNC=\(Tools.protocGenGRPCSync.path)",
                "PROTOS_OUT=\(output.path)",
            ])
        XCTAssertEqual(status, 0, "make protos-generate failed:\n\(log)")
        guard status == 0 else { return }

        let stale = try staleFiles(generated: output)
        XCTAssertTrue(
            stale.isEmpty,
            "generated code is stale: run make protos\n" + stale.map { "  \($0)" }.joined(separator: "\n"))
    }

    /// Files that differ between the fresh output and the repository, are missing from the
    /// repository, or are generated-looking files the generation no longer produces.
    private func staleFiles(generated: URL) throws -> [String] {
        let fresh = try relativeFiles(under: generated)
        var stale: [String] = []
        for path in fresh {
            let committed = Tools.repoRoot.appendingPathComponent(path)
            guard let old = FileManager.default.contents(atPath: committed.path) else {
                stale.append("\(path) (not committed)")
                continue
            }
            if old != FileManager.default.contents(atPath: generated.appendingPathComponent(path).path) {
                stale.append("\(path) (differs)")
            }
        }
        let outputDirectories = Set(fresh.map { ($0 as NSString).deletingLastPathComponent })
        for directory in outputDirectories.sorted() {
            let committed = try FileManager.default.contentsOfDirectory(
                atPath: Tools.repoRoot.appendingPathComponent(directory).path)
            for name in committed.sorted() where name.hasSuffix(".pb.swift") || name.hasSuffix(".grpc.swift") {
                let path = directory + "/" + name
                if !fresh.contains(path) { stale.append("\(path) (no longer generated)") }
            }
        }
        return stale
    }

    /// Regular files below `root`, as paths relative to it.
    private func relativeFiles(under root: URL) throws -> Set<String> {
        var result: Set<String> = []
        let rootPath = root.resolvingSymlinksInPath().path + "/"
        let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            let path = url.resolvingSymlinksInPath().path
            if path.hasPrefix(rootPath) { result.insert(String(path.dropFirst(rootPath.count))) }
        }
        return result
    }
}

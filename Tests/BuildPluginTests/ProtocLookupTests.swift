import Foundation
import XCTest

/// How GRPCSyncProtocPlugin finds protoc in a user's build (PluginFixture): `PROTOC_PATH` first, then
/// `PATH`, and a build error that says how to get protoc when there is none.
///
/// The first of these tests to run compiles the plugin's generators for the fixture (under a minute
/// on two cores); the others reuse them.
final class ProtocLookupTests: XCTestCase {
    private var environment: [String: String] = [:]

    override func setUpWithError() throws {
        environment = ProcessInfo.processInfo.environment
        environment["PROTOC_PATH"] = nil
        environment["PATH"] = try PluginFixture.pathWithoutProtoc(environment["PATH"] ?? "/usr/bin:/bin")
        XCTAssertNil(PluginFixture.executable("protoc", path: environment["PATH"]!))
    }

    func testMissingProtocFailsTheBuildNamingTheFix() throws {
        let (status, output) = try PluginFixture.build(environment: environment)
        XCTAssertNotEqual(status, 0, output)
        XCTAssertTrue(
            output.contains(
                "error: protoc not found: GRPCSyncProtocPlugin generates code with protoc, the protocol buffer "
                    + "compiler, and found none on PATH; install it with `apt-get install protobuf-compiler` "
                    + "(Debian/Ubuntu) or `brew install protobuf` (macOS), or set PROTOC_PATH to its path"),
            output)
    }

    func testProtocPathThatIsNotAnExecutableFailsTheBuild() throws {
        environment["PROTOC_PATH"] = PluginFixture.directory.appendingPathComponent("no-such-protoc").path
        let (status, output) = try PluginFixture.build(environment: environment)
        XCTAssertNotEqual(status, 0, output)
        XCTAssertTrue(
            output.contains(
                "error: protoc not found: PROTOC_PATH is \(environment["PROTOC_PATH"]!), which is not an executable file"
            ),
            output)
    }

    func testProtocPathIsUsedWhenProtocIsNotOnPath() throws {
        guard let protoc = PluginFixture.executable("protoc", path: ProcessInfo.processInfo.environment["PATH"] ?? "")
        else { throw XCTSkip("protoc is not installed") }
        try? FileManager.default.removeItem(at: PluginFixture.outputDirectory)
        environment["PROTOC_PATH"] = protoc.path
        let (status, output) = try PluginFixture.build(environment: environment)
        XCTAssertEqual(status, 0, output)
        for name in ["empty.pb.swift", "empty.grpc.swift"] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: PluginFixture.outputDirectory.appendingPathComponent(name).path),
                "\(name) not generated:\n\(output)")
        }
    }
}

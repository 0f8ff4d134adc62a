import Foundation
import TestProcesses
import XCTest

/// How GRPCSyncProtocPlugin fails a user's build (PluginFixture) when it finds no protoc, neither at
/// `PROTOC_PATH` nor on `PATH`. (Finding it on `PATH` is what every build of this package does.)
///
/// The fixture's build stops when the plugin runs, before anything of the fixture is compiled, but
/// SwiftPM first builds the plugin's generators: half a minute on two cores the first time; later
/// builds reuse them, though SwiftPM sometimes builds them again (15 s here). It also builds them
/// again whenever the environment differs from the last build's, which is why no test here sets
/// `PROTOC_PATH`, and why there is one fixture build only.
final class PluginBuildErrorTests: XCTestCase {
    private var environment: [String: String] = [:]

    override func setUpWithError() throws {
        environment = ProcessInfo.processInfo.environment
        environment["PROTOC_PATH"] = nil
        environment["PATH"] = try PluginFixture.pathWithoutProtoc(environment["PATH"] ?? "/usr/bin:/bin")
        XCTAssertNil(ChildProcess.executable(named: "protoc", path: environment["PATH"]!))
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
}

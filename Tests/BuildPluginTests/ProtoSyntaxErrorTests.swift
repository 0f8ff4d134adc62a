import Foundation
import TestProcesses
import XCTest

/// A user's .proto file with a syntax error fails the build (PluginFixture) with protoc's message
/// in the `file:line:column: error: message` form editors and build logs pick up: the file's full
/// path, and the target GRPCSyncProtocPlugin was generating code for.
///
/// The fixture is built with the test's own environment, unlike PluginBuildErrorTests': SwiftPM may
/// build the plugin's generators again when the two run one after the other (15 s here).
final class ProtoSyntaxErrorTests: XCTestCase {
    func testSyntaxErrorNamesTheFullPathAndTheTarget() throws {
        guard ChildProcess.executable(named: "protoc") != nil else { throw XCTSkip("protoc is not installed") }
        let source = """
            syntax = "proto3";
            package fixture;
            message HelloRequest {
              string name = 1
            }

            """
        let (status, output) = try PluginFixture.build(
            environment: ProcessInfo.processInfo.environment, proto: ("helloworld.proto", source))
        XCTAssertNotEqual(status, 0, output)
        let path = PluginFixture.protoFile("helloworld.proto").standardizedFileURL.path
        XCTAssertTrue(output.contains("\(path):5:1: error: Expected \";\". (target 'Model')"), output)
    }
}

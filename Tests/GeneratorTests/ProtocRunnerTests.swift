import Foundation
import XCTest

/// protoc-gen-grpc-sync's `--run-protoc` mode, as the build plugin runs it: protoc's diagnostics
/// become `FULL-PATH:LINE:COLUMN: error: MESSAGE (target 'NAME')`, and protoc's exit status is kept.
final class ProtocRunnerTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Tools.makeTemporaryDirectory()
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes `files` below `in/` of the temporary directory and runs protoc through the runner on
    /// `proto` with `in/` as the import path; returns the exit status and output.
    private func runProtoc(_ files: [String: String], proto: String) throws -> (Int32, String) {
        guard let protoc = Tools.which("protoc") else { throw XCTSkip("protoc is not installed") }
        let input = directory.appendingPathComponent("in")
        for (path, source) in files {
            let url = input.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try source.write(to: url, atomically: true, encoding: .utf8)
        }
        let output = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        return try Tools.run(
            Tools.protocGenGRPCSync,
            [
                "--run-protoc", protoc.path, "Model", "-I", input.path,
                "--plugin=protoc-gen-grpc-sync=\(Tools.protocGenGRPCSync.path)", "--grpc-sync_out=\(output.path)",
                input.appendingPathComponent(proto).path,
            ])
    }

    private func path(_ name: String) -> String {
        directory.appendingPathComponent("in/" + name).standardizedFileURL.path
    }

    func testSyntaxErrorNamesTheFullPathTheSeverityAndTheTarget() throws {
        let (status, output) = try runProtoc(
            [
                "helloworld.proto":
                    "syntax = \"proto3\";\npackage helloworld;\nmessage HelloRequest { string name = 1 }\n"
            ],
            proto: "helloworld.proto")
        XCTAssertEqual(status, 1, output)
        XCTAssertEqual(
            output, "\(path("helloworld.proto")):3:40: error: Expected \";\". (target 'Model')\n")
    }

    func testErrorInAnImportedFileNamesThatFile() throws {
        let (status, output) = try runProtoc(
            [
                "main.proto": "syntax = \"proto3\";\nimport \"sub/broken.proto\";\nimport \"missing.proto\";\n",
                "sub/broken.proto": "syntax = \"proto3\";\nmessage Broken {\n",
            ],
            proto: "main.proto")
        XCTAssertEqual(status, 1, output)
        let lines = output.split(separator: "\n").map(String.init)
        XCTAssertTrue(
            lines.contains(
                "\(path("sub/broken.proto")):3:1: error: Reached end of input in message definition (missing '}'). (target 'Model')"
            ), output)
        XCTAssertTrue(lines.contains("error: missing.proto: File not found. (target 'Model')"), output)
        XCTAssertTrue(
            lines.contains(
                "\(path("main.proto")):3:1: error: Import \"missing.proto\" was not found or had errors. (target 'Model')"
            ),
            output)
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("/") || $0.hasPrefix("error: ") }, output)
    }

    func testWarningOfASuccessfulRunStaysAWarning() throws {
        let (status, output) = try runProtoc(
            [
                "main.proto": "syntax = \"proto3\";\nimport \"other.proto\";\nmessage A {}\n",
                "other.proto": "syntax = \"proto3\";\nmessage B {}\n",
            ],
            proto: "main.proto")
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output, "\(path("main.proto")):2:1: warning: Import other.proto is unused. (target 'Model')\n")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/main.grpc.swift").path))
    }

    func testMissingProtocIsAnError() throws {
        let (status, output) = try Tools.run(
            Tools.protocGenGRPCSync, ["--run-protoc", directory.appendingPathComponent("no-protoc").path, "Model"])
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.hasPrefix("error: cannot run protoc at \(directory.path)/no-protoc: "), output)
        XCTAssertTrue(output.hasSuffix(" (target 'Model')\n"), output)
    }
}

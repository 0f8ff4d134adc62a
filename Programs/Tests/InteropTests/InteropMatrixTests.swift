import Foundation
import TestProcesses
import XCTest

/// The interop matrix of docs/interop.md, one test per column (plaintext and TLS): scripts/interop.py runs every test
/// case with the column's client against the column's server and fails on any cell that does not
/// pass. The soak cases run 10 iterations here.
final class InteropMatrixTests: XCTestCase {
    func testSwiftClientSwiftServer() throws { try runColumn("swift-swift") }
    func testSwiftClientGRPCIOServer() throws { try runColumn("swift-grpcio") }
    func testGRPCIOClientSwiftServer() throws { try runColumn("grpcio-swift") }
    func testSwiftClientSwiftServerOverTLS() throws { try runColumn("swift-swift-tls") }
    func testSwiftClientGRPCIOServerOverTLS() throws { try runColumn("swift-grpcio-tls") }
    func testGRPCIOClientSwiftServerOverTLS() throws { try runColumn("grpcio-swift-tls") }

    private func runColumn(_ column: String) throws {
        let (status, output) = try ChildProcess.run(
            Repository.python,
            [
                InteropPrograms.runner, "--bin", Repository.binDirectory.path, "--python", Repository.python,
                "--columns", column, "--soak-iterations", "10",
            ],
            timeout: 900)
        XCTAssertEqual(status, 0, "interop cells failed in column \(column):\n\(output)")
    }
}

import Foundation
import XCTest

@testable import GRPCSync

/// TLS between this runtime's client and server.
final class TLSTests: XCTestCase {
    static let certificates = URL(fileURLWithPath: "/tmp/tc")

    static func pem(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: certificates.appendingPathComponent(name)))
    }

    func testUnaryAndStreamingOverTLS() throws {
        let server = Server(ThreadPoolExecutor(maxWorkers: 4), handlers: [TestService.handler()])
        defer { server.stop(grace: nil).wait(timeout: 5) }
        let credentials = try sslServerCredentials([
            (privateKey: try Self.pem("server.key"), certificateChain: try Self.pem("server.pem"))
        ])
        let port = try server.addSecurePort("[::]:0", credentials)
        try server.start()
        let channel = secureChannel(
            "localhost:\(port)", sslChannelCredentials(rootCertificates: try Self.pem("ca.pem")))
        defer { channel.close() }
        XCTAssertEqual(try channel.unaryUnary(TestService.path("Unary"))([1, 2, 3], timeout: 10), [1, 2, 3])
        let big = [UInt8](repeating: 7, count: 3 << 20)
        XCTAssertEqual(try channel.unaryUnary(TestService.path("Unary"))(big, timeout: 20), big)
        let auth = try channel.unaryUnary(TestService.path("Peer"))([], timeout: 10)
        XCTAssertTrue(String(decoding: auth, as: UTF8.self).hasPrefix("ipv"))
    }
}

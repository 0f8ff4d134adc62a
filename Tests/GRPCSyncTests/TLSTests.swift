import Foundation
import GRPCSync
import Synchronization
import TestProcesses
import XCTest

/// TLS, mutual TLS, certificate rotation and local credentials, each against grpcio: the same
/// calls between this runtime's client and server, and with a grpcio peer on either side.
final class TLSTests: XCTestCase {
    static func pem(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: Repository.path("Tests/Certificates/\(name)"))))
    }

    static func certificatePath(_ name: String) -> String { Repository.path("Tests/Certificates/\(name)") }

    /// A Swift server with the test service on a TLS port with `certificate` (name of a
    /// Tests/Certificates pair), requiring client certificates from `clientCA` when given.
    static func swiftServer(
        certificate: String = "server", clientCA: String? = nil, options: [(String, OptionValue)] = []
    ) throws -> (Server, Int) {
        let server = Server(ThreadPoolExecutor(maxWorkers: 8), handlers: [TestService.handler()], options: options)
        let credentials = try sslServerCredentials(
            [(privateKey: try pem("\(certificate).key"), certificateChain: try pem("\(certificate).pem"))],
            rootCertificates: try clientCA.map(pem), requireClientAuth: clientCA != nil)
        let port = try server.addSecurePort("[::]:0", credentials)
        try server.start()
        return (server, port)
    }

    /// grpcio's peer_server.py on a TLS port with the same certificates.
    static func grpcioServer(certificate: String = "server", clientCA: String? = nil) throws -> PythonPeerServer {
        var arguments = [
            "--tls-cert", certificatePath("\(certificate).pem"), "--tls-key", certificatePath("\(certificate).key"),
        ]
        if let clientCA { arguments += ["--tls-client-ca", certificatePath(clientCA), "--require-client-auth"] }
        return try PythonPeerServer(arguments: arguments)
    }

    static func client(
        _ target: String, client: String? = nil, options: [(String, OptionValue)] = []
    ) throws -> Channel {
        let credentials = sslChannelCredentials(
            rootCertificates: try pem("ca.pem"), privateKey: try client.map { try pem("\($0).key") },
            certificateChain: try client.map { try pem("\($0).pem") })
        return secureChannel(target, credentials, options: options)
    }

    /// The `AuthContext` answer, with the key exchange group left out (OpenSSL and grpcio's
    /// BoringSSL prefer different groups).
    static func authContext(_ channel: Channel) throws -> String {
        let answer = try channel.unaryUnary(TestService.path("AuthContext"))([], timeout: 10)
        return String(decoding: answer, as: UTF8.self).split(separator: "\n")
            .filter { !$0.hasPrefix("ssl_negotiated_key_exchange_group=") }.joined(separator: "\n")
    }

    // MARK: calls

    func testCallsOverTLSBetweenThisRuntimeAndGRPCIO() throws {
        let (server, port) = try Self.swiftServer()
        defer { server.stop(grace: nil).wait(timeout: 5) }
        let grpcio = try Self.grpcioServer()
        defer { grpcio.stop() }
        for target in ["localhost:\(port)", "127.0.0.1:\(port)", "[::1]:\(port)", grpcio.target] {
            let channel = try Self.client(target)
            defer { channel.close() }
            XCTAssertEqual(
                try channel.unaryUnary(TestService.path("Unary"))([1, 2, 3], timeout: 10), [1, 2, 3], target)
            let large = [UInt8](repeating: 7, count: 3 << 20)
            XCTAssertEqual(try channel.unaryUnary(TestService.path("Unary"))(large, timeout: 30), large, target)
            let stream = try channel.unaryStream(TestService.path("ServerStream"))(
                [], timeout: 10, metadata: ["x-count": "5", "x-size": "70000"])
            var count = 0
            while let message = try stream.next() {
                XCTAssertEqual(message.count, 70000)
                count += 1
            }
            XCTAssertEqual(count, 5, target)
        }
        // One server, plaintext and TLS ports.
        let plainPort = try server.addInsecurePort("[::]:0")
        let plain = insecureChannel("localhost:\(plainPort)")
        defer { plain.close() }
        XCTAssertEqual(try plain.unaryUnary(TestService.path("Unary"))([9], timeout: 10), [9])
        XCTAssertTrue(try Self.authContext(plain).contains("transport_security_type=insecure"))
        // grpcio's client runs its scenarios against this runtime's TLS server.
        for scenario in ["unary", "server_stream", "client_stream", "bidi", "metadata", "status_codes", "cancel"] {
            let (status, output) = try Peers.run(
                "peer_client.py",
                [scenario, "--target", "localhost:\(port)", "--tls-ca", Self.certificatePath("ca.pem")])
            XCTAssertEqual(status, 0, "grpcio client, \(scenario): \(output)")
        }
    }

    /// grpc checks the certificate against `grpc.ssl_target_name_override` when given (and
    /// sends it as the authority), else against `grpc.default_authority`, else the target's host.
    func testServerNameChecksAsGRPCIO() throws {
        let (server, port) = try Self.swiftServer()
        defer { server.stop(grace: nil).wait(timeout: 5) }
        let grpcio = try Self.grpcioServer()
        defer { grpcio.stop() }
        for (label, portNumber) in [("swift", port), ("grpcio", grpcio.port)] {
            let cases: [(options: [(String, OptionValue)], passes: Bool)] = [
                ([("grpc.ssl_target_name_override", .string("foo.test.google.fr"))], true),
                ([("grpc.ssl_target_name_override", .string("foo.example.com"))], false),
                ([("grpc.default_authority", .string("bar.test.google.fr"))], true),
                ([("grpc.default_authority", .string("bar.example.com"))], false),
            ]
            for (options, passes) in cases {
                let channel = try Self.client("127.0.0.1:\(portNumber)", options: options)
                defer { channel.close() }
                do {
                    _ = try channel.unaryUnary(TestService.path("Unary"))([1], timeout: 10)
                    XCTAssertTrue(passes, "\(label) \(options) should fail the name check")
                } catch let error as RPCError {
                    XCTAssertFalse(passes, "\(label) \(options): \(error)")
                    XCTAssertEqual(error.code, .unavailable)
                    XCTAssertTrue(
                        error.details.hasPrefix("failed to connect to all addresses; last error: "), error.details)
                    XCTAssertTrue(error.details.contains("hostname mismatch"), error.details)
                }
            }
        }
    }

    // MARK: peer identity

    /// The auth context a server sees, as grpcio's server sees it: without a client certificate,
    /// with one (mutual TLS), and on an insecure port.
    func testAuthContextAsOnGRPCIOServer() throws {
        let (server, port) = try Self.swiftServer(clientCA: "ca.pem")
        defer { server.stop(grace: nil).wait(timeout: 5) }
        let grpcio = try Self.grpcioServer(clientCA: "ca.pem")
        defer { grpcio.stop() }
        let ours = try Self.authContext(try Self.client("localhost:\(port)", client: "client"))
        let theirs = try Self.authContext(try Self.client(grpcio.target, client: "client"))
        XCTAssertEqual(ours, theirs)
        XCTAssertTrue(ours.contains("peer_identity_key=x509_subject_alternative_name"), ours)

        let (plainTLS, plainPort) = try Self.swiftServer()
        defer { plainTLS.stop(grace: nil).wait(timeout: 5) }
        let grpcioPlainTLS = try Self.grpcioServer()
        defer { grpcioPlainTLS.stop() }
        XCTAssertEqual(
            try Self.authContext(try Self.client("localhost:\(plainPort)", client: "client")),
            try Self.authContext(try Self.client(grpcioPlainTLS.target, client: "client")),
            "a client certificate that was not asked for is not seen")

        let insecure = try SwiftTestServer()
        let grpcioInsecure = try PythonPeerServer()
        defer { grpcioInsecure.stop() }
        XCTAssertEqual(
            try Self.authContext(insecureChannel(insecure.target)),
            try Self.authContext(insecureChannel(grpcioInsecure.target)))
    }

    /// Local credentials over loopback TCP: no handshake, the auth context says `local`, and
    /// grpcio's client and server interoperate with ours.
    func testLocalCredentialsAsGRPCIO() throws {
        let server = Server(ThreadPoolExecutor(maxWorkers: 4), handlers: [TestService.handler()])
        defer { server.stop(grace: nil).wait(timeout: 5) }
        let port = try server.addSecurePort("127.0.0.1:0", localServerCredentials(.localTCP))
        try server.start()
        let channel = secureChannel("127.0.0.1:\(port)", localChannelCredentials(.localTCP))
        defer { channel.close() }
        XCTAssertEqual(
            try Self.authContext(channel),
            [
                "security_level=TSI_PRIVACY_AND_INTEGRITY", "transport_security_type=local",
                "peer_identity_key=transport_security_type", "peer_identities=local",
            ].joined(separator: "\n"),
            "as tls_cases_grpcio.txt records grpcio's local_tcp_auth_context")
        let grpcio = try PythonPeerServer(arguments: ["--local-credentials"])
        defer { grpcio.stop() }
        let toGRPCIO = secureChannel("127.0.0.1:\(grpcio.port)", localChannelCredentials(.localTCP))
        defer { toGRPCIO.close() }
        XCTAssertEqual(try Self.authContext(toGRPCIO), try Self.authContext(channel))
        // Over a Unix socket.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tls-tests-\(getpid()).sock").path
        _ = try server.addSecurePort("unix:\(path)", localServerCredentials(.uds))
        let overUDS = secureChannel("unix:\(path)", localChannelCredentials(.uds))
        defer { overUDS.close() }
        XCTAssertEqual(try Self.authContext(overUDS), try Self.authContext(channel))
        // The type must match the connection: UDS credentials do not connect over TCP.
        let wrongType = secureChannel("127.0.0.1:\(port)", localChannelCredentials(.uds))
        defer { wrongType.close() }
        XCTAssertThrowsError(try wrongType.unaryUnary(TestService.path("Unary"))([1], timeout: 10)) {
            XCTAssertEqual(($0 as? RPCError)?.code, .unavailable)
        }
    }

    // MARK: certificate rotation

    /// dynamicSSLServerCredentials: the fetch function is asked before each handshake; a new
    /// configuration serves the next connections, while a connection made before keeps working.
    func testCertificateRotationWithoutRestart() throws {
        let first = try sslServerCertificateConfiguration(
            [(privateKey: try Self.pem("server.key"), certificateChain: try Self.pem("server.pem"))])
        let second = try sslServerCertificateConfiguration(
            [(privateKey: try Self.pem("other-server.key"), certificateChain: try Self.pem("other-server.pem"))])
        let next = Mutex<ServerCertificateConfiguration?>(nil)
        let fetches = Mutex(0)
        let credentials = try dynamicSSLServerCredentials(first) {
            fetches.withLock { $0 += 1 }
            return next.withLock { value in
                defer { value = nil }
                return value
            }
        }
        let server = Server(ThreadPoolExecutor(maxWorkers: 4), handlers: [TestService.handler()])
        defer { server.stop(grace: nil).wait(timeout: 5) }
        let port = try server.addSecurePort("[::]:0", credentials)
        try server.start()

        let before = try Self.client("localhost:\(port)")
        defer { before.close() }
        XCTAssertEqual(try before.unaryUnary(TestService.path("Unary"))([1], timeout: 10), [1])
        next.withLock { $0 = second }
        // Clients trusting only the other CA connect now; the first channel's connection stays.
        let otherCA = secureChannel(
            "localhost:\(port)", sslChannelCredentials(rootCertificates: try Self.pem("other-ca.pem")))
        defer { otherCA.close() }
        XCTAssertEqual(try otherCA.unaryUnary(TestService.path("Unary"))([2], timeout: 10), [2])
        XCTAssertEqual(try before.unaryUnary(TestService.path("Unary"))([3], timeout: 10), [3])
        let after = try Self.client("localhost:\(port)")
        defer { after.close() }
        XCTAssertThrowsError(try after.unaryUnary(TestService.path("Unary"))([4], timeout: 10)) {
            XCTAssertEqual(($0 as? RPCError)?.code, .unavailable)
        }
        XCTAssertGreaterThanOrEqual(fetches.withLock { $0 }, 3, "one fetch per connection")
    }

    // MARK: API errors as grpcio raises them

    func testServerCredentialErrors() throws {
        XCTAssertThrowsError(try sslServerCredentials([])) {
            XCTAssertEqual("\($0)", "At least one private key-certificate chain pair is required!")
        }
        XCTAssertThrowsError(
            try sslServerCredentials(
                [(privateKey: try Self.pem("server.key"), certificateChain: try Self.pem("server.pem"))],
                requireClientAuth: true)
        ) {
            XCTAssertEqual("\($0)", "Illegal to require client auth without providing root certificates!")
        }
        XCTAssertThrowsError(
            try sslServerCredentials([
                (privateKey: Array("not a key".utf8), certificateChain: try Self.pem("server.pem"))
            ])
        )
        XCTAssertThrowsError(
            try sslServerCredentials([
                (privateKey: try Self.pem("client.key"), certificateChain: try Self.pem("server.pem"))
            ])
        ) { XCTAssertTrue("\($0)".contains("mismatch"), "\($0)") }
        // Unusable client PEM fails the calls, not the channel's creation (as grpcio).
        let channel = secureChannel("localhost:1", sslChannelCredentials(rootCertificates: Array("junk".utf8)))
        defer { channel.close() }
        XCTAssertThrowsError(try channel.unaryUnary(TestService.path("Unary"))([1], timeout: 5)) {
            XCTAssertEqual(($0 as? RPCError)?.code, .unavailable)
        }
    }
}

import TestProcesses
import XCTest

/// helloworld-server and helloworld-client with mutual TLS (docs/tls.md), against their grpcio
/// counterparts greeter_server.py and greeter_client.py: every client greets every server, and a
/// client without a certificate is refused by both.
final class HelloWorldTLSExampleTests: XCTestCase {
    static func certificate(_ name: String) -> String { Repository.path("Tests/Certificates/\(name)") }

    static let serverFlags = [
        "--tls-cert", certificate("server.pem"), "--tls-key", certificate("server.key"),
        "--client-ca", certificate("ca.pem"),
    ]
    static let clientFlags = [
        "--ca", certificate("ca.pem"), "--cert", certificate("client.pem"), "--key", certificate("client.key"),
    ]

    func testEveryClientGreetsEveryServerOverMutualTLS() throws {
        let servers = [
            try Examples.swiftServer("helloworld-server", Self.serverFlags),
            try Examples.grpcioServer("greeter_server.py", Self.serverFlags),
        ]
        for server in servers {
            let swift = try ChildProcess.run(
                Examples.executable("helloworld-client"), ["--target", server.target] + Self.clientFlags)
            XCTAssertEqual(swift.output, "Greeter client received: Hello, you!\n")
            let grpcio = try ChildProcess(
                Examples.python, [Examples.peer("greeter_client.py"), "--target", server.target] + Self.clientFlags,
                environment: Examples.pythonEnvironment())
            let (status, output) = grpcio.waitForExit(timeout: 60)
            XCTAssertEqual(status, 0, output)
            XCTAssertEqual(output, "Greeter client received: Hello, you!\n")
            // Without a client certificate the server refuses the connection.
            let anonymous = try ChildProcess.run(
                Examples.executable("helloworld-client"),
                ["--target", server.target, "--ca", Self.certificate("ca.pem")])
            XCTAssertEqual(anonymous.status, 1, anonymous.output)
            XCTAssertTrue(anonymous.output.contains("UNAVAILABLE"), anonymous.output)
        }
    }

    /// The server serves health and reflection, as grpc's Python examples show: grpcio's clients
    /// find its service, health and reflection listed and every one SERVING.
    func testServerServesHealthAndReflection() throws {
        let server = try Examples.swiftServer("helloworld-server")
        XCTAssertEqual(
            try Examples.askHealthAndReflection(server.target),
            Examples.expectedHealthAndReflection(["helloworld.Greeter"]))
    }
}

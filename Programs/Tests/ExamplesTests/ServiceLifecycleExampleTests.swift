import Foundation
import TestProcesses
import XCTest

/// service-lifecycle-server, the Greeter run by a ServiceGroup, stopped by SIGTERM during a call:
/// grpcio's health client watching it sees NOT_SERVING, the running SayHello (grpcio's
/// greeter_client.py) still gets its reply, and the process exits with status 0 once it has.
final class ServiceLifecycleExampleTests: XCTestCase {
    func testSIGTERMDuringACallLetsItFinishAndExitsZero() throws {
        // The reply waits 2 s, so the call is running when the signal comes.
        let server = try ChildProcess(
            Examples.executable("service-lifecycle-server"), ["--port", "0", "--reply-delay", "2"])
        defer { server.terminate() }
        let target = "localhost:\(try server.waitForPort(prefix: "Server listening on "))"

        signal(SIGPIPE, SIG_IGN)  // a peer that died fails the test instead of killing it
        let health = try ChildProcess(
            Examples.python, [Repository.path("Tests/Peers/health_peer.py"), "client", "--target", target],
            keepsInputOpen: true)
        defer { health.terminate() }
        var answers = 0
        func ask(_ command: String) -> String {
            answers += 1
            health.send(command + "\n")
            let prefix = "#\(answers) "
            guard let line = health.waitForLine(prefix: prefix, timeout: 30) else {
                return "no answer to \(command): \(health.output())"
            }
            return String(line.dropFirst(prefix.count))
        }
        // The line comes once the port is bound; the ServiceGroup starts the server right after.
        var check = ask("check -")
        for _ in 0..<50 where check != "check - 0 1 -" {
            Thread.sleep(forTimeInterval: 0.1)
            check = ask("check -")
        }
        XCTAssertEqual(check, "check - 0 1 -", "SERVING")
        XCTAssertEqual(ask("watch -"), "watch - 1")

        let greeter = try ChildProcess(
            Examples.python, [Examples.peer("greeter_client.py"), "--target", target, "--name", "lifecycle"],
            environment: Examples.pythonEnvironment())
        XCTAssertNotNil(server.waitForLine(prefix: "Greeting lifecycle", timeout: 30), server.output())
        XCTAssertEqual(kill(server.processIdentifier, SIGTERM), 0)

        XCTAssertEqual(ask("next"), "watch - 2", "NOT_SERVING once the shutdown began")
        let call = greeter.waitForExit(timeout: 30)
        XCTAssertEqual(call.status, 0, call.output)
        XCTAssertEqual(call.output, "Greeter client received: Hello, lifecycle!\n")
        // The Watch is the last call running: it ends when the health client leaves.
        health.closeInput()
        XCTAssertTrue(health.waitUntilExit(timeout: 30), health.output())
        let exit = server.waitForExit(timeout: 30)
        XCTAssertEqual(exit.status, 0, exit.output)
        XCTAssertTrue(exit.output.contains("Server stopped\n"), exit.output)
    }
}

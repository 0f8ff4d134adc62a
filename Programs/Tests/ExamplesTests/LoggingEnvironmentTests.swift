import Foundation
import TestProcesses
import XCTest

/// The default log of a program that gives no logger honours grpcio's environment variables: with
/// `GRPC_VERBOSITY=info GRPC_TRACE=http,api` helloworld-server and helloworld-client print their
/// connection events to standard error; unset (ERROR), an ordinary call prints nothing.
final class LoggingEnvironmentTests: XCTestCase {
    func testGRPCVerbosityAndGRPCTraceTurnOnTheConnectionLog() throws {
        var tracing = ProcessInfo.processInfo.environment
        tracing["GRPC_VERBOSITY"] = "info"
        tracing["GRPC_TRACE"] = "http,api"
        let server = try ExampleServer(Examples.executable("helloworld-server"), [], environment: tracing)
        let client = try ChildProcess.run(
            Examples.executable("helloworld-client"), ["--target", server.target], environment: tracing)
        XCTAssertEqual(client.status, 0, client.output)
        XCTAssertTrue(client.output.contains("Greeter client received: Hello, you!"), client.output)
        XCTAssertTrue(client.output.contains("connection opened"), client.output)
        XCTAssertTrue(client.output.contains("channel created"), client.output)
        let end = Date().addingTimeInterval(10)
        while !server.process.output().contains("connection accepted") && Date() < end {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertTrue(server.process.output().contains("connection accepted"), server.process.output())
    }

    func testUnsetVariablesLogNothingForAnOrdinaryCall() throws {
        var quiet = ProcessInfo.processInfo.environment
        quiet["GRPC_VERBOSITY"] = nil
        quiet["GRPC_TRACE"] = nil
        let server = try ExampleServer(Examples.executable("helloworld-server"), [], environment: quiet)
        let client = try ChildProcess.run(
            Examples.executable("helloworld-client"), ["--target", server.target], environment: quiet)
        XCTAssertEqual(client.output, "Greeter client received: Hello, you!\n")
    }
}

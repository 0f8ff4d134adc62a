import GRPCSync
import GRPCSyncHealth
import XCTest

/// Check and Watch against grpcio-health-checking: one scenario of status changes and questions
/// runs with grpcio's HealthServicer and the Swift one as servers, and grpcio's HealthStub and the
/// generated Swift stub as clients; every pairing must observe what grpcio observes of itself.
final class HealthInteropTests: XCTestCase {
    /// `server …` lines act on the server, the others are client commands whose answers are compared.
    static let scenario = [
        "check -",  // the whole server starts SERVING
        "check svc",  // unknown: NOT_FOUND
        "watch svc",  // unknown: SERVICE_UNKNOWN at once
        "server set svc 1",
        "next",  // SERVING
        "server set svc 2",
        "next",  // NOT_SERVING
        "check svc",
        "server set svc 2",
        "next",  // the same status again is sent again
        "server set other 1",
        "check other",
        "server set - 2",
        "check -",
        "server set - 1",
        "server shutdown",
        "next",  // NOT_SERVING for every service
        "server set svc 1",  // ignored from now on
        "check svc",
        "check -",
        "check other",
    ]

    /// `enterGracefulShutdown()` paired with `stop(grace:)`: watchers and probes see NOT_SERVING
    /// before the stop, and an open Watch ends when the grace period does.
    static let gracefulStop = [
        "watch -",
        "check -",
        "server shutdown",
        "next",  // NOT_SERVING
        "check -",
        "server stop 1",
        "next",  // the Watch ends with the grace period
    ]

    /// The observations of the scenario's client commands.
    private func observe(_ scenario: [String], _ server: HealthServerSide, _ client: HealthClientSide) -> [String] {
        var observed: [String] = []
        for step in scenario {
            let words = step.split(separator: " ")
            if words.first == "server" {
                if words[1] == "shutdown" {
                    server.enterGracefulShutdown()
                } else if words[1] == "stop" {
                    server.beginStop(grace: Double(words[2]) ?? 0)
                } else {
                    server.set(serviceName(words[2]), Int(words[3]) ?? -1)
                }
            } else {
                observed.append("\(step) -> \(client.command(step))")
            }
        }
        return observed
    }

    private func run(
        _ scenario: [String], _ makeServer: () throws -> HealthServerSide,
        _ makeClient: (String) throws -> HealthClientSide
    ) throws -> [String] {
        let server = try makeServer()
        defer { server.stop() }
        let client = try makeClient(server.target)
        defer { client.stop() }
        return observe(scenario, server, client)
    }

    /// The scenario in every pairing of grpcio's and the Swift servers and clients; each pairing
    /// must observe what grpcio's client observes of grpcio's server, returned.
    private func compareEveryPairing(_ scenario: [String]) throws -> [String] {
        let expected = try run(scenario, { try GrpcioHealthServer() }, { try GrpcioHealthClient(target: $0) })
        let swiftClientGrpcioServer = try run(
            scenario, { try GrpcioHealthServer() }, { SwiftHealthClient(target: $0) })
        XCTAssertEqual(swiftClientGrpcioServer, expected, "Swift client, grpcio server")
        let grpcioClientSwiftServer = try run(
            scenario, { try SwiftHealthServer() }, { try GrpcioHealthClient(target: $0) })
        XCTAssertEqual(grpcioClientSwiftServer, expected, "grpcio client, Swift server")
        let swiftBoth = try run(scenario, { try SwiftHealthServer() }, { SwiftHealthClient(target: $0) })
        XCTAssertEqual(swiftBoth, expected, "Swift client, Swift server")
        let grpcioClientAsyncServer = try run(
            scenario, { try SwiftAsyncHealthServer() }, { try GrpcioHealthClient(target: $0) })
        XCTAssertEqual(grpcioClientAsyncServer, expected, "grpcio client, Swift async server")
        let swiftClientAsyncServer = try run(
            scenario, { try SwiftAsyncHealthServer() }, { SwiftHealthClient(target: $0) })
        XCTAssertEqual(swiftClientAsyncServer, expected, "Swift client, Swift async server")
        return expected
    }

    func testEveryPairingObservesWhatGrpcioObserves() throws {
        let expected = try compareEveryPairing(Self.scenario)
        // What grpcio observes, spelled out: codes 0 OK, 5 NOT_FOUND; statuses 1 SERVING,
        // 2 NOT_SERVING, 3 SERVICE_UNKNOWN.
        XCTAssertEqual(
            expected,
            [
                "check - -> check - 0 1 -", "check svc -> check svc 5 - -", "watch svc -> watch svc 3",
                "next -> watch svc 1", "next -> watch svc 2", "check svc -> check svc 0 2 -", "next -> watch svc 2",
                "check other -> check other 0 1 -", "check - -> check - 0 2 -", "next -> watch svc 2",
                "check svc -> check svc 0 2 -", "check - -> check - 0 2 -", "check other -> check other 0 2 -",
            ])
    }

    /// Every pairing observes NOT_SERVING before the stop and the Watch ending with the grace
    /// period. How it ends differs: grpcio's server closes the connection (GOAWAY "Cancelling all
    /// calls"), which its client reports UNAVAILABLE, where the Swift server resets the streams
    /// still open (CANCELLED), as it does for every call left when a stop's grace period ends.
    func testGracefulShutdownThenStopAsGrpcio() throws {
        let scenario = Self.gracefulStop
        let expected = try run(scenario, { try GrpcioHealthServer() }, { try GrpcioHealthClient(target: $0) })
        XCTAssertEqual(
            expected,
            [
                "watch - -> watch - 1", "check - -> check - 0 1 -", "next -> watch - 2", "check - -> check - 0 2 -",
                "next -> ended 14",
            ])
        let pairings: [(String, [String])] = [
            (
                "Swift client, grpcio server",
                try run(scenario, { try GrpcioHealthServer() }, { SwiftHealthClient(target: $0) })
            ),
            (
                "grpcio client, Swift server",
                try run(scenario, { try SwiftHealthServer() }, { try GrpcioHealthClient(target: $0) })
            ),
            (
                "Swift client, Swift server",
                try run(scenario, { try SwiftHealthServer() }, { SwiftHealthClient(target: $0) })
            ),
            (
                "grpcio client, Swift async server",
                try run(scenario, { try SwiftAsyncHealthServer() }, { try GrpcioHealthClient(target: $0) })
            ),
        ]
        for (pairing, observed) in pairings {
            XCTAssertEqual(Array(observed.prefix(4)), Array(expected.prefix(4)), pairing)
            XCTAssertTrue(observed.last?.hasPrefix("next -> ended ") == true, "\(pairing): \(observed)")
        }
    }
}

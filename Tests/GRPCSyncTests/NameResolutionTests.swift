import Foundation
import TestProcesses
import XCTest

@testable import GRPCSync

/// Resolving a channel's target: a name that does not resolve fails calls as grpcio fails them;
/// the lookup runs on a thread of the channel's, never the caller's; and answers that change
/// between resolutions move the channel to the new addresses after a connection is lost, under
/// pick_first and round_robin.
final class NameResolutionTests: XCTestCase {
    /// UNAVAILABLE, with grpc's words for the resolver's reason, from either client.
    func testANameThatDoesNotResolveAsGrpcio() throws {
        let target = "dns:///nonexistent.invalid:50051"
        let (status, output) = try Peers.run("lb_peer.py", ["client", "--target", target, "--calls", "1"])
        XCTAssertEqual(status, 0, output)
        let theirs = output.split(separator: "\n").first { $0.hasPrefix("FAILED ") }.map(String.init)
        let channel = insecureChannel(target)
        defer { channel.close() }
        XCTAssertThrowsError(try channel.unaryUnary("/lb.Backend/Which")([], timeout: 20)) { error in
            let error = error as? RPCError
            XCTAssertEqual(error?.code, .unavailable)
            XCTAssertEqual(theirs, "FAILED 1 UNAVAILABLE \(error?.details ?? "")", output)
        }
    }

    /// The lookup runs on the channel's own thread; a caller whose deadline passes meanwhile is
    /// not held by it.
    func testTheLookupRunsOffTheCallersThread() throws {
        let release = DispatchSemaphore(value: 0)
        let lookups = LockedValue<[String]>([])
        let transport = ChannelTransport(
            target: "dns:///slow.test:1", options: [], compression: nil,
            resolve: { _ in
                lookups.withLock { $0.append(Thread.current.name ?? "") }
                release.wait()
                return .failure(.init(status: .resolutionFailed(name: "slow.test:1", reason: "Domain name not found")))
            })
        let channel = Channel(transport: transport, interceptors: [])
        defer {
            release.signal()
            channel.close()
        }
        XCTAssertThrowsError(try channel.unaryUnary("/lb.Backend/Which")([], timeout: 0.3)) {
            XCTAssertEqual(($0 as? RPCError)?.code, .deadlineExceeded)
        }
        XCTAssertEqual(lookups.withLock { $0 }, ["grpc-resolve"])
    }

    /// The answer changes from server A to server B while A stops: the lost connection makes the
    /// channel resolve again (`grpc.dns_min_time_between_resolutions_ms` 0 here), and the next
    /// calls go to B.
    func testAnswersThatChangeBetweenResolutions() throws {
        for policy in ["pick_first", "round_robin"] {
            let a = try NamedServer(host: "127.0.0.1", name: "A")
            let b = try NamedServer(host: "127.0.0.2", name: "B")
            let answer = LockedValue(try SocketAddress.resolve(host: "127.0.0.1", port: a.port))
            let lookups = LockedValue(0)
            let transport = ChannelTransport(
                target: "dns:///moving.test:1",
                options: [("grpc.dns_min_time_between_resolutions_ms", 0), ("grpc.lb_policy_name", .string(policy))],
                compression: nil,
                resolve: { _ in
                    lookups.withLock { $0 += 1 }
                    return .success(answer.withLock { $0 })
                })
            let channel = Channel(transport: transport, interceptors: [])
            defer { channel.close() }
            let which = channel.unaryUnary("/lb.Backend/Which")
            XCTAssertEqual(String(decoding: try which([], timeout: 20), as: UTF8.self), "A", policy)
            answer.withLock { $0 = try! SocketAddress.resolve(host: "127.0.0.2", port: b.port) }
            a.server.stop(grace: nil).wait(timeout: 10)
            var answers: [String] = []
            for _ in 0..<5 {
                answers.append(String(decoding: try which([], timeout: 20, waitForReady: true), as: UTF8.self))
            }
            XCTAssertEqual(answers, ["B", "B", "B", "B", "B"], policy)
            XCTAssertGreaterThanOrEqual(lookups.withLock { $0 }, 2, policy)
        }
    }
}

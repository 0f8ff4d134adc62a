import Foundation
import GRPCSync
import XCTest

/// What the calls of an async channel see when it closes, observation by observation as grpcio's
/// asyncio client sees them (`Tests/Peers/aio_close_client.py`): `close()` cancels the running
/// calls as `cancel()` does (their tasks get `CancellationError`, the call objects CANCELLED
/// "Locally cancelled by application!"), `close(grace:)` lets them run for the grace first, and
/// new calls are refused from the moment the channel starts closing.
final class AIOCloseTests: XCTestCase {
    private static let unary = TestService.path("Unary")

    func testCloseAndCloseWithGraceAsGrpcio() async throws {
        let grpcio = try PythonPeerServer()
        let (status, output) = try Peers.run("aio_close_client.py", ["--target", grpcio.target])
        XCTAssertEqual(status, 0, output)
        let expected = output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        XCTAssertEqual(expected.count, 9, output)

        var observed: [String] = []
        observed += try await Self.close(grpcio.target)
        observed += try await Self.closeWithGrace(grpcio.target)
        observed += try await Self.closeTwice(grpcio.target)
        XCTAssertEqual(observed, expected)
    }

    // MARK: the cases, as aio_close_client.py runs them

    private static func close(_ target: String) async throws -> [String] {
        let channel = AIO.insecureChannel(target)
        try await channel.channelReady()
        let unary = channel.unaryUnary(Self.unary)
        let tasks = (0..<3).map { _ in Task { await awaited(unary, sleepMilliseconds: 3000) } }
        let call = try unary.call([], timeout: 30, metadata: [("x-sleep-ms", "3000")])
        try await Task.sleep(nanoseconds: 500_000_000)
        await channel.close()
        var lines: [String] = []
        for task in tasks { lines.append("close awaited \(await task.value)") }
        let code = await call.code()
        let details = await call.details()
        lines.append("close call \(code.grpcName) \(details) \(call.cancelled() ? "True" : "False")")
        lines.append("close new_call \(await newCall(channel))")
        return lines
    }

    private static func closeWithGrace(_ target: String) async throws -> [String] {
        let channel = AIO.insecureChannel(target)
        try await channel.channelReady()
        let unary = channel.unaryUnary(Self.unary)
        let short = Task { await awaited(unary, sleepMilliseconds: 300) }
        let long = Task { await awaited(unary, sleepMilliseconds: 5000) }
        try await Task.sleep(nanoseconds: 100_000_000)
        let closing = Task { await channel.close(grace: 1.5) }
        try await Task.sleep(nanoseconds: 100_000_000)
        var lines = ["close_grace new_call_while_closing \(await newCall(channel))"]
        await closing.value
        lines.append("close_grace short \(await short.value)")
        lines.append("close_grace long \(await long.value)")
        return lines
    }

    private static func closeTwice(_ target: String) async throws -> [String] {
        let channel = AIO.insecureChannel(target)
        try await channel.channelReady()
        await channel.close()
        await channel.close()
        return ["close_twice done"]
    }

    /// An awaited call's outcome, in the script's words.
    private static func awaited(
        _ unary: AIO.UnaryUnaryMultiCallable<[UInt8], [UInt8]>, sleepMilliseconds: Int
    ) async -> String {
        do {
            _ = try await unary([], timeout: 30, metadata: [("x-sleep-ms", .text("\(sleepMilliseconds)"))])
            return "ok"
        } catch is CancellationError {
            return "CancelledError"
        } catch let error as RPCError {
            return "AioRpcError \(error.code.grpcName) \(error.details)"
        } catch {
            return "\(error)"
        }
    }

    /// A new call's outcome on a closing or closed channel, in the script's words.
    private static func newCall(_ channel: AIO.Channel) async -> String {
        do {
            _ = try await channel.unaryUnary(Self.unary)([], timeout: 5)
            return "ok"
        } catch let error as UsageError {
            return "UsageError \(error.message)"
        } catch {
            return "\(error)"
        }
    }
}

import Foundation
import GRPCSync
import TestProcesses
import XCTest

@testable import GRPCSyncHealth

/// The server side of a health scenario: where the statuses are set.
protocol HealthServerSide {
    var target: String { get }
    func set(_ service: String, _ status: Int)
    func enterGracefulShutdown()
    /// `server.stop(grace)`, not waiting for it.
    func beginStop(grace: Double)
    /// The Watch calls the servicer holds.
    func watcherCount() -> Int
    func stop()
}

/// The client side of a health scenario: takes health_peer.py's client commands (`check SERVICE`,
/// `watch SERVICE`, `next`) and answers as it does, without the `#<n> ` prefix.
protocol HealthClientSide {
    func command(_ line: String) -> String
    func stop()
}

/// health_peer.py's answer to the next command: waits for `#<n> `.
private final class PeerAnswers {
    let process: ChildProcess
    private var count = 0

    init(_ process: ChildProcess) {
        // A peer that died must fail the test, not kill the test process on its next command.
        signal(SIGPIPE, SIG_IGN)
        self.process = process
    }

    func ask(_ line: String) -> String {
        count += 1
        process.send(line + "\n")
        let prefix = "#\(count) "
        guard let answer = process.waitForLine(prefix: prefix, timeout: 30) else {
            return "no answer to \(line): \(process.output())"
        }
        return String(answer.dropFirst(prefix.count))
    }

    func stop() {
        process.closeInput()
        if !process.waitUntilExit(timeout: 10) { process.terminate() }
    }
}

/// `-` stands for the service "" in the scenario's commands.
func serviceName(_ word: Substring) -> String { word == "-" ? "" : String(word) }

/// grpcio's HealthServicer on a grpcio server (health_peer.py server).
final class GrpcioHealthServer: HealthServerSide {
    private let peer: PeerAnswers
    let target: String

    init() throws {
        let process = try ChildProcess(
            Repository.python, [Repository.path("Tests/Peers/health_peer.py"), "server"], keepsInputOpen: true)
        target = "localhost:\(try process.waitForPort(prefix: "PORT "))"
        peer = PeerAnswers(process)
    }

    func set(_ service: String, _ status: Int) {
        XCTAssertEqual(peer.ask("set \(service.isEmpty ? "-" : service) \(status)"), "done")
    }

    func enterGracefulShutdown() { XCTAssertEqual(peer.ask("shutdown"), "done") }

    func beginStop(grace: Double) { XCTAssertEqual(peer.ask("stop \(grace)"), "done") }

    func watcherCount() -> Int {
        let answer = peer.ask("watchers")
        XCTAssertTrue(answer.hasPrefix("watchers "), answer)
        return Int(answer.dropFirst("watchers ".count)) ?? -1
    }

    func stop() { peer.stop() }
}

/// The Swift HealthServicer on a Swift server with 10 workers.
final class SwiftHealthServer: HealthServerSide {
    let server = GRPCSync.Server(ThreadPoolExecutor(maxWorkers: 10))
    let servicer = HealthServicer()
    let target: String
    private var stopped: Event?

    init() throws {
        addHealthServicerToServer(servicer, server)
        let port = try server.addInsecurePort("[::]:0")
        try server.start()
        target = "localhost:\(port)"
    }

    func set(_ service: String, _ status: Int) {
        servicer.set(service, Grpc_Health_V1_HealthCheckResponse.ServingStatus(rawValue: status) ?? .unknown)
    }

    func enterGracefulShutdown() { servicer.enterGracefulShutdown() }

    func beginStop(grace: Double) { stopped = server.stop(grace: grace) }

    func watcherCount() -> Int { servicer.watcherCount }

    /// Stops the server now, unless a stop has begun; either way, the stop must complete.
    func stop() {
        XCTAssertTrue((stopped ?? server.stop(grace: nil)).wait(timeout: 30), "the server did not stop")
    }
}

/// The Swift async HealthServicer (`AIO.HealthServicer`) on an async server.
final class SwiftAsyncHealthServer: HealthServerSide, @unchecked Sendable {  // set once, before use
    let server = AIO.server()
    let servicer = AIO.HealthServicer()
    let target: String
    private var stopping: Task<Void, Never>?

    init() throws {
        addHealthServicerToServer(servicer, server)
        let port = try server.addInsecurePort("[::]:0")
        let started = DispatchSemaphore(value: 0)
        let server = server
        nonisolated(unsafe) var failure: (any Error)?
        Task.detached {
            do { try await server.start() } catch { failure = error }
            started.signal()
        }
        started.wait()
        if let failure { throw failure }
        target = "localhost:\(port)"
    }

    func set(_ service: String, _ status: Int) {
        servicer.set(service, Grpc_Health_V1_HealthCheckResponse.ServingStatus(rawValue: status) ?? .unknown)
    }

    func enterGracefulShutdown() { servicer.enterGracefulShutdown() }

    func beginStop(grace: Double) {
        let server = server
        stopping = Task.detached { await server.stop(grace: grace) }
    }

    func watcherCount() -> Int { servicer.watcherCount }

    /// Stops the server now, unless a stop has begun; either way, the stop must complete.
    func stop() {
        let server = server
        let stopping = stopping ?? Task.detached { await server.stop(grace: nil) }
        let stopped = DispatchSemaphore(value: 0)
        Task.detached {
            await stopping.value
            stopped.signal()
        }
        XCTAssertEqual(stopped.wait(timeout: .now() + 30), .success, "the server did not stop")
    }
}

/// grpcio's HealthStub (health_peer.py client).
final class GrpcioHealthClient: HealthClientSide {
    private let peer: PeerAnswers

    init(target: String) throws {
        peer = PeerAnswers(
            try ChildProcess(
                Repository.python, [Repository.path("Tests/Peers/health_peer.py"), "client", "--target", target],
                keepsInputOpen: true))
    }

    func command(_ line: String) -> String { peer.ask(line) }

    func stop() { peer.stop() }
}

/// The generated Swift stub, answering as health_peer.py's client does.
final class SwiftHealthClient: HealthClientSide, @unchecked Sendable {  // `received` is guarded by `condition`
    private let channel: Channel
    private let stub: Grpc_Health_V1_HealthStub
    private let condition = NSCondition()
    private var received: [String] = []
    private var watched = ""
    private var watch: ResponseStream<Grpc_Health_V1_HealthCheckResponse>?

    init(target: String) {
        channel = insecureChannel(target)
        stub = Grpc_Health_V1_HealthStub(channel)
    }

    func command(_ line: String) -> String {
        let words = line.split(separator: " ")
        switch words.first {
        case "check":
            let request = Grpc_Health_V1_HealthCheckRequest.with { $0.service = serviceName(words[1]) }
            do {
                let response = try stub.check(request, timeout: 10)
                return "check \(words[1]) 0 \(response.status.rawValue) -"
            } catch let error as RPCError {
                return "check \(words[1]) \(error.code.rawValue) - \(error.details.isEmpty ? "-" : error.details)"
            } catch {
                return "check \(words[1]) error \(error)"
            }
        case "watch":
            watched = String(words[1])
            let request = Grpc_Health_V1_HealthCheckRequest.with { $0.service = serviceName(words[1]) }
            do {
                let stream = try stub.watch(request)
                watch = stream
                Thread.detachNewThread { [self] in follow(stream) }
            } catch {
                return "watch error \(error)"
            }
            return nextAnswer()
        case "next":
            return nextAnswer()
        default:
            return "unknown command \(line)"
        }
    }

    private func follow(_ stream: ResponseStream<Grpc_Health_V1_HealthCheckResponse>) {
        var ending = "ended 0"
        do {
            while let response = try stream.next() { add("watch \(watched) \(response.status.rawValue)") }
        } catch let error as RPCError {
            ending = "ended \(error.code.rawValue)"
        } catch {
            ending = "ended \(error)"
        }
        add(ending)
    }

    private func add(_ answer: String) {
        condition.withLock {
            received.append(answer)
            condition.broadcast()
        }
    }

    private func nextAnswer() -> String {
        condition.withLock {
            let end = Date().addingTimeInterval(10)
            while received.isEmpty && condition.wait(until: end) {}
            return received.isEmpty ? "none" : received.removeFirst()
        }
    }

    func stop() {
        watch?.cancel()
        channel.close()
    }
}

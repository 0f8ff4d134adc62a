import Foundation
import Glibc
import XCTest

@testable import GRPCSync

/// gRFC A61's Happy Eyeballs pass (``HappyEyeballs/connect(to:attemptDelay:deadline:)``) on
/// loopback sockets: a listener that accepts, a bound port with no listener (refuses at once) and
/// a "blackhole", a listener whose accept queue is full, so Linux drops the SYNs of further
/// connects and their handshakes never complete. Timings are only generous deadlines.
final class HappyEyeballsTests: XCTestCase {
    /// Seconds the blackhole's probe connect waits to show that it hangs.
    private static let probeSeconds: Int32 = 2

    /// A loopback socket bound to a port of its own, listening (`backlog`) or not (refusing).
    private struct Endpoint {
        /// The bound (and maybe listening) socket.
        let fd: Int32
        /// Its address, `ipv4:127.0.0.1:PORT`.
        let address: SocketAddress
        /// Connections the listener never accepts, which fill a blackhole's accept queue.
        var fillers: [Int32] = []

        /// Binds a socket to a free loopback port; listens with `backlog` unless it is nil.
        init(listening backlog: Int32?) throws {
            let any = try XCTUnwrap(SocketAddress.resolve(host: "127.0.0.1", port: 0).first)
            fd = try Socket.bind(to: any, displayName: "127.0.0.1:0")
            if let backlog { XCTAssertEqual(Glibc.listen(fd, backlog), 0, Socket.errorText()) }
            address = try XCTUnwrap(Socket.localAddress(fd))
        }

        /// The bound port.
        var port: UInt16 { UInt16(address.description.split(separator: ":").last!)! }

        /// Closes the socket and the fillers.
        func close() {
            for fd in fillers + [fd] { Socket.close(fd) }
        }
    }

    /// Closes the endpoints' sockets.
    private static func close(_ endpoints: [Endpoint]) {
        for endpoint in endpoints { endpoint.close() }
    }

    /// How a probe connect ended within its time.
    private enum ProbeResult: Equatable {
        /// The handshake completed.
        case connected
        /// The handshake had not completed when the probe gave up.
        case hung
        /// The connect failed, with the error's text.
        case failed(String)
    }

    /// A non-blocking connect to `address`: the socket and how it ended within `seconds`.
    private static func probe(_ address: SocketAddress, seconds: Int32) -> (fd: Int32, result: ProbeResult) {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        Socket.setNonBlocking(fd)
        var storage = address.storage
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        if rc == 0 { return (fd, .connected) }
        guard errno == EINPROGRESS else { return (fd, .failed(Socket.errorText())) }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&pfd, 1, seconds * 1_000) == 1 else { return (fd, .hung) }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return (fd, error == 0 ? .connected : .failed(Socket.errorText(error)))
    }

    /// Why a test needing a blackhole cannot run: the precondition does not hold on this machine.
    private struct NoBlackhole: Error, CustomStringConvertible {
        /// What did not hold.
        let description: String
    }

    /// A listener with `listen(fd, 0)` whose queue is filled by connects it never accepts, checked
    /// to be a blackhole: a probe connect has not completed after ``probeSeconds``.
    private func blackhole() throws -> Endpoint {
        var endpoint = try Endpoint(listening: 0)
        for _ in 0..<4 {
            let (fd, result) = Self.probe(endpoint.address, seconds: Self.probeSeconds)
            switch result {
            case .hung:
                Socket.close(fd)
                return endpoint
            case .connected:
                endpoint.fillers.append(fd)
            case .failed(let reason):
                Socket.close(fd)
                endpoint.close()
                throw NoBlackhole(description: "precondition: a connect to a blackhole's listener failed: \(reason)")
            }
        }
        endpoint.close()
        throw NoBlackhole(
            description: "precondition: connects to a listener whose accept queue is full complete here; no blackhole")
    }

    /// Connects, expecting to fail, and returns the error.
    private func failure(_ addresses: [SocketAddress], delay: Double, deadline: Deadline) -> ConnectAttemptsFailed? {
        do {
            let won = try HappyEyeballs.connect(to: addresses, attemptDelay: delay, deadline: deadline)
            Socket.close(won.fd)
            XCTFail("connected to \(won.address)")
            return nil
        } catch {
            return error
        }
    }

    /// A channel whose first address is a blackhole reaches the second well within the 20 s an
    /// attempt on the first may last (a call with a 10 s deadline succeeds), as grpcio's does.
    func testAChannelGetsPastABlackholeAsGrpcio() throws {
        let hole = try blackhole()
        defer { hole.close() }
        let server = try NamedServer(host: "127.0.0.1", name: "second")
        let target = "ipv4:127.0.0.1:\(hole.port),127.0.0.1:\(server.port)"
        let channel = insecureChannel(target)
        defer { channel.close() }
        XCTAssertEqual(
            String(decoding: try channel.unaryUnary("/lb.Backend/Which")([], timeout: 10), as: UTF8.self), "second")
        let (status, output) = try Peers.run("lb_peer.py", ["client", "--target", target, "--calls", "1"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(LoadBalancingTests.counts(output), ["second": 1], output)
    }

    /// A blackhole first holds up nothing: 250 ms on, the listener second is also tried and wins,
    /// long before the deadline a sequential pick_first would spend on the blackhole.
    func testABlackholeFirstDoesNotHoldUpTheNextAddress() throws {
        let hole = try blackhole()
        let server = try Endpoint(listening: 16)
        defer { Self.close([hole, server]) }
        let halfway = Deadline.after(seconds: 5)
        let won = try HappyEyeballs.connect(
            to: [hole.address, server.address], attemptDelay: 0.25, deadline: .after(seconds: 10))
        defer { Socket.close(won.fd) }
        XCTAssertFalse(halfway.hasPassed, "the blackhole held up the second address")
        XCTAssertEqual(won.address.description, server.address.description)
        let accepted = try XCTUnwrap(Socket.accept(server.fd), "the winning socket is connected to the server")
        defer { Socket.close(accepted.fd) }
        XCTAssertEqual(accepted.peer.description, Socket.localAddress(won.fd)?.description)
    }

    /// Refused addresses start the next at once, without the attempt delay (60 s, past the deadline).
    func testARefusedAddressStartsTheNextAtOnce() throws {
        let refusing = [try Endpoint(listening: nil), try Endpoint(listening: nil)]
        let server = try Endpoint(listening: 16)
        defer { Self.close(refusing + [server]) }
        let won = try HappyEyeballs.connect(
            to: refusing.map(\.address) + [server.address], attemptDelay: 60, deadline: .after(seconds: 10))
        Socket.close(won.fd)
        XCTAssertEqual(won.address.description, server.address.description)
    }

    /// When every address refuses, the error lists each in order, the last naming the last address
    /// in the words "connect to ADDRESS: REASON"; no address at all is "no addresses".
    func testEveryAddressRefusingThrowsTheLastError() throws {
        let refusing = [try Endpoint(listening: nil), try Endpoint(listening: nil), try Endpoint(listening: nil)]
        defer { Self.close(refusing) }
        let error = try XCTUnwrap(failure(refusing.map(\.address), delay: 0.25, deadline: .after(seconds: 10)))
        XCTAssertEqual(error.failures.map(\.address.description), refusing.map(\.address.description))
        let refused = Socket.errorText(ECONNREFUSED)
        XCTAssertEqual(error.lastError, "connect to \(refusing[2].address): \(refused)")
        XCTAssertEqual("\(error)", error.lastError)
        XCTAssertEqual(error.failures.map(\.text), refusing.map { "connect to \($0.address): \(refused)" })
        XCTAssertEqual(failure([], delay: 0.25, deadline: .after(seconds: 10))?.lastError, "no addresses")
    }

    /// With only blackholes, the deadline ends every attempt: each "timed out", the last address last.
    func testOnlyBlackholesTimeOutAtTheDeadline() throws {
        let holes = [try blackhole(), try blackhole()]
        defer { Self.close(holes) }
        let deadline = Deadline.after(seconds: 1.5)
        let error = try XCTUnwrap(failure(holes.map(\.address), delay: 0.1, deadline: deadline))
        XCTAssertTrue(deadline.hasPassed, "gave up before the deadline: \(error.failures.map(\.text))")
        XCTAssertEqual(error.failures.map(\.text), holes.map { "connect to \($0.address): timed out" })
        XCTAssertEqual(error.lastError, "connect to \(holes[1].address): timed out")
    }

    /// Every socket but the winner's is closed: a refused one, and two blackhole attempts still in
    /// flight when the listener wins. Checked by the new socket descriptors of the process (those
    /// other threads opened for other peers are told apart) and by the kernel's table of TCP
    /// sockets, where an attempt still open would wait in SYN_SENT.
    func testEveryLosingSocketIsClosed() throws {
        let refusing = try Endpoint(listening: nil)
        let holes = [try blackhole(), try blackhole()]
        let server = try Endpoint(listening: 16)
        defer { Self.close([refusing, server] + holes) }
        let ours = Set(([refusing, server] + holes).map(\.port))
        for round in 0..<5 {
            let before = Self.openDescriptors()
            let won = try HappyEyeballs.connect(
                to: [refusing.address] + holes.map(\.address) + [server.address], attemptDelay: 0.05,
                deadline: .after(seconds: 10))
            let opened = Self.openDescriptors().subtracting(before).subtracting([won.fd])
            let leaked = opened.filter { Self.isLeakCandidate(fd: $0, ourPorts: ours) }
            XCTAssertEqual(won.address.description, server.address.description, "round \(round)")
            XCTAssertEqual(leaked.sorted(), [], "round \(round): sockets left open")
            XCTAssertEqual(Self.synSentCount(toPorts: Set(holes.map(\.port))), 0, "round \(round): attempts left open")
            Socket.close(won.fd)
            if let accepted = Socket.accept(server.fd) { Socket.close(accepted.fd) }
        }
    }

    /// The descriptors open in this process, without the one that reads `/proc/self/fd`.
    private static func openDescriptors() -> Set<Int32> {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var descriptors: Set<Int32> = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let fd = Int32(name), fd != dirfd(directory) { descriptors.insert(fd) }
        }
        return descriptors
    }

    /// The rows of the kernel's socket tables (TCP, TCP over IPv6, UDP, Unix), split into columns.
    private static func socketTable(_ name: String) -> [[Substring]] {
        // Read to the end: procfs files report no size, and a single read returns only a page.
        let handle = FileHandle(forReadingAtPath: "/proc/net/\(name)")
        defer { try? handle?.close() }
        let text = String(decoding: (try? handle?.readToEnd()) ?? Data(), as: UTF8.self)
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: " ") }
    }

    /// Whether a descriptor opened during a connect may be one of its sockets left open: a socket
    /// that is a TCP socket to one of `ourPorts`, or in no table at all (a TCP socket after a
    /// refusal); another thread's TCP socket to elsewhere, UDP or Unix socket is not.
    private static func isLeakCandidate(fd: Int32, ourPorts: Set<UInt16>) -> Bool {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"),
            target.hasPrefix("socket:[")
        else { return false }
        let inode = Substring(target.dropFirst("socket:[".count).dropLast())
        for row in socketTable("tcp") + socketTable("tcp6") where row.count > 9 && row[9] == inode {
            return row[2].split(separator: ":").last.flatMap { UInt16($0, radix: 16) }.map(ourPorts.contains) ?? true
        }
        let elsewhere = (socketTable("udp") + socketTable("udp6")).contains { $0.count > 9 && $0[9] == inode }
        return !elsewhere && !socketTable("unix").contains { $0.count > 6 && $0[6] == inode }
    }

    /// TCP sockets of the machine in SYN_SENT (state 02) to one of `ports`.
    private static func synSentCount(toPorts ports: Set<UInt16>) -> Int {
        (socketTable("tcp") + socketTable("tcp6")).filter { row in
            guard row.count > 3, row[3] == "02", let port = row[2].split(separator: ":").last else { return false }
            return UInt16(port, radix: 16).map(ports.contains) ?? false
        }.count
    }
}

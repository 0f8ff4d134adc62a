import Foundation
import GRPCSync
import TestProcesses
import XCTest

/// Bad TLS input and TLS failures, each run against a grpcio server (peer_server.py) and a Swift
/// server with the same certificates, from grpcio clients (Tests/Peers/tls_raw_client.py) and Swift
/// clients, and raw sockets (tls_raw_client.py). Both sides must agree: the same status code, the
/// same kind of refusal. After each case both servers still serve a good client, and 50 more bad
/// connections leave no file descriptor behind. What grpcio answers is recorded in
/// Tests/Peers/tls_cases_grpcio.txt.
final class TLSBadInputTests: XCTestCase {
    static let repetitions = 50
    /// The handshake timeout of the servers of the stalled-handshake case.
    static let shortHandshakeMilliseconds = 500

    // MARK: the servers

    /// The certificates a server presents and how it treats clients.
    enum Kind: String, CaseIterable {
        case tls, mutualTLS, plaintext, expired, notYetValid, wrongHost, otherCA, shortHandshake

        var certificate: (chain: String, key: String)? {
            switch self {
            case .tls, .mutualTLS, .shortHandshake: ("server.pem", "server.key")
            case .plaintext: nil
            case .expired: ("expired.pem", "expired.key")
            case .notYetValid: ("not-yet-valid.pem", "not-yet-valid.key")
            case .wrongHost: ("wrong-host.pem", "wrong-host.key")
            case .otherCA: ("other-server.pem", "other-server.key")
            }
        }
    }

    /// One grpcio server and one Swift server of each kind, started once for the whole class.
    final class Servers: @unchecked Sendable {
        let grpcio: [Kind: PythonPeerServer]
        let swift: [Kind: Server]
        let swiftPorts: [Kind: Int]

        init() throws {
            // Started at once: each takes a while to import grpcio.
            final class Started: @unchecked Sendable {  // `lock` protects everything
                let lock = NSLock()
                var servers: [Kind: PythonPeerServer] = [:]
                var failure: (any Error)?
            }
            let started = Started()
            DispatchQueue.concurrentPerform(iterations: Kind.allCases.count) { index in
                let kind = Kind.allCases[index]
                do {
                    let server = try PythonPeerServer(arguments: Servers.peerArguments(kind))
                    started.lock.withLock { started.servers[kind] = server }
                } catch {
                    started.lock.withLock { started.failure = error }
                }
            }
            if let failure = started.failure { throw failure }
            let grpcio = started.servers
            self.grpcio = grpcio
            var swift: [Kind: Server] = [:]
            var ports: [Kind: Int] = [:]
            for kind in Kind.allCases {
                let options: [(String, OptionValue)] =
                    kind == .shortHandshake
                    ? [("grpc.server_handshake_timeout_ms", .int(TLSBadInputTests.shortHandshakeMilliseconds))] : []
                let server = Server(
                    ThreadPoolExecutor(maxWorkers: 64), handlers: [TestService.handler()], options: options)
                if let certificate = kind.certificate {
                    let credentials = try sslServerCredentials(
                        [(privateKey: try pem(certificate.key), certificateChain: try pem(certificate.chain))],
                        rootCertificates: kind == .mutualTLS ? try pem("ca.pem") : nil,
                        requireClientAuth: kind == .mutualTLS)
                    ports[kind] = try server.addSecurePort("[::]:0", credentials)
                } else {
                    ports[kind] = try server.addInsecurePort("[::]:0")
                }
                try server.start()
                swift[kind] = server
            }
            self.swift = swift
            swiftPorts = ports
        }

        static func peerArguments(_ kind: Kind) -> [String] {
            var arguments = ["--workers", "16"]
            if let certificate = kind.certificate {
                arguments += [
                    "--tls-cert", certificatePath(certificate.chain), "--tls-key", certificatePath(certificate.key),
                ]
            }
            if kind == .mutualTLS {
                arguments += ["--tls-client-ca", certificatePath("ca.pem"), "--require-client-auth"]
            }
            if kind == .shortHandshake {
                arguments += [
                    "--option", "grpc.server_handshake_timeout_ms=\(TLSBadInputTests.shortHandshakeMilliseconds)",
                ]
            }
            return arguments
        }

        func stop() {
            for server in grpcio.values { server.stop() }
            for server in swift.values { server.stop(grace: nil).wait(timeout: 10) }
        }
    }

    private static let serversLock = NSLock()
    private nonisolated(unsafe) static var started: Result<Servers, any Error>?

    /// The servers, started by the first test that needs them.
    static func servers() throws -> Servers {
        try serversLock.withLock {
            if started == nil { started = Result { try Servers() } }
            return try started!.get()
        }
    }

    override class func tearDown() {
        serversLock.withLock {
            if case .success(let servers) = started { servers.stop() }
            started = nil
        }
        super.tearDown()
    }

    /// A server under test: which implementation, its kind and port.
    struct Peer: CustomStringConvertible {
        enum Implementation: String { case grpcio, swift }
        let implementation: Implementation
        let kind: Kind
        let port: Int
        /// The grpcio server's process id (its file descriptors are counted in /proc).
        let pid: Int32?

        var description: String { "\(implementation) \(kind) server :\(port)" }
    }

    func peers(_ kind: Kind) throws -> [Peer] {
        let servers = try Self.servers()
        let grpcio = servers.grpcio[kind]!
        return [
            Peer(implementation: .grpcio, kind: kind, port: grpcio.port, pid: grpcio.process.processIdentifier),
            Peer(implementation: .swift, kind: kind, port: servers.swiftPorts[kind]!, pid: nil),
        ]
    }

    // MARK: certificates and clients

    static func certificatePath(_ name: String) -> String { Repository.path("Tests/Certificates/\(name)") }

    static func pem(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: certificatePath(name))))
    }

    /// Swift TLS client credentials trusting the test CA, with a client certificate when named.
    static func clientCredentials(certificate: String? = nil, key: String? = nil) throws -> ChannelCredentials {
        sslChannelCredentials(
            rootCertificates: try pem("ca.pem"), privateKey: try key.map(pem),
            certificateChain: try certificate.map(pem))
    }

    /// One Unary call of `hello` on a new channel, closed afterwards: its code and details.
    func swiftCall(
        port: Int, credentials: ChannelCredentials?, host: String = "localhost"
    ) -> (code: StatusCode, details: String) {
        let target = "\(host):\(port)"
        let channel = credentials.map { secureChannel(target, $0) } ?? insecureChannel(target)
        defer { channel.close() }
        do {
            let reply = try channel.unaryUnary(TestService.path("Unary"))(Array("hello".utf8), timeout: 10)
            XCTAssertEqual(reply, Array("hello".utf8))
            return (.ok, "")
        } catch let error as RPCError {
            return (error.code, error.details)
        } catch {
            XCTFail("\(error)")
            return (.unknown, "\(error)")
        }
    }

    /// A good client's call succeeds: TLS (mutual for `.mutualTLS`), or plaintext.
    func assertServes(_ peer: Peer, _ context: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let credentials: ChannelCredentials? =
            switch peer.kind {
            case .plaintext: nil
            case .mutualTLS: try Self.clientCredentials(certificate: "client.pem", key: "client.key")
            default: try Self.clientCredentials()
            }
        let (code, details) = swiftCall(port: peer.port, credentials: credentials)
        XCTAssertEqual(code, .ok, "\(peer), a good client after \(context): \(details)", file: file, line: line)
    }

    // MARK: tls_raw_client.py

    /// Runs tls_raw_client.py `mode` against `ports`; returns each port's result lines.
    func raw(
        _ mode: String, _ ports: [Int], _ arguments: [String] = [], timeout: Double = 60
    ) throws -> [Int: [String]] {
        let (status, output) = try Peers.run(
            "tls_raw_client.py", [mode] + ports.flatMap { ["--port", "\($0)"] } + arguments, timeout: timeout)
        XCTAssertEqual(status, 0, "tls_raw_client.py \(mode):\n\(output)")
        return Self.results(output)
    }

    static func results(_ output: String) -> [Int: [String]] {
        var results: [Int: [String]] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("RESULT ") {
            let words = line.dropFirst("RESULT ".count).split(separator: " ", maxSplits: 1)
            guard let port = Int(words[0]) else { continue }
            results[port, default: []].append(words.count > 1 ? String(words[1]) : "")
        }
        return results
    }

    /// A grpcio client's call (tls_raw_client.py grpcio_tls / grpcio_plaintext) to each peer.
    func grpcioCalls(
        _ peers: [Peer], tls: Bool, certificate: String? = nil, key: String? = nil
    ) throws -> [Int: (code: String, details: String)] {
        var arguments: [String] = []
        if let certificate, let key { arguments += ["--cert", certificate, "--tls-key", key] }
        let results = try raw(tls ? "grpcio_tls" : "grpcio_plaintext", peers.map(\.port), arguments)
        var calls: [Int: (code: String, details: String)] = [:]
        for peer in peers {
            guard let line = results[peer.port]?.first, line.hasPrefix("code="),
                let space = line.firstIndex(of: " ")
            else {
                XCTFail("no grpcio call result for \(peer): \(results)")
                continue
            }
            let code = String(line[line.index(line.startIndex, offsetBy: 5)..<space])
            let details = String(line[space...].dropFirst().dropFirst("details=".count))
            calls[peer.port] = (code, details)
        }
        return calls
    }

    // MARK: leaks

    /// The open file descriptors of this process, or of process `pid`.
    static func openFileDescriptors(pid: Int32? = nil) throws -> Int {
        let directory = pid.map { "/proc/\($0)/fd" } ?? "/proc/self/fd"
        return try FileManager.default.contentsOfDirectory(atPath: directory).count
    }

    /// The peer's process (this one for a Swift server) gets back to at most `before` + `slack`
    /// open file descriptors within 10 s.
    func assertNoDescriptorLeak(
        _ peer: Peer, before: Int, slack: Int = 10, _ context: String, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let end = Date().addingTimeInterval(10)
        var now = try Self.openFileDescriptors(pid: peer.pid)
        while now > before + slack && Date() < end {
            Thread.sleep(forTimeInterval: 0.1)
            now = try Self.openFileDescriptors(pid: peer.pid)
        }
        XCTAssertLessThanOrEqual(
            now, before + slack, "\(peer): open file descriptors after \(context) (before: \(before))", file: file,
            line: line)
    }

    /// Runs `badCase` `repetitions` times, then checks that the server still serves and that its
    /// process's file descriptors are back to about what they were.
    func assertRepeatedCaseLeavesNothing(
        _ peer: Peer, _ context: String, file: StaticString = #filePath, line: UInt = #line,
        _ badCase: () throws -> Void
    ) throws {
        try assertServes(peer, "warming up", file: file, line: line)
        let before = try Self.openFileDescriptors(pid: peer.pid)
        try badCase()
        try assertServes(peer, "\(Self.repetitions) × \(context)", file: file, line: line)
        try assertNoDescriptorLeak(peer, before: before, "\(Self.repetitions) × \(context)", file: file, line: line)
    }

    /// Where a line of evidence goes: the test log.
    func record(_ text: String) { print("TLSBadInput: \(text)") }

    static let connectFailurePrefix = "failed to connect to all addresses; last error: "

    /// Details that say the server closed (or reset) the connection: grpcio's "Socket closed",
    /// "recvmsg:Connection reset by peer", ours "Socket closed by peer", "Connection error: …reset…".
    static func saysConnectionLost(_ details: String) -> Bool {
        details.contains("Socket closed") || details.lowercased().contains("reset by peer")
    }
}

// MARK: - the cases

extension TLSBadInputTests {
    /// Every mode these tests use is one tls_raw_client.py lists.
    func testRawClientModesExist() throws {
        let modes = Set(try Peers.list("tls_raw_client.py"))
        let used: Set = [
            "garbage", "h2_preface", "stall", "truncated_record", "no_close_notify", "alpn_http11", "no_alpn",
            "alpn_h2", "silent_after_handshake", "grpcio_tls", "grpcio_plaintext",
        ]
        XCTAssertEqual(used.subtracting(modes), [])
    }

    /// 1. A plaintext client on a TLS port: UNAVAILABLE from both clients, against both servers.
    func testPlaintextClientOnTLSPort() throws {
        let peers = try peers(.tls)
        let grpcio = try grpcioCalls(peers, tls: false)
        for peer in peers {
            let ours = swiftCall(port: peer.port, credentials: nil)
            let theirs = grpcio[peer.port]
            record(
                "plaintext client → \(peer): swift \(ours.code) \(ours.details) | grpcio \(theirs.map { "\($0.code) \($0.details)" } ?? "-")"
            )
            // grpcio: "failed to connect to all addresses; last error: UNAVAILABLE: ADDRESS: Socket
            // closed"; both clients count the connection as made only once the server's SETTINGS
            // arrive, so the server's close fails the connection attempt.
            XCTAssertEqual(ours.code, .unavailable, "\(peer): \(ours.details)")
            XCTAssertTrue(ours.details.hasPrefix(Self.connectFailurePrefix), "\(peer): \(ours.details)")
            XCTAssertTrue(Self.saysConnectionLost(ours.details), "\(peer): \(ours.details)")
            XCTAssertEqual(theirs?.code, "UNAVAILABLE", "\(peer)")
            XCTAssertTrue(
                theirs?.details.hasPrefix(Self.connectFailurePrefix) ?? false, "\(peer): \(theirs?.details ?? "")")
            XCTAssertTrue(Self.saysConnectionLost(theirs?.details ?? ""), "\(peer): \(theirs?.details ?? "")")
            try assertServes(peer, "a plaintext client")
        }
        // The same from a raw socket: the HTTP/2 preface in the clear is dropped without an answer.
        let results = try raw("h2_preface", peers.map(\.port), ["--repeat", "\(Self.repetitions)"])
        for peer in peers {
            let lines = results[peer.port] ?? []
            XCTAssertEqual(lines.count, Self.repetitions, "\(peer)")
            for line in Set(lines) {
                record("h2 preface in the clear → \(peer): \(line)")
                XCTAssertTrue(line.hasSuffix("sent nothing") && !line.hasPrefix("still open"), "\(peer): \(line)")
            }
        }
        for peer in peers {
            try assertRepeatedCaseLeavesNothing(peer, "a plaintext client") {
                for _ in 0..<Self.repetitions {
                    XCTAssertEqual(swiftCall(port: peer.port, credentials: nil).code, .unavailable)
                }
            }
        }
    }

    /// 2. A TLS client on a plaintext port: UNAVAILABLE, "failed to connect to all addresses".
    func testTLSClientOnPlaintextPort() throws {
        let peers = try peers(.plaintext)
        let grpcio = try grpcioCalls(peers, tls: true)
        let credentials = try Self.clientCredentials()
        for peer in peers {
            let ours = swiftCall(port: peer.port, credentials: credentials)
            let theirs = grpcio[peer.port]
            record(
                "TLS client → \(peer): swift \(ours.code) \(ours.details) | grpcio \(theirs.map { "\($0.code) \($0.details)" } ?? "-")"
            )
            XCTAssertEqual(ours.code, .unavailable, "\(peer): \(ours.details)")
            XCTAssertTrue(ours.details.hasPrefix(Self.connectFailurePrefix), "\(peer): \(ours.details)")
            XCTAssertTrue(ours.details.contains("wrong version number"), "\(peer): \(ours.details)")
            XCTAssertEqual(theirs?.code, "UNAVAILABLE", "\(peer)")
            XCTAssertTrue(theirs?.details.hasPrefix(Self.connectFailurePrefix) ?? false, "\(peer)")
            XCTAssertTrue(theirs?.details.contains("WRONG_VERSION_NUMBER") ?? false, "\(peer)")
            try assertServes(peer, "a TLS client")
        }
        for peer in peers {
            try assertRepeatedCaseLeavesNothing(peer, "a TLS client") {
                for _ in 0..<Self.repetitions {
                    // The server's SETTINGS may arrive before the ClientHello leaves: the handshake
                    // still fails on them, at once (it once waited for the call's deadline).
                    let (code, details) = swiftCall(port: peer.port, credentials: credentials)
                    XCTAssertEqual(code, .unavailable, "\(peer): \(details)")
                    XCTAssertTrue(details.contains("TLS handshake failed: wrong version number"), "\(peer): \(details)")
                }
            }
        }
    }

    /// 3. Garbage instead of a ClientHello: closed without an answer; the server keeps serving.
    func testGarbageInsteadOfClientHello() throws {
        let peers = try peers(.tls)
        var before: [Int: Int] = [:]
        for peer in peers {
            try assertServes(peer, "warming up")
            before[peer.port] = try Self.openFileDescriptors(pid: peer.pid)
        }
        let results = try raw("garbage", peers.map(\.port), ["--repeat", "\(Self.repetitions)"])
        for peer in peers {
            let lines = results[peer.port] ?? []
            XCTAssertEqual(lines.count, Self.repetitions, "\(peer)")
            for line in Set(lines) {
                record("garbage → \(peer): \(line)")
                XCTAssertTrue(
                    (line.hasPrefix("closed") || line.hasPrefix("reset")) && line.hasSuffix("sent nothing"),
                    "\(peer): \(line)")
            }
            try assertServes(peer, "garbage")
            try assertNoDescriptorLeak(peer, before: before[peer.port]!, "\(Self.repetitions) × garbage")
        }
    }

    /// 4. A client that stops halfway through its ClientHello is disconnected when the server's
    /// handshake timeout (500 ms here) expires; meanwhile the server serves others.
    func testStalledHandshakeIsClosedAndOthersAreServed() throws {
        let short = try peers(.shortHandshake)
        let normal = try peers(.tls)
        var before: [Int: Int] = [:]
        for peer in short {
            try assertServes(peer, "warming up")
            before[peer.port] = try Self.openFileDescriptors(pid: peer.pid)
        }
        // Servers with the default timeouts (grpcio 120 s, ours 20 s) keep a stalled handshake
        // open for the 3 s the client waits: calls made meanwhile show that it blocks nobody.
        let stallingOnNormal = try ChildProcess(
            Repository.python,
            [Peers.script("tls_raw_client.py"), "stall", "--limit", "3"] + normal.flatMap { ["--port", "\($0.port)"] })
        let stalling = try ChildProcess(
            Repository.python,
            [Peers.script("tls_raw_client.py"), "stall", "--limit", "15", "--repeat", "\(Self.repetitions)"]
                + short.flatMap { ["--port", "\($0.port)"] })
        for peer in normal {
            XCTAssertNotNil(stallingOnNormal.waitForLine(prefix: "STALLING \(peer.port)", timeout: 10), "\(peer)")
        }
        for peer in normal { try assertServes(peer, "meanwhile: a stalled handshake") }
        let (status, output) = stalling.waitForExit(timeout: 40)
        XCTAssertEqual(status, 0, output)
        let results = Self.results(output)
        for peer in short {
            let lines = results[peer.port] ?? []
            XCTAssertEqual(lines.count, Self.repetitions, "\(peer): \(output)")
            for line in lines {
                // Closed within the 15 s the client waits, whatever the exact time.
                XCTAssertTrue(line.hasPrefix("closed") || line.hasPrefix("reset"), "\(peer): \(line)")
            }
            record("stalled handshake → \(peer): \(lines.first ?? "-") (and \(lines.count - 1) more)")
            try assertServes(peer, "stalled handshakes")
            try assertNoDescriptorLeak(peer, before: before[peer.port]!, "\(Self.repetitions) × a stalled handshake")
        }
        let (normalStatus, normalOutput) = stallingOnNormal.waitForExit(timeout: 30)
        XCTAssertEqual(normalStatus, 0, normalOutput)
        for (port, lines) in Self.results(normalOutput) {
            record("stalled handshake, default timeout → :\(port): \(lines)")
            XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("still open") }, "\(port): \(lines)")
        }
    }

    /// 4b. A client that completes the TLS handshake and then sends nothing (no HTTP/2 preface)
    /// is closed when the handshake timeout expires too: grpc's lasts until the client's SETTINGS
    /// (grpcio sends GOAWAY "Did not receive HTTP/2 settings before handshake timeout").
    func testSilenceAfterTheTLSHandshakeIsClosed() throws {
        let short = try peers(.shortHandshake)
        var before: [Int: Int] = [:]
        for peer in short {
            try assertServes(peer, "warming up")
            before[peer.port] = try Self.openFileDescriptors(pid: peer.pid)
        }
        let results = try raw(
            "silent_after_handshake", short.map(\.port), ["--limit", "15", "--repeat", "\(Self.repetitions)"])
        for peer in short {
            let lines = results[peer.port] ?? []
            XCTAssertEqual(lines.count, Self.repetitions, "\(peer)")
            for line in lines {
                let connection = line.components(separatedBy: " connection=").last ?? ""
                XCTAssertTrue(line.hasPrefix("handshake=done alpn=h2 "), "\(peer): \(line)")
                XCTAssertTrue(
                    connection.hasPrefix("closed") || connection.hasPrefix("reset"), "\(peer): \(line)")
            }
            record("silent after the handshake → \(peer): \(lines.first ?? "-") (and \(lines.count - 1) more)")
            try assertServes(peer, "silent clients")
            try assertNoDescriptorLeak(peer, before: before[peer.port]!, "\(Self.repetitions) silent clients")
        }
    }

    /// 5. Expired, not yet valid, wrong-host and untrusted server certificates: UNAVAILABLE from
    /// both clients against both servers, the reason named.
    func testBadServerCertificates() throws {
        let cases: [(Kind, reason: String)] = [
            (.expired, "certificate has expired"),
            (.notYetValid, "certificate is not yet valid"),
            (.wrongHost, "hostname"),
            (.otherCA, "unable to get local issuer certificate"),
        ]
        let all = try cases.flatMap { try peers($0.0) }
        let grpcio = try grpcioCalls(all, tls: true)
        let credentials = try Self.clientCredentials()
        for (kind, reason) in cases {
            for peer in try peers(kind) {
                let ours = swiftCall(port: peer.port, credentials: credentials)
                let theirs = grpcio[peer.port]
                record(
                    "\(peer): swift \(ours.code) \(ours.details) | grpcio \(theirs.map { "\($0.code) \($0.details)" } ?? "-")"
                )
                XCTAssertEqual(ours.code, .unavailable, "\(peer): \(ours.details)")
                XCTAssertTrue(ours.details.hasPrefix(Self.connectFailurePrefix), "\(peer): \(ours.details)")
                XCTAssertTrue(ours.details.lowercased().contains(reason), "\(peer): \(ours.details)")
                XCTAssertEqual(theirs?.code, "UNAVAILABLE", "\(peer)")
                XCTAssertTrue(theirs?.details.hasPrefix(Self.connectFailurePrefix) ?? false, "\(peer)")
                XCTAssertTrue(theirs?.details.lowercased().contains(reason) ?? false, "\(peer)")
            }
        }
        // The refusing client leaks nothing (this process's descriptors), and the servers stay up:
        // the good certificate's servers serve, the bad ones keep refusing the same way.
        let swiftExpired = try peers(.expired)[1]
        let before = try Self.openFileDescriptors()
        for _ in 0..<Self.repetitions {
            XCTAssertEqual(swiftCall(port: swiftExpired.port, credentials: credentials).code, .unavailable)
        }
        try assertNoDescriptorLeak(
            Peer(implementation: .swift, kind: .expired, port: swiftExpired.port, pid: nil), before: before,
            "\(Self.repetitions) refused server certificates")
        for peer in all {
            XCTAssertEqual(swiftCall(port: peer.port, credentials: credentials).code, .unavailable, "\(peer)")
        }
    }

    /// 6. No client certificate where one is required, and one from another CA: UNAVAILABLE from
    /// both clients against both servers; the server keeps serving.
    func testBadClientCertificates() throws {
        let peers = try peers(.mutualTLS)
        let cases: [(String, certificate: String?, key: String?)] = [
            ("no client certificate", nil, nil),
            ("a client certificate from another CA", "other-client.pem", "other-client.key"),
        ]
        for (name, certificate, key) in cases {
            let grpcio = try grpcioCalls(peers, tls: true, certificate: certificate, key: key)
            let credentials = try Self.clientCredentials(certificate: certificate, key: key)
            for peer in peers {
                let ours = swiftCall(port: peer.port, credentials: credentials)
                let theirs = grpcio[peer.port]
                record(
                    "\(name) → \(peer): swift \(ours.code) \(ours.details) | grpcio \(theirs.map { "\($0.code) \($0.details)" } ?? "-")"
                )
                // With TLS 1.3 the client's handshake is over before the server checks the client
                // certificate; the server then closes without its SETTINGS, which fails the
                // connection attempt: "failed to connect to all addresses; last error: UNAVAILABLE:
                // ADDRESS: Socket closed" (grpcio). Neither server sends the TLS alert.
                XCTAssertEqual(ours.code, .unavailable, "\(name) → \(peer): \(ours.details)")
                XCTAssertTrue(ours.details.hasPrefix(Self.connectFailurePrefix), "\(name) → \(peer): \(ours.details)")
                XCTAssertTrue(Self.saysConnectionLost(ours.details), "\(name) → \(peer): \(ours.details)")
                XCTAssertEqual(theirs?.code, "UNAVAILABLE", "\(name) → \(peer)")
                XCTAssertTrue(theirs?.details.hasPrefix(Self.connectFailurePrefix) ?? false, "\(name) → \(peer)")
                XCTAssertTrue(
                    Self.saysConnectionLost(theirs?.details ?? ""), "\(name) → \(peer): \(theirs?.details ?? "")")
                try assertServes(peer, name)
            }
            for peer in peers {
                try assertRepeatedCaseLeavesNothing(peer, name) {
                    for _ in 0..<Self.repetitions {
                        XCTAssertEqual(swiftCall(port: peer.port, credentials: credentials).code, .unavailable)
                    }
                }
            }
        }
    }

    /// 7. A TLS record cut in half, and a TCP close without close_notify in the middle of a
    /// message: the server cancels the call in progress on that connection and keeps serving.
    func testTruncatedRecordAndCloseWithoutCloseNotifyCancelTheCall() throws {
        let peers = try peers(.tls)
        let credentials = try Self.clientCredentials()
        for mode in ["truncated_record", "no_close_notify"] {
            for peer in peers {
                // grpcio's server has 16 workers: fewer calls at once there.
                let repeats = peer.implementation == .swift ? Self.repetitions / 2 : 5
                let key = "\(mode)-\(UUID().uuidString)"
                try assertRepeatedCaseLeavesNothing(peer, mode) {
                    let results = try raw(mode, [peer.port], ["--repeat", "\(repeats)", "--key", key])
                    let lines = results[peer.port] ?? []
                    XCTAssertEqual(lines.count, repeats, "\(peer)")
                    record("\(mode) → \(peer): \(lines.first ?? "-")")
                    XCTAssertTrue(lines.allSatisfy { $0.contains("TCP closed") }, "\(peer): \(lines)")
                    // Each call on the cut connections became inactive and ran its callbacks.
                    let channel = secureChannel("localhost:\(peer.port)", credentials)
                    defer { channel.close() }
                    let cancelSeen = channel.unaryUnary(TestService.path("CancelSeen"))
                    for index in 0..<repeats {
                        let request = Array("\(key)-\(index)".utf8)
                        var seen = "none"
                        let end = Date().addingTimeInterval(10)
                        while seen == "none" && Date() < end {
                            seen = String(decoding: try cancelSeen(request, timeout: 10), as: UTF8.self)
                            if seen == "none" { Thread.sleep(forTimeInterval: 0.1) }
                        }
                        XCTAssertEqual(seen, "active=false callback=true", "\(mode) → \(peer), call \(index)")
                    }
                }
            }
        }
    }

    /// 8. A client offering ALPN http/1.1 only, or no ALPN: refused (grpcio completes the
    /// handshake and closes; ours may refuse in the handshake). No HTTP/2 answer comes and the
    /// connection closes. A client offering h2 is answered (the control).
    func testClientWithoutALPNH2IsRefused() throws {
        let peers = try peers(.tls)
        for mode in ["alpn_http11", "no_alpn"] {
            for peer in peers {
                try assertRepeatedCaseLeavesNothing(peer, mode) {
                    let results = try raw(mode, [peer.port], ["--repeat", "\(Self.repetitions)"])
                    let lines = results[peer.port] ?? []
                    XCTAssertEqual(lines.count, Self.repetitions, "\(peer)")
                    for line in Set(lines) {
                        record("\(mode) → \(peer): \(line)")
                        XCTAssertTrue(line.contains(" frames=nothing "), "\(mode) → \(peer): \(line)")
                        let connection = line.components(separatedBy: " connection=").last ?? ""
                        XCTAssertTrue(
                            connection.hasPrefix("closed") || connection.hasPrefix("reset"),
                            "\(mode) → \(peer): \(line)")
                    }
                }
            }
        }
        let results = try raw("alpn_h2", peers.map(\.port))
        for peer in peers {
            let line = results[peer.port]?.first ?? ""
            record("alpn_h2 → \(peer): \(line)")
            XCTAssertTrue(line.hasPrefix("handshake=done alpn=h2 "), "\(peer): \(line)")
            XCTAssertTrue(line.contains("HEADERS(:status: 200"), "\(peer): \(line)")
        }
    }
}

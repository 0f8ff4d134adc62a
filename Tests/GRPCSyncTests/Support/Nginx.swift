import Foundation
import TestProcesses

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's nginx as a gRPC proxy (`grpc_pass`) in front of upstream servers on loopback ports,
/// run as a child process of the test: its configuration, pid file, logs and temporary files are
/// in a directory of its own, which ``stop()`` removes after killing it.
///
/// A missing nginx fails the test (as a missing grpcio venv does): `make deps` installs it.
final class NginxProxy: @unchecked Sendable {  // `process` is thread-safe; the rest is immutable
    /// The loopback port nginx listens on for h2c (HTTP/2 without TLS) gRPC clients.
    let port: Int
    /// The directory with nginx.conf, error.log and nginx's temporary files.
    let directory: URL
    private let process: ChildProcess

    /// Starts nginx in front of servers on `upstreamPorts` of 127.0.0.1, on a free loopback port,
    /// and returns once it listens; with `keepsUpstreamConnections` false it opens a connection to
    /// a server for every call. Throws what nginx printed and logged when it does not start.
    init(upstreamPorts: [Int], keepsUpstreamConnections: Bool = true) throws {
        let executable = try Self.executable()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "grpc-sync-nginx-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let hasHTTP2Directive = try !Self.version(of: executable).lexicographicallyPrecedes([1, 25, 1])
        var started: (process: ChildProcess, port: Int)?
        var failures: [String] = []
        // The free port can be taken between its choice and nginx's bind: try another then.
        for _ in 0..<3 where started == nil {
            let port = try Self.freeLoopbackPort()
            let configuration = Self.configuration(
                port: port, upstreamPorts: upstreamPorts, http2Directive: hasHTTP2Directive,
                keepalive: keepsUpstreamConnections)
            try configuration.write(
                to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
            let process = try ChildProcess(
                executable,
                ["-p", directory.path, "-c", "\(directory.path)/nginx.conf", "-e", "\(directory.path)/error.log"])
            if Self.waitUntilListening(process, directory: directory) {
                started = (process, port)
            } else {
                process.terminate()
                failures.append(process.output() + Self.errorLog(in: directory))
            }
        }
        guard let started else {
            try? FileManager.default.removeItem(at: directory)
            throw ChildProcessFailure("nginx did not start:\n" + failures.joined(separator: "\n---\n"))
        }
        (process, port) = started
    }

    deinit { stop() }

    /// The target of a channel to the servers through nginx.
    var target: String { "127.0.0.1:\(port)" }

    /// What nginx has logged so far (level `notice` and above).
    func errorLog() -> String { Self.errorLog(in: directory) }

    private static func errorLog(in directory: URL) -> String {
        (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
    }

    /// The error log's messages without their time stamps and process ids, with how often each
    /// came, most frequent first: what nginx did with the servers' refusals and GOAWAYs.
    func errorLogSummary() -> [(message: String, count: Int)] {
        var counts: [String: Int] = [:]
        for line in errorLog().split(separator: "\n") {
            // "2024/01/01 10:00:00 [error] 123#123: *45 connect() failed (111: …) while …, client: …"
            var message = line.split(separator: " ", maxSplits: 4).dropFirst(4).first.map(String.init) ?? String(line)
            if message.hasPrefix("*") { message = String(message.drop { $0 != " " }.dropFirst()) }
            let level = line.split(separator: " ").dropFirst(2).first.map(String.init) ?? ""
            message = message.components(separatedBy: ", client:").first ?? message
            counts["\(level) \(message)", default: 0] += 1
        }
        return counts.map { ($0.key, $0.value) }.sorted {
            $0.count != $1.count ? $0.count > $1.count : $0.message < $1.message
        }
    }

    /// Kills nginx (SIGTERM, then SIGKILL) and removes its directory; a second call does nothing.
    func stop() {
        process.terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Waits (at most 10 s) for nginx to write its pid file, which it does once its listening
    /// socket is open; false when it exits first.
    private static func waitUntilListening(_ process: ChildProcess, directory: URL) -> Bool {
        let pidFile = directory.appendingPathComponent("nginx.pid").path
        let end = Date().addingTimeInterval(10)
        while Date() < end && process.isRunning {
            if FileManager.default.fileExists(atPath: pidFile) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// The configuration: nginx in the foreground as one process, every file in its directory,
    /// one h2c server passing every call to the upstream servers.
    ///
    /// With `keepalive`, nginx keeps idle connections to the servers; without, it opens a
    /// connection for every call, and so reaches a server whose `stop(grace:)` has begun but
    /// whose listening socket is still open: the server drains such a connection (it serves the
    /// call already sent on it), since nginx does not pass on a POST it has sent.
    ///
    /// - Parameter http2Directive: nginx 1.25.1 and later take `http2 on;` (and warn about
    ///   `listen … http2`); earlier versions know only the `listen` parameter.
    static func configuration(port: Int, upstreamPorts: [Int], http2Directive: Bool, keepalive: Bool) -> String {
        let servers = upstreamPorts.map { "        server 127.0.0.1:\($0) max_fails=0;" }.joined(separator: "\n")
        let listen = http2Directive ? "listen 127.0.0.1:\(port);\n        http2 on;" : "listen 127.0.0.1:\(port) http2;"
        return """
            # nginx in front of one test's gRPC servers; relative paths are in this directory (-p).
            daemon off;          # stays the test's child process
            master_process off;  # one process, no workers: killing it leaves nothing behind
            pid nginx.pid;       # written once the listening socket is open: the test waits for it
            error_log error.log notice;

            events {
                worker_connections 1024;
            }

            http {
                access_log off;
                # Temporary files, which nginx would otherwise create in /var/lib/nginx.
                client_body_temp_path body;
                proxy_temp_path proxy;
                fastcgi_temp_path fastcgi;
                uwsgi_temp_path uwsgi;
                scgi_temp_path scgi;

                upstream servers {
                    # Round robin. max_fails=0: a refused connection passes that one call on (below)
                    # without taking the server out of the rotation for fail_timeout (10 s), so a
                    # restarted server is called again at once.
            \(servers)
                    # Idle connections to the servers kept for reuse, one call at a time each
                    # (nginx's grpc module opens one stream at a time on a connection); an idle one
                    # is closed when its server sends a GOAWAY.
                    \(keepalive ? "keepalive 8;" : "# no keepalive: a connection per call")
                }

                server {
                    # h2c (HTTP/2 without TLS, no upgrade), as gRPC clients speak it.
                    \(listen)
                    location / {
                        grpc_pass grpc://servers;
                        # A call whose server cannot be reached (its connection refused while it
                        # restarts, reset, or timed out) goes to the next server (nginx's default,
                        # spelled out). nginx retries a POST, as every gRPC call is, only while no
                        # byte of it has gone to a server.
                        grpc_next_upstream error timeout;
                    }
                }
            }

            """
    }

    /// nginx on PATH, or in /usr/sbin (Debian's place, not on every user's PATH).
    static func executable() throws -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        guard let nginx = ChildProcess.executable(named: "nginx", path: path) else {
            throw ChildProcessFailure("nginx is not installed (Debian's nginx package; `make deps` installs it)")
        }
        return nginx.path
    }

    /// The version `nginx -v` prints ("nginx version: nginx/1.22.1"), as [1, 22, 1].
    static func version(of executable: String) throws -> [Int] {
        let (_, output) = try ChildProcess.run(executable, ["-v"], timeout: 30)
        guard let text = output.components(separatedBy: "nginx/").dropFirst().first else {
            throw ChildProcessFailure("nginx -v printed no version:\n\(output)")
        }
        return text.prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
    }

    /// A loopback port that nothing listens on now.
    private static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ChildProcessFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw ChildProcessFailure("bind 127.0.0.1:0: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

import CLinux
import Glibc

/// Why ``HappyEyeballs/connect(to:attemptDelay:deadline:)`` found no address to connect to: one
/// ``Failure`` per address it tried, so the caller can build grpc's status "failed to connect to
/// all addresses; last error: …" from ``lastError``.
struct ConnectAttemptsFailed: Error, Sendable, CustomStringConvertible {
    /// One address's failed attempt.
    struct Failure: Sendable {
        /// The address that was tried.
        let address: SocketAddress
        /// The error: "connect to ADDRESS: REASON", "connect to ADDRESS: timed out", or
        /// "socket: REASON" when no socket could be made.
        let text: String
    }

    /// The failed attempts in the order they ended: refusals and other errors as they came, then
    /// the attempts still in flight when the deadline passed (timed out), in address order.
    /// Addresses never started (the deadline passed first) are not listed; empty for no addresses.
    let failures: [Failure]

    /// The text of the attempt that ended last, or "no addresses" for an empty list.
    var lastError: String { failures.last?.text ?? "no addresses" }

    /// ``lastError``.
    var description: String { lastError }
}

/// gRFC A61's Happy Eyeballs pass of pick_first over a channel's resolved addresses, on one thread:
/// the addresses are tried in order, but an attempt that has not completed after the connection
/// attempt delay no longer holds up the next address, whose attempt starts while the earlier ones
/// keep running. The first attempt to connect wins and every other is abandoned (its socket closed).
enum HappyEyeballs {
    /// grpc's default connection attempt delay, in seconds (RFC 8305's 250 ms).
    static let defaultAttemptDelay = 0.25

    /// The attempt delay, in seconds, that grpc uses for a value of the channel option
    /// `grpc.happy_eyeballs_connection_attempt_delay_ms`: ``defaultAttemptDelay`` when unset,
    /// otherwise the value clamped to 100 ms…2 s as gRFC A61 requires.
    ///
    /// - Parameter milliseconds: The option's value, or nil when the channel does not set it.
    /// - Returns: The delay in seconds for ``connect(to:attemptDelay:deadline:)``.
    static func attemptDelay(milliseconds: Int?) -> Double {
        guard let milliseconds else { return defaultAttemptDelay }
        return Double(min(max(milliseconds, 100), 2_000)) / 1_000
    }

    /// A connection attempt in flight: its non-blocking socket and the index of its address.
    private struct Attempt {
        /// The socket whose `connect` is in progress.
        let fd: Int32
        /// The index of its address in the list being tried.
        let index: Int
    }

    /// How starting an attempt ended: connected at once, in progress, or failed at once.
    private enum Start {
        /// `connect` completed at once (a Unix socket, or a loopback peer).
        case connected(Int32)
        /// `connect` is in progress on the socket (`EINPROGRESS`).
        case pending(Int32)
        /// No socket, or `connect` failed at once; the text is the error.
        case failed(String)
    }

    /// Connects to the first of `addresses` that accepts, racing attempts as gRFC A61's pick_first
    /// does, on the calling thread with non-blocking sockets and one `poll` over every attempt in
    /// flight (its timeout is the earlier of the next attempt's start and `deadline`).
    ///
    /// The first address is tried at once. Each later address is started when the latest attempt
    /// has been in flight for `attemptDelay` seconds, or at once when the latest attempt fails (as in
    /// grpc, a failure of an earlier attempt does not hurry the next start). The first attempt to
    /// connect wins; when several connect in the same `poll`, the earliest address wins. Every other
    /// socket is closed. When every address has failed, or `deadline` passes first (the attempts
    /// still in flight then time out), the error lists each failed attempt.
    ///
    /// - Parameters:
    ///   - addresses: The addresses, in the order to try them.
    ///   - attemptDelay: Seconds an attempt runs alone before the next address is also tried; used
    ///     as given (``attemptDelay(milliseconds:)`` applies grpc's bounds), below zero counts as zero.
    ///   - deadline: When every attempt still in flight is abandoned as timed out.
    /// - Returns: The winning non-blocking, close-on-exec socket (`TCP_NODELAY` unless Unix) and its address.
    /// - Throws: ``ConnectAttemptsFailed`` with every failed attempt when none connects.
    static func connect(
        to addresses: [SocketAddress], attemptDelay: Double, deadline: Deadline
    ) throws(ConnectAttemptsFailed) -> (fd: Int32, address: SocketAddress) {
        let delay = attemptDelay > 0 ? UInt64(min(attemptDelay, 1e9) * 1e9) : 0
        var inFlight: [Attempt] = []
        var failures: [ConnectAttemptsFailed.Failure] = []
        var next = 0  // the index of the next address to start
        var nextStart: UInt64 = 0  // when it starts, on the monotonic clock
        /// Records the failed attempt on `addresses[index]` (its socket already closed).
        func fail(_ index: Int, _ text: String) {
            failures.append(ConnectAttemptsFailed.Failure(address: addresses[index], text: text))
        }
        /// Closes every other attempt in flight and readies the winner on `addresses[index]`.
        func win(_ fd: Int32, _ index: Int) -> (fd: Int32, address: SocketAddress) {
            for attempt in inFlight where attempt.fd != fd { Socket.close(attempt.fd) }
            if addresses[index].family != AF_UNIX { Socket.setNoDelay(fd) }
            return (fd, addresses[index])
        }
        while true {
            while next < addresses.count, inFlight.isEmpty || monotonicNanoseconds() >= nextStart {
                let index = next
                next += 1
                switch start(addresses[index]) {
                case .connected(let fd): return win(fd, index)
                case .pending(let fd):
                    inFlight.append(Attempt(fd: fd, index: index))
                    let now = monotonicNanoseconds()
                    nextStart = delay > UInt64.max - now ? .max : now + delay
                case .failed(let text): fail(index, text)
                }
            }
            // Every address was started (with none in flight, the next starts at once) and has failed.
            if inFlight.isEmpty { throw ConnectAttemptsFailed(failures: failures) }
            let wakeUp = next < addresses.count ? min(nextStart, deadline.nanoseconds) : deadline.nanoseconds
            let now = monotonicNanoseconds()
            var pollfds = inFlight.map { pollfd(fd: $0.fd, events: Int16(POLLOUT), revents: 0) }
            let ready = clinux_poll_nanoseconds(&pollfds, nfds_t(pollfds.count), wakeUp > now ? wakeUp - now : 0)
            if ready < 0, errno != EINTR {
                let reason = Socket.errorText()
                for attempt in inFlight {
                    Socket.close(attempt.fd)
                    fail(attempt.index, "connect to \(addresses[attempt.index]): poll: \(reason)")
                }
                throw ConnectAttemptsFailed(failures: failures)
            }
            var stillInFlight: [Attempt] = []
            for (position, (attempt, polled)) in zip(inFlight, pollfds).enumerated() {
                guard ready > 0, polled.revents != 0 else {
                    stillInFlight.append(attempt)
                    continue
                }
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(attempt.fd, SOL_SOCKET, SO_ERROR, &error, &length)
                if error == 0 {
                    inFlight = stillInFlight + inFlight[(position + 1)...]  // those not yet closed
                    return win(attempt.fd, attempt.index)
                }
                Socket.close(attempt.fd)
                fail(attempt.index, "connect to \(addresses[attempt.index]): \(Socket.errorText(error))")
                if attempt.index == next - 1 { nextStart = 0 }  // the latest failed: start the next now
            }
            inFlight = stillInFlight
            if deadline.hasPassed {
                for attempt in inFlight {
                    Socket.close(attempt.fd)
                    fail(attempt.index, "connect to \(addresses[attempt.index]): timed out")
                }
                throw ConnectAttemptsFailed(failures: failures)
            }
        }
    }

    /// Starts one attempt: a close-on-exec socket, made non-blocking, then `connect`.
    ///
    /// - Parameter address: The address to connect to.
    /// - Returns: Whether it connected at once, is in progress, or failed (with the error's text).
    private static func start(_ address: SocketAddress) -> Start {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed("socket: \(Socket.errorText())") }
        Socket.setNonBlocking(fd)
        var storage = address.storage
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        if rc == 0 { return .connected(fd) }
        if errno == EINPROGRESS { return .pending(fd) }
        let reason = Socket.errorText()
        Socket.close(fd)
        return .failed("connect to \(address): \(reason)")
    }
}

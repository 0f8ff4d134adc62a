/// The transport side of a channel: its target and options, and the one HTTP/2 connection it
/// keeps to that target. Connects lazily on the first call, trying each resolved address in order
/// (pick_first), and reconnects after the connection is lost. A ``Channel`` and every channel
/// intercepted from it share one of these.
final class ChannelTransport: HTTP2ConnectionDelegate, @unchecked Sendable {  // state protected by `lock`
    /// The target the channel was made for.
    let target: String
    let options: ChannelOptions
    let defaultCompression: Compression?
    private let parsedTarget: Result<Target, UsageError>
    private let optionsError: UsageError?
    let userAgent: String
    /// The `:authority` of every call: the option `grpc.default_authority`, else the target's.
    let authority: String

    private let lock = Lock()
    private let connectionChanged = Condition()
    private var connection: HTTP2Connection?
    private var connecting = false
    private var isClosed = false

    init(target: String, options: [(String, OptionValue)], compression: Compression?) {
        self.target = target
        self.defaultCompression = compression
        do {
            parsedTarget = .success(try Target(parsing: target, defaultPort: 443))
        } catch {
            parsedTarget = .failure(error as? UsageError ?? UsageError("\(error)"))
        }
        var parsedOptions = ChannelOptions()
        var optionsError: UsageError?
        do {
            parsedOptions = try ChannelOptions(options)
        } catch {
            optionsError = error as? UsageError ?? UsageError("\(error)")
        }
        self.options = parsedOptions
        self.optionsError = optionsError
        userAgent = parsedOptions.primaryUserAgent.map { "\($0) \(GRPCHeaders.userAgent)" } ?? GRPCHeaders.userAgent
        if let authority = parsedOptions.defaultAuthority {
            self.authority = authority
        } else if case .success(let parsed) = parsedTarget {
            authority = parsed.authority
        } else {
            authority = target
        }
    }

    deinit {
        connection?.close(failingStreamsWith: Status(code: .cancelled, details: "Channel closed!"))
    }

    /// Closes the connection for good: active calls end with CANCELLED "Channel closed!".
    func close() {
        let current: HTTP2Connection? = lock.withLock {
            isClosed = true
            connectionChanged.broadcast()
            let current = connection
            connection = nil
            return current
        }
        current?.close(failingStreamsWith: Status(code: .cancelled, details: "Channel closed!"))
    }

    // MARK: connection management

    /// A connection that can take a new stream, connecting when needed. With `waitForReady`,
    /// failures are retried with backoff until `deadline`; without, they fail as UNAVAILABLE.
    func readyConnection(deadline: Deadline, waitForReady: Bool) throws(RPCError) -> HTTP2Connection {
        var backoff = 1.0
        while true {
            switch try connectionOrAttempt(deadline: deadline) {
            case .success(let connection):
                return connection
            case .failure(let error):
                guard waitForReady else { throw error }
                // Wait for the backoff, the deadline, or close(), whichever is first.
                let until = min(deadline, Deadline.after(seconds: backoff))
                try lock.withLock { () throws(RPCError) in
                    while !isClosed && !until.hasPassed {
                        connectionChanged.wait(lock, until: until)
                    }
                    if isClosed { throw RPCError(code: .cancelled, details: "Channel closed!") }
                }
                if deadline.hasPassed { throw RPCError(code: .deadlineExceeded, details: "Deadline Exceeded") }
                backoff = min(backoff * 1.6, 120)
            case nil:
                continue
            }
        }
    }

    /// The current connection, or the result of one connection attempt by this thread; nil when
    /// another thread's attempt finished and the caller should look again.
    private func connectionOrAttempt(deadline: Deadline) throws(RPCError) -> Result<HTTP2Connection, RPCError>? {
        let mustConnect: Bool = try lock.withLock { () throws(RPCError) -> Bool in
            while true {
                if isClosed { throw RPCError(code: .cancelled, details: "Channel closed!") }
                if let connection, connection.canOpenStreams { return false }
                if !connecting {
                    connecting = true
                    return true
                }
                if !connectionChanged.wait(lock, until: deadline) && deadline.hasPassed {
                    throw RPCError(code: .deadlineExceeded, details: "Deadline Exceeded")
                }
            }
        }
        if !mustConnect {
            return lock.withLock { connection.map { .success($0) } }
        }
        let result = connect(deadline: deadline)
        let unwanted: HTTP2Connection? = lock.withLock {
            connecting = false
            connectionChanged.broadcast()
            guard case .success(let connection) = result else { return nil }
            if isClosed { return connection }
            self.connection = connection
            return nil
        }
        if let unwanted {
            unwanted.close(failingStreamsWith: Status(code: .cancelled, details: "Channel closed!"))
            return .failure(RPCError(code: .cancelled, details: "Channel closed!"))
        }
        return result
    }

    /// Tries each address of the target in order. No lock is held.
    private func connect(deadline: Deadline) -> Result<HTTP2Connection, RPCError> {
        if let optionsError { return .failure(RPCError(code: .unavailable, details: optionsError.message)) }
        let target: Target
        switch parsedTarget {
        case .success(let t): target = t
        case .failure(let error): return .failure(RPCError(code: .unavailable, details: error.message))
        }
        var lastError = "no addresses"
        let addresses: [SocketAddress]
        do {
            addresses = try target.resolve()
        } catch {
            return .failure(RPCError(code: .unavailable, details: "DNS resolution failed for \(self.target): \(error)"))
        }
        for address in addresses {
            do {
                let fd = try Socket.connect(to: address, deadline: deadline)
                let connection = HTTP2Connection(
                    fd: fd, role: .client, peer: address, loop: EventLoopGroup.shared.next(),
                    limits: options.connectionLimits, delegate: self)
                connection.start()
                return .success(connection)
            } catch {
                lastError = "\(error)"
            }
        }
        return .failure(
            RPCError(code: .unavailable, details: "failed to connect to all addresses; last error: \(lastError)"))
    }

    /// Throws when no call may start on this channel.
    func checkUsable() throws {
        if lock.withLock({ isClosed }) { throw UsageError("Cannot invoke RPC on closed channel!") }
    }

    // MARK: HTTP2ConnectionDelegate

    func connection(_ connection: HTTP2Connection, didReceiveRequest stream: HTTP2Stream) {
        stream.fail(Status(code: .internal, details: "A server may not open streams"))
    }

    func connectionDidClose(_ connection: HTTP2Connection) {
        lock.withLock {
            if self.connection === connection { self.connection = nil }
            connectionChanged.broadcast()
        }
    }
}

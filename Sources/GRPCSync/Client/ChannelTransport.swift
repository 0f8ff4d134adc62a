/// The transport side of a channel: its target and options, and the one HTTP/2 connection it
/// keeps to that target. Connects lazily on the first call, trying each resolved address in order
/// (pick_first), and reconnects after the connection is lost. A ``Channel`` and every channel
/// intercepted from it share one of these.
final class ChannelTransport: ClientConnectionDelegate, @unchecked Sendable {  // state protected by `lock`
    /// The target the channel was made for.
    let target: String
    let options: ChannelOptions
    let defaultCompression: Compression?
    private let parsedTarget: Result<Target, UsageError>
    private let optionsError: UsageError?
    let userAgent: String
    /// The `:authority` of every call: the option `grpc.default_authority`, else (with TLS)
    /// `grpc.ssl_target_name_override`, else the target's.
    let authority: String
    /// How connections are secured.
    let security: ClientSecurity
    /// Credentials every call sends (``compositeChannelCredentials(_:_:_:)``).
    let callCredentials: CallCredentials?

    private let lock = Lock()
    private let connectionChanged = Condition()
    private var connection: (any ClientConnection)?
    private var connecting = false
    private var isClosed = false
    /// The keepalive time of the next connection: the option's, doubled each time a server says
    /// our PINGs come too often, as grpc does.
    private var keepaliveTime: UInt64?

    init(
        target: String, options: [(String, OptionValue)], compression: Compression?,
        credentials: ChannelCredentials? = nil
    ) {
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
        let isTLS: Bool
        if case .tls = credentials?.kind { isTLS = true } else { isTLS = false }
        if let authority = parsedOptions.defaultAuthority {
            self.authority = authority
        } else if isTLS, let name = parsedOptions.sslTargetNameOverride {
            authority = name
        } else if case .success(let parsed) = parsedTarget {
            authority = parsed.authority
        } else {
            authority = target
        }
        callCredentials = credentials?.callCredentials
        switch credentials?.kind {
        case nil:
            security = .insecure
        case .local(let kind):
            security = .local(kind)
        case .tls(.failure(let error)):
            security = .unusable(error)
        case .tls(.success(let context)):
            // The certificate must name the override, else the authority's host.
            let name = parsedOptions.sslTargetNameOverride ?? Target.host(ofAuthority: authority)
            security = .tls(context, serverName: name)
        }
    }

    deinit {
        connection?.close(failingStreamsWith: .channelClosed)
    }

    /// Closes the connection for good: active calls end with CANCELLED "Channel closed!".
    func close() {
        let current: (any ClientConnection)? = lock.withLock {
            isClosed = true
            connectionChanged.broadcast()
            let current = connection
            connection = nil
            return current
        }
        current?.close(failingStreamsWith: .channelClosed)
    }

    // MARK: connection management

    /// A connection that can take a new stream, connecting when needed. With `waitForReady`,
    /// failures are retried with backoff until `deadline`; without, they fail as UNAVAILABLE.
    func readyConnection(deadline: Deadline, waitForReady: Bool) throws(RPCError) -> any ClientConnection {
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
                    if isClosed { throw RPCError(.channelClosed) }
                }
                if deadline.hasPassed { throw RPCError(.deadlineExceeded) }
                backoff = min(backoff * 1.6, 120)
            case nil:
                continue
            }
        }
    }

    /// The current connection, or the result of one connection attempt by this thread; nil when
    /// another thread's attempt finished and the caller should look again.
    private func connectionOrAttempt(deadline: Deadline) throws(RPCError) -> Result<any ClientConnection, RPCError>? {
        let mustConnect: Bool = try lock.withLock { () throws(RPCError) -> Bool in
            while true {
                if isClosed { throw RPCError(.channelClosed) }
                if let connection, connection.canOpenStreams { return false }
                if !connecting {
                    connecting = true
                    return true
                }
                if !connectionChanged.wait(lock, until: deadline) && deadline.hasPassed {
                    throw RPCError(.deadlineExceeded)
                }
            }
        }
        if !mustConnect {
            return lock.withLock { connection.map { .success($0) } }
        }
        let result = connect(deadline: deadline)
        let unwanted: (any ClientConnection)? = lock.withLock {
            connecting = false
            connectionChanged.broadcast()
            guard case .success(let connection) = result else { return nil }
            if isClosed { return connection }
            self.connection = connection
            return nil
        }
        if let unwanted {
            unwanted.close(failingStreamsWith: .channelClosed)
            return .failure(RPCError(.channelClosed))
        }
        return result
    }

    /// Dials the target (``Connector``). No lock is held.
    private func connect(deadline: Deadline) -> Result<any ClientConnection, RPCError> {
        if let optionsError { return .failure(RPCError(.invalidChannelConfiguration(optionsError.message))) }
        switch parsedTarget {
        case .success(let target):
            var limits = options.connectionLimits(for: .client)
            limits.keepalive.time = lock.withLock { keepaliveTime ?? limits.keepalive.time }
            return Connector.connect(
                to: target, security: security, limits: limits, deadline: deadline, delegate: self)
        case .failure(let error):
            return .failure(RPCError(.invalidChannelConfiguration(error.message)))
        }
    }

    /// Throws when no call may start on this channel.
    func checkUsable() throws {
        if lock.withLock({ isClosed }) { throw UsageError("Cannot invoke RPC on closed channel!") }
    }

    // MARK: ClientConnectionDelegate

    func connectionToldTooManyPings(_ connection: any ClientConnection) {
        lock.withLock {
            guard let time = keepaliveTime ?? options.connectionLimits(for: .client).keepalive.time else { return }
            keepaliveTime = time > UInt64.max / 2 ? time : time * 2
        }
    }

    func connectionDidClose(_ connection: any ClientConnection) {
        lock.withLock {
            if self.connection === connection { self.connection = nil }
            connectionChanged.broadcast()
        }
    }
}

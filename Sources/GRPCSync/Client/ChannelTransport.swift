import Logging

/// The transport side of a channel: its target and options, its state (``ChannelStateMachine``:
/// the target's resolution, the subchannels of its load-balancing policy and the connectivity
/// they add up to) and the HTTP/2 connections the subchannels keep. Resolves and connects lazily
/// on the first call (or when asked to), each on a thread of its own, retries failed attempts
/// with grpc's backoff, drops unused connections after the idle timeout, connects anew once a
/// connection has closed or drained, and resolves the target again then. A ``Channel`` and
/// every channel intercepted from it share one of these.
final class ChannelTransport: ClientConnectionDelegate, @unchecked Sendable {  // state protected by `lock`
    typealias Machine = ChannelStateMachine<any ClientConnection, Connector.Address>

    /// The target the channel was made for.
    let target: String
    let options: ChannelOptions
    let defaultCompression: Compression?
    let parsedTarget: Result<Target, UsageError>
    let optionsError: UsageError?
    /// The `grpc.service_config` given, if it was valid.
    let serviceConfig: ServiceConfig?
    /// The service config has method configs (a call looks for its own only then).
    let hasMethodConfigs: Bool
    /// The service config's `retryThrottling`, shared by the channel's calls.
    let retryThrottle: RetryThrottle?
    /// The options' message limits (unlimited: `Int.max`) and retry buffer size, read once.
    let sendLimit: Int, receiveLimit: Int, retryBufferLimit: Int
    /// The request bytes the channel's calls keep together to send again (`grpc.retry_buffer_size`).
    let retryBudget: RetryBufferBudget
    /// What every call fails with when grpc core would not make the channel: the
    /// `grpc.service_config` given was refused, or the `ipv4:`/`ipv6:` target does not parse.
    let refusal: Status?
    let userAgent: String
    /// The `:authority` of every call: the option `grpc.default_authority`, else (with TLS)
    /// `grpc.ssl_target_name_override`, else the target's.
    let authority: String
    /// How connections are secured.
    let security: ClientSecurity
    /// Credentials every call sends (``compositeChannelCredentials(_:_:_:)``).
    let callCredentials: CallCredentials?
    /// Where the channel and its connections log.
    let log: RuntimeLog

    /// Guards the state machine, the retired connections, the timers and the subscribers.
    let lock = Lock()
    /// Signalled at every event of the state machine: calls waiting for a connection look again.
    let stateChanged = Condition()
    /// The async calls waiting for a connection, resumed with `stateChanged`'s waiters.
    let stateWaiters = AsyncWaitList()
    /// Events of the state machine so far: an async call waits until it changes.
    var stateChanges = 0
    var machine: Machine
    /// Connections that take no new call but may still finish theirs (a GOAWAY arrived, or the
    /// channel dropped them).
    var retired: [ObjectIdentifier: any ClientConnection] = [:]
    var deliveries = ConnectivityDeliveries()
    /// The loop that runs the channel's timers and its connections (the loops are handed to
    /// channels in turn, so the channels of a process share them).
    let loop = EventLoopGroup.shared.next()
    /// The subchannels' timers for their next attempts, by subchannel.
    var retryTimers: [Int: ScheduledTimer] = [:]
    /// The timer for the next resolution.
    var resolutionTimer: ScheduledTimer?
    var idleTimer: ScheduledTimer?
    /// The timer that closes dropped connections once their calls have ended.
    var dropTimer: ScheduledTimer?
    /// Calls that took a connection; the idle timer compares it with `callsAtIdleCheck`.
    var callsStarted = 0
    /// `callsStarted` when the idle timer was last armed.
    var callsAtIdleCheck = 0
    /// `grpc.client_idle_timeout_ms`, in seconds.
    let idleTimeout: Double
    /// The keepalive time of the next connection: the option's, doubled each time a server says
    /// our PINGs come too often, as grpc does.
    var keepaliveTime: UInt64?

    /// How a connection attempt reaches its addresses.
    let dial: Connector.Dial
    /// How the target is resolved.
    let resolve: NameResolution.Resolve

    init(
        target: String, options: [(String, OptionValue)], compression: Compression?,
        credentials: ChannelCredentials? = nil, logger: Logger? = nil,
        dial: @escaping Connector.Dial = Connector.connect,
        resolve: @escaping NameResolution.Resolve = NameResolution.system
    ) {
        self.target = target
        self.dial = dial
        self.resolve = resolve
        log = .given(logger)
        self.defaultCompression = compression
        var invalidURI: Target.InvalidURI?
        do {
            parsedTarget = .success(try Target(parsing: target, defaultPort: 443))
        } catch let error as Target.InvalidURI {
            invalidURI = error
            parsedTarget = .failure(UsageError(error.reason))
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
        let parsedConfig = parsedOptions.serviceConfigJSON.map { json in
            Result { () throws(ServiceConfig.Invalid) in try ServiceConfig(json: json) }
        }
        retryThrottle = (try? parsedConfig?.get().retryThrottling).flatMap { $0.map(RetryThrottle.init) }
        sendLimit = parsedOptions.sendLimit
        receiveLimit = parsedOptions.receiveLimit
        retryBufferLimit = parsedOptions.perRPCRetryBufferSize
        retryBudget = RetryBufferBudget(limit: parsedOptions.retryBufferSize)
        switch parsedConfig {
        case .success(let config):
            serviceConfig = config
            refusal = nil
        case .failure(let invalid):
            serviceConfig = nil
            refusal = .channelCreationFailed(.invalidArgument, target: target, reason: invalid.message)
        case nil:
            serviceConfig = nil
            refusal = invalidURI.map { .channelCreationFailed(.unknown, target: target, reason: $0.reason) }
        }
        hasMethodConfigs = !(serviceConfig?.methodConfigs.isEmpty ?? true)
        let policy = Self.loadBalancingPolicy(config: serviceConfig, optionName: parsedOptions.loadBalancingPolicyName)
        machine = ChannelStateMachine(
            policy: policy.policy, resolvesNames: (try? parsedTarget.get().needsLookup) ?? false,
            minTimeBetweenResolutions: parsedOptions.minTimeBetweenResolutions,
            backoff: parsedOptions.reconnectBackoff)
        idleTimeout = parsedOptions.clientIdleTimeout
        // The primary and secondary user agents around the runtime's, as grpc core puts them.
        userAgent = [parsedOptions.primaryUserAgent, GRPCHeaders.userAgent, parsedOptions.secondaryUserAgent]
            .compactMap { $0 }.joined(separator: " ")
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
        log.channelCreated(target: target)
        OptionCatalog.warnAboutUnsupported(parsedOptions.unsupportedKeys, to: log)
        if let refusal { log.channelRefused(refusal.details) }
        for (field, reason) in serviceConfig?.unsupportedFields ?? [] {
            log.unsupportedServiceConfigField(field, reason: reason)
        }
        if let unknown = policy.unknownName { log.unknownLoadBalancingPolicy(unknown) }
    }

    /// The policy chosen as grpc core chooses it: the service config's, else the option
    /// `grpc.lb_policy_name` (an unknown name gives `pick_first`, and is returned to be logged),
    /// else `pick_first`.
    static func loadBalancingPolicy(
        config: ServiceConfig?, optionName: String?
    ) -> (policy: LoadBalancingPolicy, unknownName: String?) {
        if let chosen = config?.loadBalancingPolicy { return (chosen, nil) }
        guard let optionName else { return (.pickFirst, nil) }
        guard let named = LoadBalancingPolicy(rawValue: optionName) else { return (.pickFirst, optionName) }
        return (named, nil)
    }

    deinit {
        for connection in machine.connections { connection.close(failingStreamsWith: .channelClosed) }
        for connection in retired.values { connection.close(failingStreamsWith: .channelClosed) }
        for timer in retryTimers.values { timer.cancel() }
        resolutionTimer?.cancel()
        idleTimer?.cancel()
        dropTimer?.cancel()
    }

    /// Closes the channel for good: active calls end with CANCELLED "Channel closed!"; the
    /// subscriptions end without a last callback, as in grpcio.
    func close() {
        let draining: [any ClientConnection] = lock.withLock {
            deliveries.removeAll()
            updateLocked { $0.shutDown() }
            let draining = Array(retired.values)
            retired.removeAll()
            return draining
        }
        for connection in draining { connection.close(failingStreamsWith: .channelClosed) }
    }

    /// Throws when no call may start on this channel.
    func checkUsable() throws {
        if lock.withLock({ machine.isShutDown }) {
            throw UsageError.closedChannel
        }
    }

    // MARK: calls

    /// The channel's connection for a new call, waiting while the channel connects (starting an
    /// attempt when it is idle). Without `waitForReady` a call fails with the last attempt's
    /// status while the channel is in transient failure; with it, it waits for the retries
    /// until `deadline`.
    func readyConnection(deadline: Deadline, waitForReady: Bool) throws(RPCError) -> any ClientConnection {
        lock.lock()
        defer { lock.unlock() }
        while true {
            switch pickLocked(waitForReady: waitForReady) {
            case .use(let connection):
                return connection
            case .fail(let status):
                throw RPCError(status)
            case .wait:
                if deadline.hasPassed { throw RPCError(.deadlineExceeded) }
                _ = stateChanged.wait(lock, until: deadline)
            }
        }
    }

    /// ``readyConnection(deadline:waitForReady:)`` for an async call: the task suspends while the
    /// channel connects, and a cancelled task stops waiting (CANCELLED).
    func readyConnectionAsync(deadline: Deadline, waitForReady: Bool) async throws(RPCError) -> any ClientConnection {
        while true {
            let (pick, seen) = lock.withLock { (pickLocked(waitForReady: waitForReady), stateChanges) }
            switch pick {
            case .use(let connection):
                return connection
            case .fail(let status):
                throw RPCError(status)
            case .wait:
                if deadline.hasPassed { throw RPCError(.deadlineExceeded) }
                if Task.isCancelled { throw RPCError(.locallyCancelled) }
                await stateWaiters.wait(lock: lock, until: deadline, timersOn: loop) { stateChanges == seen }
            }
        }
    }

    /// The channel's connection when it is ready to take the call now; nil when the call would
    /// have to wait or fail (ask ``readyConnection(deadline:waitForReady:)`` then).
    func connectionIfReady() -> (any ClientConnection)? {
        lock.withLock {
            guard let connection = machine.nextReadyConnection(), connection.canOpenStreams else { return nil }
            callsStarted &+= 1
            return connection
        }
    }

    /// One look for a call's connection: the ready one, a failure, or wait (an idle channel starts
    /// connecting).
    private func pickLocked(waitForReady: Bool) -> Machine.Pick {
        lock.assertHeld()
        // The common case: the channel is ready, its connection takes streams. One that no longer
        // does (its GOAWAY arrived before the channel was told) is retired at once.
        if let connection = machine.nextReadyConnection() {
            if connection.canOpenStreams {
                callsStarted &+= 1
                return .use(connection)
            }
            retireLocked(connection)
        }
        // A channel grpc core would not make fails its calls at once, as grpc core's lame channel
        // does (waitForReady or not).
        if let refusal { return .fail(refusal) }
        while true {
            var pick = Machine.Pick.fail(.channelClosed)
            updateLocked {
                pick = $0.pick(waitForReady: waitForReady, now: .now)
                if case .wait(let actions) = pick { return actions }
                return []
            }
            guard case .use(let connection) = pick else { return pick }
            // A GOAWAY may have arrived before the channel was told.
            guard connection.canOpenStreams else {
                retireLocked(connection)
                continue
            }
            callsStarted &+= 1
            return pick
        }
    }

    /// `connection` refused a new stream (it is draining): the next pick connects anew.
    func connectionRefusedStream(_ connection: any ClientConnection) {
        lock.withLock { retireLocked(connection) }
    }

    /// Keeps `connection` (which takes no new stream) only to close it with the channel, and lets
    /// the state machine know.
    func retireLocked(_ connection: any ClientConnection) {
        lock.assertHeld()
        retired[ObjectIdentifier(connection)] = connection
        updateLocked { $0.connectionEnded(connection, now: .now) }
    }

    // MARK: connectivity

    func subscribe(_ subscription: ConnectivitySubscription, tryToConnect: Bool) {
        lock.withLock {
            if deliveries.add(subscription, current: machine.connectivity) { startDeliveryLocked() }
            if tryToConnect { updateLocked { $0.requestConnection(now: .now) } }
        }
    }

    /// The channel's connectivity now; with `tryToConnect`, an idle channel starts connecting.
    func connectivity(tryToConnect: Bool) -> ChannelConnectivity {
        lock.withLock {
            if tryToConnect { updateLocked { $0.requestConnection(now: .now) } }
            return machine.connectivity
        }
    }

    /// Suspends until the connectivity is other than `observed`; throws `CancellationError` when
    /// the task is cancelled first.
    func waitForConnectivityChange(from observed: ChannelConnectivity) async throws {
        while lock.withLock({ machine.connectivity == observed }) {
            try Task.checkCancellation()
            await stateWaiters.wait(lock: lock) { machine.connectivity == observed }
        }
    }

    func unsubscribe(_ subscription: ConnectivitySubscription) {
        lock.withLock { deliveries.remove(subscription) }
    }

    /// One worker runs the callbacks, in order, with no lock held.
    func startDeliveryLocked() {
        lock.assertHeld()
        ThreadPoolExecutor.blockingWork.submit { [self] in
            while let callbacks = lock.withLock({ deliveries.next() }) {
                for callback in callbacks { callback() }
            }
        }
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
            retired.removeValue(forKey: ObjectIdentifier(connection))
            updateLocked { $0.connectionEnded(connection, now: .now) }
        }
    }

    func connectionIsDraining(_ connection: any ClientConnection) {
        lock.withLock {
            guard machine.connectivity != .shutdown else { return }
            retireLocked(connection)
        }
    }
}

extension UsageError {
    /// A call on a closed (or, async, closing) channel.
    static var closedChannel: UsageError { UsageError("Cannot invoke RPC on closed channel!") }
}

/// A channel's state as a value: its target's resolution, its subchannels and the connectivity it
/// reports, aggregated from theirs as grpc's load-balancing policies aggregate it. Each subchannel
/// keeps one connection's life (``SubchannelStateMachine``): under `pick_first` one subchannel
/// dials the whole address list, under `round_robin` there is one per address and calls go to the
/// ready ones in turn. Each event is one method that moves the state and returns what the shell
/// (``ChannelTransport``) must do.
///
/// ```
/// idle ──call, requestConnection──▶ resolving ──addresses──▶ subchannels (their connectivity,
///  ▲                                    │                     aggregated) ──idle timeout──▶ idle
///  │                                    └──failed──▶ transientFailure, resolved again after backoff
/// any state ──shutDown──▶ shutdown
/// ```
/// A connection lost or draining, or an attempt that failed, asks for the target to be resolved
/// again, no sooner than `grpc.dns_min_time_between_resolutions_ms` after the last resolution;
/// new addresses replace the old ones (`round_robin` keeps the subchannels of addresses still
/// there). `Connection` is a reference type (compared by identity), `Address` what a subchannel
/// dials (compared by its description); tests use stand-ins.
struct ChannelStateMachine<Connection, Address: CustomStringConvertible> {
    typealias Subchannel = SubchannelStateMachine<Connection>
    typealias Policy = LoadBalancingPolicy

    /// What the shell does.
    enum Action {
        /// Resolve the target (off the caller's thread), then report ``resolved(_:now:)`` or
        /// ``resolutionFailed(_:now:)``.
        case resolve
        /// Resolve it at `at` (``resolutionDue(now:)``).
        case resolveLater(at: Deadline)
        /// Start a connection attempt of subchannel `id` over `addresses`, lasting until `deadline`.
        case connect(subchannel: Int, addresses: [Address], deadline: Deadline)
        /// Start subchannel `id`'s next attempt at `at` (``retryDue(subchannel:now:)``).
        case retry(subchannel: Int, at: Deadline)
        /// Close this connection now.
        case close(Connection)
        /// The channel no longer uses this connection: close it once its calls have ended.
        case drop(Connection)
    }

    /// What a call starting on the channel does.
    enum Pick {
        /// Open the call's stream on this connection.
        case use(Connection)
        /// Wait until the state changes (after doing the actions).
        case wait([Action])
        /// End the call with this status.
        case fail(Status)
    }

    private struct Entry {
        let id: Int
        var addresses: [Address]
        var machine: Subchannel
    }

    private enum Phase {
        case idle, active, shutdown
    }

    private enum Resolver {
        /// Resolved, or not asked yet.
        case settled
        case resolving
        /// The next resolution is due at a time (after a failure, or when asked too soon).
        case scheduled
    }

    let policy: Policy
    /// Whether the target names a host to look up; other targets are never resolved again.
    private let resolvesNames: Bool
    private let minTimeBetweenResolutions: Double
    private let connectionBackoff: ConnectionBackoff
    private var resolutionBackoff = ConnectionBackoff()
    private let random: () -> Double
    private var phase = Phase.idle
    private var resolver = Resolver.settled
    private var lastResolutionStart: Deadline?
    /// Why the channel has no subchannel: the last resolution's failure.
    private var resolutionFailure: Status?
    private var subchannels: [Entry] = []
    private var nextID = 0
    /// The connections of the ready subchannels, in order, and the next one a call gets.
    private(set) var readyConnections: [Connection] = []
    private var nextReady = 0
    /// The last attempt's failure, which calls fail with in transient failure.
    private var lastFailure = Status.failedToConnect(lastError: "no addresses")
    /// `round_robin`: every subchannel failed since one was last ready (the channel stays in
    /// transient failure while they try again, as grpc's round_robin does).
    private var sticky = false

    init(
        policy: Policy, resolvesNames: Bool, minTimeBetweenResolutions: Double, backoff: ConnectionBackoff,
        random: @escaping () -> Double = { Double.random(in: -1...1) }
    ) {
        self.policy = policy
        self.resolvesNames = resolvesNames
        self.minTimeBetweenResolutions = minTimeBetweenResolutions
        self.connectionBackoff = backoff
        self.random = random
    }

    // MARK: what the state says

    /// Whether the channel was shut down (`connectivity == .shutdown`), read from one stored
    /// field: a call checks it as it starts, and `connectivity` would copy the whole state.
    var isShutDown: Bool { phase == .shutdown }

    var connectivity: ChannelConnectivity {
        switch phase {
        case .idle: return .idle
        case .shutdown: return .shutdown
        case .active: break
        }
        if subchannels.isEmpty { return resolutionFailure == nil ? .connecting : .transientFailure }
        if policy == .pickFirst { return subchannels[0].machine.connectivity }
        if !readyConnections.isEmpty { return .ready }
        return sticky ? .transientFailure : .connecting
    }

    /// Every connection the subchannels hold.
    var connections: [Connection] { subchannels.compactMap(\.machine.connection) }

    /// The next ready connection for a call, in turn; nil when none is ready.
    mutating func nextReadyConnection() -> Connection? {
        switch readyConnections.count {
        case 0: return nil
        case 1: return readyConnections[0]
        default:
            nextReady = nextReady + 1 < readyConnections.count ? nextReady + 1 : 0
            return readyConnections[nextReady]
        }
    }

    // MARK: events

    /// A call starts: it uses a ready connection, waits for one (starting what is needed), or
    /// fails (fast in transient failure without `waitForReady`; always once shut down).
    mutating func pick(waitForReady: Bool, now: Deadline) -> Pick {
        switch phase {
        case .shutdown: return .fail(.channelClosed)
        case .idle: return .wait(exitIdle(now: now))
        case .active: break
        }
        if let connection = nextReadyConnection() { return .use(connection) }
        if subchannels.isEmpty {
            if let failure = resolutionFailure, !waitForReady { return .fail(failure) }
            return .wait([])
        }
        if policy == .pickFirst {
            let entry = subchannels[0]
            switch subchannels[0].machine.pick(waitForReady: waitForReady, now: now) {
            case .use(let connection): return .use(connection)
            case .fail(let status): return .fail(status)
            case .wait(let action): return .wait(map(action, entry))
            }
        }
        let actions = connectIdleSubchannels(now: now)
        if connectivity == .transientFailure && !waitForReady { return .fail(lastFailure) }
        return .wait(actions)
    }

    /// Something wants a connection without a call (`subscribe(tryToConnect:)`,
    /// `channelReadyFuture`): an idle channel resolves and connects; an idle subchannel connects.
    mutating func requestConnection(now: Deadline) -> [Action] {
        switch phase {
        case .idle: return exitIdle(now: now)
        case .shutdown: return []
        case .active: return connectIdleSubchannels(now: now)
        }
    }

    private mutating func exitIdle(now: Deadline) -> [Action] {
        phase = .active
        resolutionFailure = nil
        return startResolution(now: now)
    }

    private mutating func startResolution(now: Deadline) -> [Action] {
        resolver = .resolving
        lastResolutionStart = now
        return [.resolve]
    }

    /// The target resolved to `addresses` (none: a failure).
    mutating func resolved(_ addresses: [Address], now: Deadline) -> [Action] {
        guard case .active = phase else { return [] }
        guard !addresses.isEmpty else { return resolutionFailed(lastFailure, now: now) }
        resolver = .settled
        resolutionBackoff = ConnectionBackoff()
        resolutionFailure = nil
        var actions: [Action] = []
        switch policy {
        case .pickFirst:
            if subchannels.isEmpty {
                subchannels.append(newEntry(addresses))
                actions += connectIdleSubchannels(now: now)
            } else {
                // The connection in use stays; the new list serves the next attempt.
                subchannels[0].addresses = addresses
            }
        case .roundRobin:
            var unique: [Address] = []
            for address in addresses where !unique.contains(where: { $0.description == address.description }) {
                unique.append(address)
            }
            var kept: [Entry] = []
            for entry in subchannels {
                if unique.contains(where: { $0.description == entry.addresses[0].description }) {
                    kept.append(entry)
                } else if let connection = entry.machine.connection {
                    actions.append(.drop(connection))
                }
            }
            for address in unique where !kept.contains(where: { $0.addresses[0].description == address.description }) {
                kept.append(newEntry([address]))
            }
            subchannels = kept
            actions += connectIdleSubchannels(now: now)
        }
        updateReady()
        return actions
    }

    /// Resolving the target failed with `status`. A channel with subchannels keeps them (and their
    /// addresses); one without is in transient failure and resolves again after a backoff.
    mutating func resolutionFailed(_ status: Status, now: Deadline) -> [Action] {
        guard case .active = phase else { return [] }
        guard subchannels.isEmpty else {
            resolver = .settled
            return []
        }
        resolutionFailure = status
        resolver = .scheduled
        return [.resolveLater(at: now.adding(seconds: resolutionBackoff.nextDelay(random: random())))]
    }

    /// The time to resolve again has come.
    mutating func resolutionDue(now: Deadline) -> [Action] {
        guard case .active = phase, case .scheduled = resolver else { return [] }
        return startResolution(now: now)
    }

    /// Subchannel `id`'s attempt gave a ready connection.
    mutating func connected(subchannel id: Int, _ connection: Connection) -> [Action] {
        guard phase == .active, let index = subchannels.firstIndex(where: { $0.id == id }) else {
            return [.close(connection)]
        }
        let action = subchannels[index].machine.connected(connection)
        updateReady()
        return map(action, subchannels[index])
    }

    /// Subchannel `id`'s attempt failed with `status`: it tries again at its backoff's time, and
    /// the target is resolved again (its addresses may have changed).
    mutating func connectFailed(subchannel id: Int, _ status: Status, now: Deadline) -> [Action] {
        guard phase == .active, let index = subchannels.firstIndex(where: { $0.id == id }) else { return [] }
        lastFailure = status
        let action = subchannels[index].machine.connectFailed(status, now: now)
        updateReady()
        return map(action, subchannels[index]) + requestResolution(now: now)
    }

    /// Subchannel `id`'s backoff time has come.
    mutating func retryDue(subchannel id: Int, now: Deadline) -> [Action] {
        guard phase == .active, let index = subchannels.firstIndex(where: { $0.id == id }) else { return [] }
        let action = subchannels[index].machine.retryDue(now: now)
        return map(action, subchannels[index])
    }

    /// `connection` takes no new stream any more (its GOAWAY arrived, or it closed): its
    /// subchannel goes idle (`pick_first`: and with it the channel, so the next call connects
    /// anew; `round_robin` connects it again at once), and the target is resolved again.
    mutating func connectionEnded(_ connection: Connection, now: Deadline) -> [Action] {
        guard phase == .active,
            let index = subchannels.firstIndex(where: {
                $0.machine.connection.map { Self.same($0, connection) } ?? false
            })
        else { return [] }
        subchannels[index].machine.connectionEnded(connection)
        updateReady()
        var actions = requestResolution(now: now)
        if policy == .roundRobin { actions += connectIdleSubchannels(now: now) }
        return actions
    }

    /// No call for the idle timeout: every connection goes, and the channel is idle.
    mutating func idleTimeout() -> [Action] {
        guard phase == .active else { return [] }
        let actions = connections.map { Action.close($0) }
        phase = .idle
        subchannels = []
        resolver = .settled
        updateReady()
        return actions
    }

    /// `channel.close()`.
    mutating func shutDown() -> [Action] {
        let actions = connections.map { Action.close($0) }
        phase = .shutdown
        subchannels = []
        updateReady()
        return actions
    }

    // MARK: helpers

    /// Resolution again, now or once the minimum time since the last has passed; none for a
    /// target without names, or while one is running or scheduled.
    private mutating func requestResolution(now: Deadline) -> [Action] {
        guard resolvesNames, case .settled = resolver else { return [] }
        let earliest = (lastResolutionStart ?? now).adding(seconds: minTimeBetweenResolutions)
        if earliest <= now { return startResolution(now: now) }
        resolver = .scheduled
        return [.resolveLater(at: earliest)]
    }

    private mutating func connectIdleSubchannels(now: Deadline) -> [Action] {
        var actions: [Action] = []
        for index in subchannels.indices where subchannels[index].machine.connectivity == .idle {
            actions += map(subchannels[index].machine.requestConnection(now: now), subchannels[index])
        }
        return actions
    }

    private mutating func newEntry(_ addresses: [Address]) -> Entry {
        nextID += 1
        return Entry(
            id: nextID, addresses: addresses, machine: Subchannel(backoff: connectionBackoff, random: random))
    }

    private func map(_ action: Subchannel.Action, _ entry: Entry) -> [Action] {
        switch action {
        case .none: []
        case .connect(let deadline): [.connect(subchannel: entry.id, addresses: entry.addresses, deadline: deadline)]
        case .retry(let at): [.retry(subchannel: entry.id, at: at)]
        case .close(let connection): [.close(connection)]
        }
    }

    private mutating func updateReady() {
        readyConnections = subchannels.compactMap(\.machine.connection)
        if !readyConnections.isEmpty {
            sticky = false
        } else if policy == .roundRobin && !subchannels.isEmpty
            && subchannels.allSatisfy({ $0.machine.connectivity == .transientFailure })
        {
            sticky = true
        }
    }

    static func same(_ a: Connection, _ b: Connection) -> Bool { (a as AnyObject) === (b as AnyObject) }
}

extension ChannelStateMachine.Action: Equatable {
    static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.resolve, .resolve): true
        case (.resolveLater(let a), .resolveLater(let b)): a == b
        case (.connect(let a, let x, let d), .connect(let b, let y, let e)):
            a == b && d == e && x.map(\.description) == y.map(\.description)
        case (.retry(let a, let x), .retry(let b, let y)): a == b && x == y
        case (.close(let a), .close(let b)), (.drop(let a), .drop(let b)): ChannelStateMachine.same(a, b)
        default: false
        }
    }
}

extension ChannelStateMachine.Pick: Equatable {
    static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.use(let a), .use(let b)): ChannelStateMachine.same(a, b)
        case (.wait(let a), .wait(let b)): a == b
        case (.fail(let a), .fail(let b)): a == b
        default: false
        }
    }
}

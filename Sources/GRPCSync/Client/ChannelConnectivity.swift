/// A channel's connectivity state (`grpc.ChannelConnectivity`), as grpc's
/// `connectivity-semantics-and-api.md` defines it. Its description is grpcio's name
/// (`TRANSIENT_FAILURE`).
public enum ChannelConnectivity: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// No connection, and none being made: the next call (or `subscribe(_:tryToConnect:)` with
    /// `tryToConnect`) starts one. A new channel, and one whose connection closed, drained or
    /// stayed unused for `grpc.client_idle_timeout_ms`, is idle.
    case idle
    /// A connection attempt runs.
    case connecting
    /// The channel has a connection ready for calls.
    case ready
    /// An attempt failed; the channel tries again after its backoff, staying in this state until
    /// a connection is ready. Calls without `waitForReady` fail at once with UNAVAILABLE.
    case transientFailure
    /// The channel is closed.
    case shutdown

    /// grpcio's name for the state (`IDLE`, `CONNECTING`, `READY`, `TRANSIENT_FAILURE`, `SHUTDOWN`).
    public var description: String {
        switch self {
        case .idle: "IDLE"
        case .connecting: "CONNECTING"
        case .ready: "READY"
        case .transientFailure: "TRANSIENT_FAILURE"
        case .shutdown: "SHUTDOWN"
        }
    }
}

/// What ``Channel/subscribe(_:tryToConnect:)`` returns: give it to
/// ``Channel/unsubscribe(_:)`` to stop the callbacks. grpcio identifies a subscription by its
/// callback function; a Swift closure has no identity, so the subscription is this object.
public final class ConnectivitySubscription: Hashable, Sendable {
    let callback: @Sendable (ChannelConnectivity) -> Void

    init(_ callback: @escaping @Sendable (ChannelConnectivity) -> Void) { self.callback = callback }

    /// The same subscription (identity).
    ///
    /// - Parameters:
    ///   - lhs: A subscription.
    ///   - rhs: Another subscription.
    /// - Returns: Whether both are the same object.
    public static func == (lhs: ConnectivitySubscription, rhs: ConnectivitySubscription) -> Bool { lhs === rhs }
    /// Hashes the subscription's identity.
    ///
    /// - Parameter hasher: The hasher to feed the object's identity to.
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

extension Channel {
    /// Calls `callback` with the channel's connectivity now and at every change
    /// (`channel.subscribe(callback, try_to_connect=)`); with `tryToConnect`, an idle channel
    /// starts connecting. Callbacks run one at a time, in order, on a blocking worker with no
    /// runtime lock held (never on the subscribing thread). Like grpcio, ``close()`` ends every
    /// subscription without a last callback.
    ///
    /// - Parameters:
    ///   - callback: Called with the current state first, then with each new state.
    ///   - tryToConnect: Whether an idle channel starts connecting (grpcio's `try_to_connect`).
    /// - Returns: The subscription to give ``unsubscribe(_:)``.
    @discardableResult
    public func subscribe(
        _ callback: @escaping @Sendable (ChannelConnectivity) -> Void, tryToConnect: Bool = false
    ) -> ConnectivitySubscription {
        let subscription = ConnectivitySubscription(callback)
        transport.subscribe(subscription, tryToConnect: tryToConnect)
        return subscription
    }

    /// Stops the callbacks of `subscription` (`channel.unsubscribe(callback)`); a callback already
    /// running finishes.
    ///
    /// - Parameter subscription: What ``subscribe(_:tryToConnect:)`` returned; an unknown or
    ///   ended subscription is ignored.
    public func unsubscribe(_ subscription: ConnectivitySubscription) {
        transport.unsubscribe(subscription)
    }
}

/// A future that completes when `channel` is ready (`grpc.channel_ready_future(channel)`); it
/// makes an idle channel connect.
///
/// ```swift
/// try channelReadyFuture(channel).result(timeout: 5)  // throws FutureTimeoutError if not ready
/// ```
///
/// - Parameter channel: The channel to wait for.
/// - Returns: A future whose ``ChannelReadyFuture/result(timeout:)`` returns once the channel is
///   ready.
public func channelReadyFuture(_ channel: Channel) -> ChannelReadyFuture {
    let future = ChannelReadyFuture(channel: channel)
    future.start()
    return future
}

/// The future ``channelReadyFuture(_:)`` returns (grpcio's `_ChannelReadyFuture`).
public final class ChannelReadyFuture: @unchecked Sendable {  // state protected by `lock`
    private let channel: Channel
    private let lock = Lock()
    private let changed = Condition()
    private var matured = false
    private var isCancelled = false
    private var subscription: ConnectivitySubscription?
    private var doneCallbacks: [@Sendable (ChannelReadyFuture) -> Void] = []

    init(channel: Channel) { self.channel = channel }

    fileprivate func start() {
        let subscription = channel.subscribe(
            { [weak self] state in if state == .ready { self?.mature() } }, tryToConnect: true)
        let unwanted: Bool = lock.withLock {
            if matured || isCancelled { return true }
            self.subscription = subscription
            return false
        }
        if unwanted { channel.unsubscribe(subscription) }
    }

    private func mature() {
        let (subscription, callbacks) = end { matured = true }
        if let subscription { channel.unsubscribe(subscription) }
        for callback in callbacks { callback(self) }
    }

    /// Marks the future done (`mark`, under the lock) unless it is; the subscription to end and
    /// the callbacks to run.
    private func end(_ mark: () -> Void) -> (ConnectivitySubscription?, [@Sendable (ChannelReadyFuture) -> Void]) {
        lock.withLock {
            guard !matured && !isCancelled else { return (nil, []) }
            mark()
            changed.broadcast()
            let ended = (subscription, doneCallbacks)
            subscription = nil
            doneCallbacks = []
            return ended
        }
    }

    /// Waits up to `timeout` seconds (nil: no limit) for the channel to be ready; throws
    /// ``FutureTimeoutError`` when it is not by then, ``FutureCancelledError`` once cancelled.
    ///
    /// - Parameter timeout: The most seconds to wait; nil waits until the channel is ready or the
    ///   future is cancelled.
    /// - Throws: ``FutureTimeoutError`` when the channel is not ready in time,
    ///   ``FutureCancelledError`` when the future was cancelled.
    public func result(timeout: Double? = nil) throws {
        let deadline = Deadline.after(seconds: timeout)
        try lock.withLock {
            changed.wait(lock, until: deadline) { !matured && !isCancelled }
            if isCancelled { throw FutureCancelledError() }
            if !matured { throw FutureTimeoutError() }
        }
    }

    /// Nil (the channel got ready), as grpcio's; waits and throws like ``result(timeout:)``.
    ///
    /// - Parameter timeout: The most seconds to wait; nil: no limit.
    /// - Returns: Nil, always: a channel that gets ready has no error.
    /// - Throws: ``FutureTimeoutError`` or ``FutureCancelledError``, as ``result(timeout:)``.
    public func exception(timeout: Double? = nil) throws -> (any Error)? {
        try result(timeout: timeout)
        return nil
    }

    /// Stops waiting for the channel; false when it is ready already (`future.cancel()`).
    ///
    /// - Returns: Whether the future is cancelled: true when this or an earlier call cancelled it,
    ///   false when the channel was ready first.
    @discardableResult
    public func cancel() -> Bool {
        let wasDone = lock.withLock { matured || isCancelled }
        if wasDone { return lock.withLock { isCancelled } }
        let (subscription, callbacks) = end { isCancelled = true }
        if let subscription { channel.unsubscribe(subscription) }
        for callback in callbacks { callback(self) }
        return lock.withLock { isCancelled }
    }

    /// Whether ``cancel()`` stopped the wait (`future.cancelled()`).
    ///
    /// - Returns: True once cancelled.
    public func cancelled() -> Bool { lock.withLock { isCancelled } }

    /// Whether the future still waits for the channel (`future.running()`).
    ///
    /// - Returns: True until the channel is ready or the future is cancelled.
    public func running() -> Bool { lock.withLock { !matured && !isCancelled } }

    /// Whether the future is done (`future.done()`).
    ///
    /// - Returns: True once the channel was ready, or the future was cancelled.
    public func done() -> Bool { lock.withLock { matured || isCancelled } }

    /// Runs `callback` with this future once it is done (ready or cancelled), at once if it is
    /// (`add_done_callback`).
    ///
    /// - Parameter callback: Called once with this future: on the thread that completes or cancels
    ///   it, or on the calling thread when it is done already.
    public func addDoneCallback(_ callback: @escaping @Sendable (ChannelReadyFuture) -> Void) {
        let runNow: Bool = lock.withLock {
            if matured || isCancelled { return true }
            doneCallbacks.append(callback)
            return false
        }
        if runNow { callback(self) }
    }
}

/// A cancelled future's result was asked for (`grpc.FutureCancelledError`).
public struct FutureCancelledError: Error, Sendable, CustomStringConvertible {
    /// "the future was cancelled".
    public var description: String { "the future was cancelled" }
}

/// The subscribers of a channel and the states not yet told to them, delivered one at a time
/// in order by one blocking worker; kept under the channel's lock (``ChannelTransport``).
struct ConnectivityDeliveries {
    private var subscribers: [ConnectivitySubscription] = []
    private var pending: [(ChannelConnectivity, [ConnectivitySubscription])] = []
    private var delivering = false

    /// Adds a subscriber, who is told `current`; true when a worker must start delivering.
    mutating func add(_ subscription: ConnectivitySubscription, current: ChannelConnectivity) -> Bool {
        subscribers.append(subscription)
        return queue(current, to: [subscription])
    }

    mutating func remove(_ subscription: ConnectivitySubscription) {
        subscribers.removeAll { $0 === subscription }
    }

    /// Ends every subscription (a closed channel).
    mutating func removeAll() {
        subscribers.removeAll()
        pending.removeAll()
    }

    /// The state changed to `state`: every subscriber is told; true when a worker must start.
    mutating func changed(to state: ChannelConnectivity) -> Bool {
        queue(state, to: subscribers)
    }

    private mutating func queue(_ state: ChannelConnectivity, to targets: [ConnectivitySubscription]) -> Bool {
        guard !targets.isEmpty else { return false }
        pending.append((state, targets))
        if delivering { return false }
        delivering = true
        return true
    }

    /// The next callbacks to run, or nil when none is left (the worker stops then).
    mutating func next() -> [() -> Void]? {
        while !pending.isEmpty {
            let (state, targets) = pending.removeFirst()
            let callbacks = targets.filter { target in subscribers.contains { $0 === target } }.map { target in
                { target.callback(state) }
            }
            if !callbacks.isEmpty { return callbacks }
        }
        delivering = false
        return nil
    }
}

/// How ``ChannelTransport`` runs its state machine's events and applies their actions: resolving
/// the target, connection attempts, the timers (a subchannel's next attempt, the next
/// resolution, the idle timeout) and closing the connections the channel no longer uses.
extension ChannelTransport {
    /// Runs one event and applies its actions; tells the waiting calls, and the subscribers when
    /// the connectivity changed.
    func updateLocked(_ event: (inout Machine) -> [Machine.Action]) {
        lock.assertHeld()
        let before = machine.connectivity
        var actions = event(&machine)
        var index = 0
        while index < actions.count {
            actions += apply(actions[index])
            index += 1
        }
        let after = machine.connectivity
        stateChanged.broadcast()
        stateChanges &+= 1
        stateWaiters.resumeAllLocked()
        guard before != after else { return }
        log.connectivityChanged(target: target, from: before.description, to: after.description)
        if after == .ready {
            if before != .ready { scheduleIdleTimerLocked() }
        } else if before == .ready {
            idleTimer?.cancel()
            idleTimer = nil
        }
        if after == .shutdown {
            for timer in retryTimers.values { timer.cancel() }
            retryTimers.removeAll()
            resolutionTimer?.cancel()
            resolutionTimer = nil
        }
        if deliveries.changed(to: after) { startDeliveryLocked() }
    }

    /// Applies one action; returns the actions of events it ran at once (a target that needs no
    /// lookup resolves in place).
    private func apply(_ action: Machine.Action) -> [Machine.Action] {
        switch action {
        case .resolve:
            guard case .success(let parsed) = parsedTarget, parsed.needsLookup else {
                return resolved(resolveTarget(), &machine)
            }
            // A thread of its own: the lookup blocks, and a caller never waits on it.
            startThread(name: "grpc-resolve") { [self] in
                let result = resolveTarget()
                lock.withLock { updateLocked { resolved(result, &$0) } }
            }
        case .resolveLater(let at):
            resolutionTimer?.cancel()
            resolutionTimer = loop.schedule(at: at) { [weak self] in self?.resolutionDue() }
        case .connect(let subchannel, let addresses, let deadline):
            // A thread of its own: blocking workers may all be taken by calls waiting for it.
            startThread(name: "grpc-connect") { [self] in
                attempt(subchannel: subchannel, addresses: addresses, until: deadline)
            }
        case .retry(let subchannel, let at):
            retryTimers[subchannel]?.cancel()
            retryTimers[subchannel] = loop.schedule(at: at) { [weak self] in self?.retryDue(subchannel: subchannel) }
        case .close(let connection):
            connection.close(
                failingStreamsWith: machine.connectivity == .shutdown ? .channelClosed : .connectionClosed)
        case .drop(let connection):
            retired[ObjectIdentifier(connection)] = connection
            closeDroppedLocked()
        }
        return []
    }

    /// The target's addresses, or why it has none.
    private func resolveTarget() -> Result<[Connector.Address], NameResolution.Failure> {
        switch parsedTarget {
        case .success(let parsed): resolve(parsed)
        case .failure(let error): .failure(NameResolution.Failure(status: .invalidChannelConfiguration(error.message)))
        }
    }

    /// Tells the machine what resolving the target gave.
    private func resolved(
        _ result: Result<[Connector.Address], NameResolution.Failure>, _ machine: inout Machine
    ) -> [Machine.Action] {
        lock.assertHeld()
        switch result {
        case .success(let addresses):
            return machine.resolved(addresses, now: .now)
        case .failure(let failure):
            log.resolutionFailed(target: target, reason: failure.status.details)
            return machine.resolutionFailed(failure.status, now: .now)
        }
    }

    private func resolutionDue() {
        lock.withLock { updateLocked { $0.resolutionDue(now: .now) } }
    }

    /// One connection attempt of a subchannel (``Connector``), on a thread of its own with no
    /// lock held.
    private func attempt(subchannel: Int, addresses: [Connector.Address], until deadline: Deadline) {
        let result: Result<any ClientConnection, RPCError>
        if let refusal {
            result = .failure(RPCError(refusal))
        } else if let optionsError {
            result = .failure(RPCError(.invalidChannelConfiguration(optionsError.message)))
        } else {
            var limits = options.connectionLimits(for: .client)
            limits.log = log
            limits.keepalive.time = lock.withLock { keepaliveTime ?? limits.keepalive.time }
            result = dial(addresses, security, limits, deadline, self)
        }
        lock.withLock {
            switch result {
            case .success(let connection):
                updateLocked { $0.connected(subchannel: subchannel, connection) }
            case .failure(let error):
                let status = Status(code: error.code, details: error.details)
                updateLocked { $0.connectFailed(subchannel: subchannel, status, now: .now) }
            }
        }
    }

    private func retryDue(subchannel: Int) {
        lock.withLock {
            retryTimers[subchannel] = nil
            updateLocked { $0.retryDue(subchannel: subchannel, now: .now) }
        }
    }

    /// Closes the dropped connections whose calls have ended; while some still have calls, looks
    /// again in a second.
    private func closeDroppedLocked() {
        lock.assertHeld()
        let idle = retired.filter { !$0.value.hasOpenStreams }
        for (key, connection) in idle {
            retired.removeValue(forKey: key)
            connection.close(failingStreamsWith: .connectionClosed)
        }
        dropTimer?.cancel()
        dropTimer = nil
        guard !retired.isEmpty else { return }
        dropTimer = loop.schedule(at: .after(seconds: 1)) { [weak self] in
            guard let self else { return }
            lock.withLock { closeDroppedLocked() }
        }
    }

    /// Arms the idle timer for one idle timeout from now.
    func scheduleIdleTimerLocked() {
        lock.assertHeld()
        callsAtIdleCheck = callsStarted
        idleTimer?.cancel()
        idleTimer = loop.schedule(at: .after(seconds: idleTimeout)) { [weak self] in self?.idleTimerFired() }
    }

    /// An idle timeout has passed since the timer was armed: the connections go when no call took
    /// one meanwhile and none is open on them; otherwise the timer waits again. (They thus go
    /// between one and two timeouts after the last call, without a clock read per call.)
    private func idleTimerFired() {
        lock.withLock {
            guard machine.connectivity == .ready else { return }
            if callsStarted != callsAtIdleCheck || machine.connections.contains(where: \.hasOpenStreams) {
                scheduleIdleTimerLocked()
            } else {
                updateLocked { $0.idleTimeout() }
            }
        }
    }
}

import CNGHTTP2

// A connection's timed events (grpc's doc/keepalive.md): keepalive PINGs and their watchdog, a
// server's PING enforcement, and a server's idle and age limits, which end in the graceful drain
// of ``ConnectionStateMachine``. One timer each, rescheduled when it fires rather than on every
// read or stream, so that calls pay at most a clock read per socket read. The timers hold the
// connection strongly until the close cancels them: a weak reference would move every retain
// and release of the connection to Swift's slower side-table path.

extension HTTP2Connection {
    /// Starts the timers the limits ask for (at the connection's start, lock held).
    func startLifetimeTimersLocked() {
        lock.assertHeld()
        let now = monotonicNanoseconds()
        if let first = keepalive.firstTimer { scheduleKeepaliveLocked(at: first) }
        guard role == .server else { return }
        if let idle = limits.maxConnectionIdle {
            idleSince = now
            idleTimer = loop.schedule(at: Deadline(nanoseconds: now &+ idle)) { [self] in
                lock.withLock { idleTimerFiredLocked() }
            }
        }
        if let age = limits.maxConnectionAge {
            // ±10 % jitter, as grpc, so connections made together do not all drain together.
            let jittered = UInt64(Double(age) * Double.random(in: 0.9...1.1))
            ageTimer = loop.schedule(at: Deadline(nanoseconds: now &+ jittered)) { [self] in
                lock.withLock { ageReachedLocked() }
            }
        }
    }

    /// Stops every timer (the connection has closed).
    func cancelLifetimeTimersLocked() {
        lock.assertHeld()
        for timer in [keepaliveTimer, idleTimer, ageTimer] { timer?.cancel() }
        keepaliveTimer = nil
        idleTimer = nil
        ageTimer = nil
    }

    // MARK: keepalive

    private func scheduleKeepaliveLocked(at time: UInt64) {
        keepaliveTimer = loop.schedule(at: Deadline(nanoseconds: time)) { [self] in
            lock.withLock { keepaliveTimerFiredLocked() }
        }
    }

    private func keepaliveTimerFiredLocked() {
        lock.assertHeld()
        keepaliveTimer = nil
        guard !lifecycle.isClosed else { return }
        let now = monotonicNanoseconds()
        if keepalive.pingTimedOut(now: now) {
            limits.log.keepaliveTimedOut(peer: peer.description)
            applyLocked(lifecycle.keepaliveTimedOut())
            return
        }
        switch keepalive.timerFired(now: now, hasOpenStreams: !streams.isEmpty) {
        case .off:
            return
        case .wait(let until):
            scheduleKeepaliveLocked(at: until)
        case .ping(let deadline):
            session.submitPing(payload: KeepaliveState.pingPayload)
            flushLocked()
            scheduleKeepaliveLocked(at: deadline)
        }
    }

    /// The peer sent a PING (inside nghttp2's callback). A server counts strikes; a client that
    /// has struck out is told so once nghttp2 has returned (``endAbusiveConnectionLocked()``).
    /// nghttp2 acknowledges the PING either way.
    func pingReceivedLocked() {
        lock.assertHeld()
        guard role == .server else { return }
        if keepalive.pingReceived(now: monotonicNanoseconds(), hasOpenStreams: !streams.isEmpty) {
            peerStruckOut = true
        }
    }

    /// Ends the connection of a client whose PINGs came too often: GOAWAY ENHANCE_YOUR_CALM
    /// `too_many_pings`, then close. Called after nghttp2 has returned from reading, since a
    /// GOAWAY submitted inside its callbacks would wait for a flush that the close forestalls.
    func endAbusiveConnectionLocked() {
        lock.assertHeld()
        peerStruckOut = false
        limits.log.tooManyPings(peer: peer.description)
        applyLocked(lifecycle.tooManyPings())
    }

    // MARK: idle and age (server)

    /// The last stream has closed: the connection is idle from now.
    func becameIdleLocked() {
        lock.assertHeld()
        if limits.maxConnectionIdle != nil { idleSince = monotonicNanoseconds() }
    }

    private func idleTimerFiredLocked() {
        lock.assertHeld()
        idleTimer = nil
        guard let idle = limits.maxConnectionIdle, !lifecycle.isDraining else { return }
        let now = monotonicNanoseconds()
        if streams.isEmpty && now &- idleSince >= idle {
            applyLocked(lifecycle.beginGracefulShutdown())
            return
        }
        let next = streams.isEmpty ? idleSince &+ idle : now &+ idle
        idleTimer = loop.schedule(at: Deadline(nanoseconds: next)) { [self] in
            lock.withLock { idleTimerFiredLocked() }
        }
    }

    private func ageReachedLocked() {
        lock.assertHeld()
        ageTimer = nil
        guard !lifecycle.isClosed else { return }
        applyLocked(lifecycle.beginGracefulShutdown())
        guard let grace = limits.maxConnectionAgeGrace else { return }
        ageTimer = loop.schedule(at: Deadline(nanoseconds: monotonicNanoseconds() &+ grace)) { [self] in
            lock.withLock { ageGraceExpiredLocked() }
        }
    }

    private func ageGraceExpiredLocked() {
        lock.assertHeld()
        ageTimer = nil
        guard !lifecycle.isClosed else { return }
        // Each call ends with UNAVAILABLE trailers, as grpc's servers end them, then the GOAWAY.
        for case let stream as ServerStream in streams.values { stream.finishLocked(.connectionAgeGraceExpired) }
        flushLocked()
        applyLocked(lifecycle.close(.connectionAgeGraceExpired))
    }
}

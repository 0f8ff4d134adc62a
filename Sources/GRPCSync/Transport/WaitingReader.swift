import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// Which thread, besides the loop, reads a connection's socket: a thread that waits for what is
/// likely its reply while its stream is the connection's only one (a client caller waiting for a
/// response, a server handler waiting for its next request), or a server worker waiting for the
/// connection's next call. The message then wakes the waiting thread directly, instead of the loop
/// thread reading it and waking the waiting one: one thread switch less per message. Meanwhile
/// the loop does not watch for input. Part of ``HTTP2Connection``, under its lock.
struct WaitingReader {
    /// A waiting thread reads the socket; the loop does not.
    private(set) var isReading = false
    private var thread = pthread_t()
    /// Wakes the reading thread when something changes on another thread (an eventfd, made on
    /// first use and kept for the connection's life).
    private var wakeFD: Int32 = -1

    /// Makes the wake-up eventfd once; false when the system has no eventfd to spare.
    mutating func prepare() -> Bool {
        if wakeFD < 0 {
            wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
            if wakeFD < 0 { return false }
        }
        return true
    }

    /// The calling thread starts reading.
    mutating func begin() {
        isReading = true
        thread = pthread_self()
    }

    mutating func end() {
        isReading = false
    }

    /// Wakes the reading thread, if another thread reads.
    func wake() {
        guard isReading, pthread_equal(thread, pthread_self()) == 0 else { return }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// Waits up to `timeout` nanoseconds for the socket to have input or the reader to be woken;
    /// true when the socket has input. Called without the connection's lock.
    func poll(socket fd: Int32, timeout: UInt64) -> Bool {
        var fds = (
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        )
        let ready = withUnsafeMutablePointer(to: &fds) { pair in
            pair.withMemoryRebound(to: pollfd.self, capacity: 2) { clinux_poll_nanoseconds($0, 2, timeout) }
        }
        guard ready > 0 else { return false }
        if fds.1.revents != 0 {
            var value: UInt64 = 0
            _ = read(wakeFD, &value, 8)
        }
        return fds.0.revents != 0
    }

    /// Closes the eventfd (the connection is gone).
    mutating func release() {
        if wakeFD >= 0 { close(wakeFD) }
        wakeFD = -1
    }
}

extension HTTP2Connection {
    /// Waits on `condition` while `blocked()` holds, or until `deadline` (false then), reading the
    /// socket on this thread meanwhile when its stream is the connection's only one.
    /// `callerMayRead` false leaves the reading to the loop, as for a stream of messages: the loop
    /// then reads the next ones while the caller handles the last.
    @discardableResult
    func waitReadingLocked(
        _ condition: Condition, until deadline: Deadline, callerMayRead: Bool = true, while blocked: () -> Bool
    ) -> Bool {
        lock.assertHeld()
        while blocked() {
            if deadline.hasPassed { return false }
            // With several streams open the loop reads for them all, one wake-up for many responses.
            if !callerMayRead || streams.count > 1 || reader.isReading || lifecycle.isClosed || !reader.prepare() {
                if !condition.wait(lock, until: deadline) && deadline.hasPassed { return false }
                continue
            }
            readWhileBlockedLocked(until: deadline, blocked)
        }
        return true
    }

    /// Takes input over from the loop until `blocked()` stops holding, the deadline passes or the
    /// connection closes, then hands it back.
    private func readWhileBlockedLocked(until deadline: Deadline, _ blocked: () -> Bool) {
        lock.assertHeld()
        let buffer = ThreadReadBuffer.current
        reader.begin()
        socket.setReading(false, loop: loop, source: self)
        while blocked() && !lifecycle.isClosed && !deadline.hasPassed {
            // At most a second per poll: a missed wake-up would only cost time.
            let timeout = min(deadline.nanosecondsRemaining, 1_000_000_000)
            let reader = self.reader
            let fd = socket.fd
            lock.unlock()
            let readable = reader.poll(socket: fd, timeout: timeout)
            lock.lock()
            if readable && !lifecycle.isClosed { readLocked(into: buffer) }
        }
        reader.end()
        socket.setReading(true, loop: loop, source: self)
    }

    /// Server: reads on this thread while the connection has no stream, nobody else reads it and
    /// `waiting()` holds (see ``ServerConnection/readWhileIdle(until:while:)``).
    func readWhileIdle(until deadline: Deadline, while waiting: () -> Bool) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard role == .server, streams.isEmpty, !reader.isReading, !lifecycle.isDraining, waiting(), reader.prepare()
        else { return false }
        readWhileBlockedLocked(until: deadline, waiting)
        return true
    }

    /// Something changed that a thread reading in ``waitReadingLocked(_:until:callerMayRead:while:)``
    /// or ``readWhileIdle(until:while:)`` waits for: it looks again.
    func wakeReaderLocked() {
        lock.assertHeld()
        reader.wake()
    }

    func assertLockHeld(file: StaticString, line: UInt) {
        lock.assertHeld(file: file, line: line)
    }

    /// ``wakeReaderLocked()`` from any thread with any lock held: the loop thread takes the lock.
    func interruptIdleReader() {
        loop.execute { [self] in lock.withLock { wakeReaderLocked() } }
    }
}

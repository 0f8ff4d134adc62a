import Synchronization

/// The calls of one server connection: it hands each new call to the server, and runs a call's
/// work on a worker: the executor's next free one, or (the next-call fast path) a worker that has
/// just finished a call on this connection and waits a moment for the next.
///
/// After a call, its worker stays with the connection for a moment (`Server.nextCallWait`) while
/// the executor has nothing else for it, reading the socket itself: a call that arrives meanwhile
/// runs on it, read and handled on one thread. A client calling one call after another is so
/// served as grpc C++'s synchronous server serves it, instead of the loop thread reading each
/// request and waking a worker for it. Work submitted while every worker is busy, or the
/// executor's shutdown, ends the wait; a call read just as other work was queued goes into the
/// queue behind that work, so the executor stays first in, first out.
///
/// The connection's calls hold at most `Server.workersPerConnection` workers at once
/// (``WorkerShare``); its calls beyond that wait here for one of its workers.
final class CallDispatcher: ServerConnectionDelegate, @unchecked Sendable {  // `waiting`, `share`: Mutexes
    /// Weak: a server nobody holds any more stops serving its connections.
    private weak var server: Server?
    /// The wait of the worker reading the connection for its next call, if one does.
    private let waiting = Mutex<NextCall?>(nil)
    /// The connection's share of the workers.
    private let share: Mutex<WorkerShare<CallWork>>

    init(server: Server) {
        self.server = server
        share = Mutex(WorkerShare(limit: server.workersPerConnection))
    }

    // MARK: ServerConnectionDelegate

    func connection(_ connection: any ServerConnection, receivedRequest stream: ServerStream, head: RequestHead) {
        guard let server else {
            stream.finishLocked(.serverShuttingDown)
            return
        }
        server.callArrivedLocked(stream, head: head, on: connection, dispatcher: self)
    }

    func connectionDidClose(_ connection: any ServerConnection) {
        server?.connectionDidClose(connection)
    }

    // MARK: running calls

    /// Runs `work` (a call's handler, or its handler lookup) on a worker: the one waiting for
    /// this connection's next call, if one waits, else the executor's. Connection lock held.
    /// False when the executor is shut down.
    func dispatchLocked(_ work: CallWork, on connection: any ServerConnection) -> Bool {
        connection.assertLockHeld(file: #fileID, line: #line)
        if let nextCall = waiting.withCheckedLock({ $0 }), nextCall.offer(work) {
            // Read while a worker waits for this connection's next call: it runs the work. (The
            // loop may have read it: the worker then needs waking.)
            connection.wakeReaderLocked()
            return true
        }
        guard server != nil else { return false }
        guard share.withCheckedLock({ $0.admit(work) }) else { return true }  // waits its turn
        return runOnNewWorker(work, on: connection)
    }

    /// Submits `work` to the executor, counted in the share already: the worker runs it, serves
    /// the connection's next calls, and leaves, handing the share to the next waiting call.
    private func runOnNewWorker(_ work: CallWork, on connection: any ServerConnection) -> Bool {
        guard let server else { return false }
        let submitted = server.executor.submit { [self] in
            work.run()
            serveNextCalls(on: connection)
            if let next = share.withCheckedLock({ $0.workerLeft() }), !runOnNewWorker(next, on: connection) {
                next.call.finish(.serverShuttingDown)
            }
        }
        if !submitted { share.withCheckedLock { $0.withdraw() } }
        return submitted
    }

    /// The worker that has run a call's handler waits for the connection's next call, as long
    /// as the executor has nothing else for it; see the type's documentation.
    func serveNextCalls(on connection: any ServerConnection) {
        guard let server else { return }
        let executor = server.executor
        while true {
            let nextCall = NextCall()
            let deadline = Deadline(nanoseconds: monotonicNanoseconds() &+ server.nextCallWait)
            guard
                let work = executor.waitForOwnWork(
                    {
                        waiting.withCheckedLock { $0 = nextCall }
                        _ = connection.readWhileIdle(until: deadline) { nextCall.isWaiting }
                        waiting.withCheckedLock { $0 = nil }
                        return nextCall.close()
                    },
                    // Called by a submit, which may hold this connection's lock: the loop wakes the reader.
                    interrupt: {
                        nextCall.stop()
                        connection.interruptIdleReader()
                    })
            else { return }
            if executor.hasQueuedWork {
                share.withCheckedLock { $0.handedOver() }
                if runOnNewWorker(work, on: connection) { return }
            }
            work.run()
        }
    }
}

/// One wait of a worker for its connection's next call: where the work of a call read meanwhile
/// is left, and whether the worker is needed elsewhere.
private final class NextCall: Sendable {
    private enum State {
        case waiting
        case offered(CallWork)
        /// The wait is over; nothing more is taken.
        case closed
    }

    private let state = Mutex(State.waiting)
    private let stopped = Atomic<Bool>(false)

    /// Leaves `work` for the waiting worker; false when the wait is over or stopped, or work
    /// was left already.
    func offer(_ work: CallWork) -> Bool {
        if stopped.load(ordering: .sequentiallyConsistent) { return false }
        return state.withCheckedLock {
            guard case .waiting = $0 else { return false }
            $0 = .offered(work)
            return true
        }
    }

    /// Still waiting: no work left, not stopped.
    var isWaiting: Bool {
        if stopped.load(ordering: .sequentiallyConsistent) { return false }
        return state.withCheckedLock {
            if case .waiting = $0 { return true }
            return false
        }
    }

    /// The worker is needed elsewhere: the wait ends, or does not begin. Any thread, any lock held.
    func stop() { stopped.store(true, ordering: .sequentiallyConsistent) }

    /// Ends the wait; returns the work left meanwhile, if any.
    func close() -> CallWork? {
        state.withCheckedLock { state in
            defer { state = .closed }
            if case .offered(let work) = state { return work }
            return nil
        }
    }
}

/// What a worker does for a call: run its handler, or, without one yet, choose it (asking the
/// interceptors and generic handlers) and then run it.
struct CallWork: Sendable {
    let call: ServerCall
    let handler: RPCMethodHandler?

    func run() {
        if let handler {
            call.run(handler)
        } else {
            call.chooseHandlerAndStart()
        }
    }
}

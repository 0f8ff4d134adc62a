import DequeModule

/// One connection's share of the server's workers: at most `limit` of them run its calls at once;
/// its calls beyond that wait here, in order, for one of its own workers to come free, while the
/// other connections' calls take the workers left. So one client cannot take every worker with
/// calls that never end (grpcio's server lets it; see docs/porting.md).
///
/// A value guarded by its ``CallDispatcher``; `Work` is a call's work (generic for the tests).
struct WorkerShare<Work> {
    /// The most workers the connection's calls may hold.
    let limit: Int
    /// Workers running the connection's calls (or submitted to run them).
    private(set) var holding = 0
    /// Calls that wait for the connection's share, oldest first.
    private var waiting: Deque<Work> = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// The connection's default share of `maxWorkers`: all but an eighth of them (at least one
    /// is left to the other connections when there are two workers or more).
    static func defaultLimit(maxWorkers: Int) -> Int {
        maxWorkers <= 1 ? 1 : maxWorkers - max(1, maxWorkers / 8)
    }

    /// Calls waiting for the share.
    var waitingCount: Int { waiting.count }

    /// A call is ready to run: true when it is to run on a new worker now (counted); otherwise it
    /// is kept to wait. (The work is only read, and kept only when it waits.)
    mutating func admit(_ work: borrowing Work) -> Bool {
        guard holding < limit else {
            waiting.append(copy work)
            return false
        }
        holding += 1
        return true
    }

    /// A worker that ran the connection's calls has left it: the next waiting call, to run on a
    /// new worker (counted), if one waits.
    mutating func workerLeft() -> Work? {
        holding -= 1
        guard holding < limit, let next = waiting.popFirst() else { return nil }
        holding += 1
        return next
    }

    /// A call counted by ``admit(_:)`` or ``handedOver()`` found no worker (the executor is shut
    /// down): it no longer counts.
    mutating func withdraw() {
        holding -= 1
    }

    /// A worker hands a call it read to a new worker as it leaves (see ``CallDispatcher``): the
    /// share is unchanged once it has left.
    mutating func handedOver() {
        holding += 1
    }
}

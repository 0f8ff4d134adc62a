import DequeModule

/// The requests of a streaming-request call, written while the call runs: the Swift form of
/// grpcio's queue-fed request iterator, `stub.Chat(iter(queue.get, None))`.
///
/// ```swift
/// let requests = RequestQueue<Routeguide_RouteNote>()
/// let responses = try stub.routeChat(requests)
/// for note in notes {
///     requests.put(note)
///     print(try responses.next() as Any)
/// }
/// requests.close()  // Python: queue.put(None)
/// ```
///
/// Any `Sequence` works as the requests of a call, but a sequence is read on a sender thread,
/// which costs a thread hand-off for every request. A queue passed straight to a multicallable is
/// written from the thread that calls ``put(_:)-(Request)``: once the call has started, a request
/// is serialized and queued on the stream there and then. Like Python's `queue.put`, `put` never
/// waits: while the peer is not reading (flow control), requests wait in the queue and a sender
/// thread takes them out as the peer catches up.
///
/// A queue feeds one call. Puts after ``close()``, or after the call has ended, are dropped. A
/// stream client interceptor sees the queue as a plain sequence; the requests it passes on are
/// read on a sender thread, as any sequence is, and that thread waits for the next put until
/// ``close()``, even after the call has ended (as grpcio's request thread waits on its queue):
/// close the queue when you are done with it.
public final class RequestQueue<Request>: Sequence, @unchecked Sendable {  // state protected by `lock`
    private let lock = Lock()
    private let changed = Condition()
    /// Requests put but not yet handed to the call, oldest first.
    private var pending: Deque<OutgoingMessage<Request>> = []
    private var closed = false
    /// The call the queue writes to, once it has started.
    private var feed: Feed?
    /// A sender thread is writing pending requests to `feed`; a put appends behind them.
    private var draining = false
    /// `feed` answered that the call has ended: everything is dropped from then on.
    private var callEnded = false

    /// An open, empty queue; give it to a streaming call as its requests.
    public init() {}

    /// Adds a request; it is sent after those put before it.
    ///
    /// - Parameter request: The request; ignored once the queue is closed or its call has ended.
    public func put(_ request: Request) {
        put(OutgoingMessage(request))
    }

    /// Adds a request with its own compression choice (see ``OutgoingMessage``).
    ///
    /// - Parameter message: The request and whether it may be compressed; ignored once the queue
    ///   is closed or its call has ended.
    public func put(_ message: OutgoingMessage<Request>) {
        lock.lock()
        defer { lock.unlock() }
        if closed || callEnded { return }
        guard let feed, !draining else {
            pending.append(message)
            changed.signal()
            return
        }
        // Sent on this thread. The lock stays held so that puts from several threads keep the
        // order in which they took it.
        switch feed.send(message, false) {
        case .queued:
            break
        case .callEnded:
            callEnded = true
        case .full:
            pending.append(message)
            draining = true
            ThreadPoolExecutor.blockingWork.submit { [self] in drain() }
        }
    }

    /// Ends the requests: the call half-closes once those already put have been sent (Python:
    /// `queue.put(None)`).
    public func close() {
        lock.lock()
        if closed {
            lock.unlock()
            return
        }
        closed = true
        changed.broadcast()
        let endNow = feed != nil && !draining && !callEnded
        lock.unlock()
        if endNow { feed?.end() }
    }

    /// An iterator taking the queue's requests, for a call that reads the queue as a sequence.
    ///
    /// - Returns: An iterator that waits for each request.
    public func makeIterator() -> Iterator {
        Iterator(queue: self)
    }

    /// Takes requests as they are put, waiting for the next one; nil once the queue is closed and
    /// empty. This is how a sender thread reads a queue that a call cannot write to directly.
    public struct Iterator: IteratorProtocol {
        fileprivate let queue: RequestQueue

        /// The next request put, waiting until there is one.
        ///
        /// - Returns: The request, or nil once the queue is closed and empty.
        public mutating func next() -> Request? {
            queue.take()?.message
        }
    }

    // MARK: runtime

    /// Requests put but not yet handed to the call.
    var pendingCount: Int {
        lock.withLock { pending.count }
    }

    /// A sender thread is writing pending requests (puts queue behind them meanwhile).
    var isDraining: Bool {
        lock.withLock { draining }
    }

    /// How a queue writes to its call.
    struct Feed {
        /// Serializes and queues one request; with `waitWhileFull` false it answers `.full`
        /// rather than wait for the peer.
        let send: (_ message: OutgoingMessage<Request>, _ waitWhileFull: Bool) -> ClientCall.RequestDelivery
        /// Half-closes the call.
        let end: () -> Void
    }

    /// Connects the queue to its started call and sends what was put before, on the calling
    /// thread; later puts go out on the putting thread. False when the queue already feeds a call.
    func attach(_ feed: Feed) -> Bool {
        lock.lock()
        if self.feed != nil {
            lock.unlock()
            return false
        }
        self.feed = feed
        draining = true
        lock.unlock()
        drain()
        return true
    }

    /// Sends the pending requests in order, waiting for the peer as needed, then half-closes if the
    /// queue is closed. Runs on one thread at a time (`draining`), after `feed` is set.
    private func drain() {
        while true {
            lock.lock()
            let feed = self.feed!
            if callEnded {
                draining = false
                lock.unlock()
                return
            }
            guard let message = pending.popFirst() else {
                draining = false
                let endNow = closed
                lock.unlock()
                if endNow { feed.end() }
                return
            }
            lock.unlock()
            if feed.send(message, true) == .callEnded {
                lock.withLock {
                    callEnded = true
                    pending.removeAll()
                }
            }
        }
    }

    /// The next pending request, waiting for one; nil once closed and empty.
    private func take() -> OutgoingMessage<Request>? {
        lock.lock()
        defer { lock.unlock() }
        while pending.isEmpty && !closed {
            changed.wait(lock)
        }
        return pending.popFirst()
    }
}

/// The requests a caller writes to an intercepted streaming-request call, on their way to the
/// interceptors' ``AIO/Requests`` (grpc.aio's one-slot queue): a write waits while one request
/// already waits to be read, so a slow call holds back its writer. Ends when the caller is done
/// writing; closed when the call ends, which releases every waiting writer and reader.
final class WrittenRequests<Request>: @unchecked Sendable {  // `lock` protects the rest
    /// What a reader gets. @unchecked: a request passes from its writer to the one reader.
    private enum Item: @unchecked Sendable {
        case request(Request)
        /// The caller is done writing.
        case end
        /// The call has ended, or the reading task was cancelled.
        case closed
    }

    /// What a write finds, decided under the lock.
    private enum PutOutcome {
        case placed
        case handed(UnsafeContinuation<Item, Never>)
        case refused
        case waiting
    }

    private let lock = Lock()
    /// What waits to be read.
    private var slot: Item?
    /// Writers waiting for the slot, with what they write.
    private var writers: [(id: UInt64, item: Item, continuation: UnsafeContinuation<Bool, Never>)] = []
    /// The reader waiting for a request.
    private var reader: (id: UInt64, continuation: UnsafeContinuation<Item, Never>)?
    private var lastID: UInt64 = 0
    private var closed = false

    /// Puts `request` (nil: the end of the requests) in the slot, waiting while it is taken.
    ///
    /// - Returns: True once it is in the slot (or read); false when the call ended first, or the
    ///   writing task was cancelled.
    func put(_ request: Request?) async -> Bool {
        let item: Item = request.map { .request($0) } ?? .end
        let id = nextID()
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Bool, Never>) in
                let cancelled = Task.isCancelled  // its handler may have run already
                let outcome: PutOutcome = lock.withLock {
                    if closed || cancelled { return .refused }
                    if let reader {
                        self.reader = nil
                        return .handed(reader.continuation)
                    }
                    if slot == nil {
                        slot = item
                        return .placed
                    }
                    writers.append((id, item, continuation))
                    return .waiting
                }
                switch outcome {
                case .placed: continuation.resume(returning: true)
                case .handed(let reader):
                    reader.resume(returning: item)
                    continuation.resume(returning: true)
                case .refused: continuation.resume(returning: false)
                case .waiting: break
                }
            }
        } onCancel: {
            let cancelled: UnsafeContinuation<Bool, Never>? = lock.withLock {
                guard let index = writers.firstIndex(where: { $0.id == id }) else { return nil }
                return writers.remove(at: index).continuation
            }
            cancelled?.resume(returning: false)
        }
    }

    /// The next request, waiting until one is written.
    ///
    /// - Returns: The next request; nil after the end.
    /// - Throws: `CancellationError` when the call ended (or the reading task was cancelled)
    ///   before the requests' end.
    func take() async throws -> Request? {
        let id = nextID()
        let item: Item = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Item, Never>) in
                let cancelled = Task.isCancelled  // its handler may have run already
                let (item, writer): (Item?, UnsafeContinuation<Bool, Never>?) = lock.withLock {
                    if let slot {
                        guard !writers.isEmpty else {
                            self.slot = nil
                            return (slot, nil)
                        }
                        let next = writers.removeFirst()
                        self.slot = next.item
                        return (slot, next.continuation)
                    }
                    if closed || cancelled { return (.closed, nil) }
                    reader = (id, continuation)
                    return (nil, nil)
                }
                writer?.resume(returning: true)
                if let item { continuation.resume(returning: item) }
            }
        } onCancel: {
            let cancelled: UnsafeContinuation<Item, Never>? = lock.withLock {
                guard let reader, reader.id == id else { return nil }
                self.reader = nil
                return reader.continuation
            }
            cancelled?.resume(returning: .closed)
        }
        switch item {
        case .request(let request): return request
        case .end:
            close()  // nothing is read after the end
            return nil
        case .closed: throw CancellationError()
        }
    }

    /// Ends the requests for good (the call has ended): waiting writers get false, a waiting reader
    /// `CancellationError`, and so do later ones.
    func close() {
        let (writers, reader): ([UnsafeContinuation<Bool, Never>], UnsafeContinuation<Item, Never>?) =
            lock.withLock {
                closed = true
                defer {
                    self.writers = []
                    self.reader = nil
                }
                return (self.writers.map(\.continuation), self.reader?.continuation)
            }
        for writer in writers { writer.resume(returning: false) }
        reader?.resume(returning: .closed)
    }

    private func nextID() -> UInt64 {
        lock.withLock {
            lastID &+= 1
            return lastID
        }
    }
}

/// The request side of an intercepted streaming-request call: ``write(_:on:)`` and
/// ``doneWriting(on:)`` feed the interceptors' requests once they have returned the call, as
/// grpc.aio's intercepted calls do; refused when the requests come from a sequence.
final class InterceptedRequestWriter<Request>: @unchecked Sendable {  // `lock` protects `halfClosed`
    /// Where written requests go; nil when the requests come from a sequence given with the call.
    let written: WrittenRequests<Request>?
    private let lock = Lock()
    private var halfClosed = false

    init(written: WrittenRequests<Request>?) {
        self.written = written
    }

    /// Sends one request once the interceptors have returned the call, suspending while one
    /// written request still waits to be read.
    ///
    /// - Throws: ``UsageError`` when the requests come from a sequence, after ``doneWriting(on:)``,
    ///   and when the interceptors threw or the call has ended ("RPC already finished.", grpc.aio's
    ///   `InvalidStateError`); `CancellationError` when the writing task was cancelled.
    func write(_ request: Request, on interception: some InterceptedCallState) async throws {
        guard let written else { throw AsyncRequestWriter<Request>.mixedStyles }
        guard case .success(let call) = await interception.outcome(), !call.done() else {
            throw AsyncRequestWriter<Request>.writeAfterEnd
        }
        if lock.withLock({ halfClosed }) { throw AsyncRequestWriter<Request>.writeAfterDoneWriting }
        guard await written.put(request) else {
            try Task.checkCancellation()
            throw AsyncRequestWriter<Request>.writeAfterEnd
        }
        if call.done() { throw AsyncRequestWriter<Request>.writeAfterEnd }
    }

    /// Ends the requests once the interceptors have returned the call (nothing the second time).
    ///
    /// - Throws: ``UsageError`` when the requests come from a sequence, or the interceptors were
    ///   cancelled; what they threw otherwise.
    func doneWriting(on interception: some InterceptedCallState) async throws {
        guard let written else { throw AsyncRequestWriter<Request>.mixedStyles }
        if case .failure(let error) = await interception.outcome() {
            throw error is CancellationError ? AsyncRequestWriter<Request>.writeAfterEnd : error
        }
        let first: Bool = lock.withLock {
            defer { halfClosed = true }
            return !halfClosed
        }
        if first { _ = await written.put(nil) }
    }
}

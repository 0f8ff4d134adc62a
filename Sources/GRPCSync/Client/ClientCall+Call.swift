// What a client call answers as a ``Call``: its metadata, status and callbacks, waiting as the
// blocking API waits (``ClientCall+Async.swift`` has the awaiting forms).

extension ClientCall {
    func initialMetadata() -> Metadata {
        while let stream = waitForStream() {
            let metadata = stream.waitForHeaders(deadline: deadline)
            if isCurrent(stream) { return metadata }
        }
        return []
    }

    func trailingMetadata() -> Metadata { waitForStatus().trailingMetadata }
    func code() -> StatusCode { waitForStatus().code }
    func details() -> String { waitForStatus().details }

    func isActive() -> Bool { status == nil }
    func timeRemaining() -> Double? { deadline.timeRemaining }

    @discardableResult
    func addCallback(_ callback: @escaping @Sendable () -> Void) -> Bool {
        let added: Bool? = lock.withLock {
            switch phase {
            case .starting(var callbacks):
                callbacks.append(callback)
                phase = .starting(callbacks: callbacks)
                return true
            case .started: return nil
            case .failed: return false
            }
        }
        if let added { return added }
        guard let stream = currentStream else { return addCallback(callback) }
        if stream.addCallback(callback) { return true }
        return isCurrent(stream) ? false : addCallback(callback)
    }
}

// A client call driven by async tasks (the `AIO` API): the same call, stream and status as a
// blocking call's, with every wait a suspension instead of a parked thread. The call's deadline
// is kept by timers (the channel's while connecting, the stream's after), which end the call and
// wake its tasks. A task that is cancelled while it waits cancels the call here, on the task
// (never in a cancellation handler, which runs under a lock that resuming a task takes).

extension ClientCall {
    /// Opens the stream now when the channel is ready and no call-credentials plugin must be asked
    /// first, with `firstMessage` and `endOutput` going out with the headers; false when the call
    /// must be started with ``startAsync()`` (it has kept what goes out with its headers then).
    func startNow(firstMessage: FramedMessage?, endOutput: Bool) -> Bool {
        keep(firstMessage: firstMessage, endOutput: endOutput, byTask: true)
        if isEnded { return true }  // cancelled before it started
        guard credentialPlugins.isEmpty, let connection = channel.connectionIfReady() else { return false }
        return !open(on: connection)
    }

    /// Connects if needed and opens the stream with what ``startNow(firstMessage:endOutput:)``
    /// kept, suspending while the channel connects. The call-credentials plugins are asked on a
    /// blocking worker (they answer through a callback, maybe after blocking themselves).
    /// Failures end the call; they are not thrown.
    func startAsync() async {
        if isEnded { return }
        while true {
            let connection: any ClientConnection
            do {
                connection = try await channel.readyConnectionAsync(deadline: deadline, waitForReady: waitForReady)
            } catch {
                if Task.isCancelled {
                    cancel()
                } else {
                    failToStart(Status(code: error.code, details: error.details))
                }
                return
            }
            if !credentialPlugins.isEmpty {
                await withUnsafeContinuation { (done: UnsafeContinuation<Void, Never>) in
                    ThreadPoolExecutor.blockingWork.submit { [self] in
                        _ = requestHeaders()  // kept for `open(on:)`
                        done.resume()
                    }
                }
                if isEnded { return }
            }
            if Task.isCancelled {  // its stream would only be reset
                cancel()
                return
            }
            if !open(on: connection) { return }
        }
    }

    /// The call's stream once it has one; nil when the call ended before that. Suspends while the
    /// call starts.
    func waitForStreamAsync() async -> ClientStream? {
        while true {
            let (stream, started, waiters): (ClientStream?, Bool, AsyncWaitList?) = lock.withLock {
                switch phase {
                case .started(let stream): return (stream, true, nil)
                case .failed: return (nil, true, nil)
                case .starting:
                    if let waiters = phaseWaiters { return (nil, false, waiters) }
                    let waiters = AsyncWaitList()
                    phaseWaiters = waiters
                    return (nil, false, waiters)
                }
            }
            if started { return stream }
            await waiters?.wait(lock: lock) {
                if case .starting = phase { return true }
                return false
            }
            // A cancelled task stops waiting; the call ends CANCELLED unless it has ended.
            if Task.isCancelled { cancel() }
        }
    }

    /// Sends one framed request message, suspending while the peer is slow.
    func sendAsync(framed: FramedMessage) async -> RequestDelivery {
        while let stream = await waitForStreamAsync() {
            switch await stream.sendAsync(framed: framed) {
            case .sent: return .queued
            case .full, .timedOut:  // the task was cancelled
                cancel()
                return .callEnded
            case .finished:
                if isCurrent(stream) { return .callEnded }  // else refused: send on the new stream
            }
        }
        return .callEnded
    }

    /// The next response message; nil at the end of the stream. Throws the call's error.
    func receiveAsync<Response>(_ deserializer: Deserializer<Response>) async throws(RPCError) -> Response? {
        while let stream = await waitForStreamAsync() {
            switch await stream.receiveAsync() {
            case .message(let message):
                do {
                    return try deserializer(message.bytes)
                } catch {
                    fail(.responseDeserializationFailed)
                    throw self.error(for: await waitForStatusAsync())
                }
            case .timedOut:  // the task was cancelled
                cancel()
            case .end:
                guard isCurrent(stream) else { continue }  // refused and started again
                let status = await waitForStatusAsync()
                if status.code != .ok { throw error(for: status) }
                return nil
            }
        }
        throw error(for: await waitForStatusAsync())
    }

    /// Suspends until the call ends; returns its status.
    func waitForStatusAsync() async -> Status {
        while let stream = await waitForStreamAsync() {
            guard let status = await stream.waitUntilFinishedAsync() else {
                cancel()  // the task was cancelled
                continue
            }
            if isCurrent(stream) { return status }  // else refused and started again
        }
        return status ?? .locallyCancelled
    }

    /// The single response of a unary-response call, once it has ended.
    func unaryResponseAsync<Response>(_ deserializer: Deserializer<Response>) async throws(RPCError) -> Response {
        try unaryResponse(deserializer, status: await waitForStatusAsync())
    }

    /// The server's initial metadata once it arrives (empty when the call ended without any).
    func initialMetadataAsync() async -> Metadata {
        while let stream = await waitForStreamAsync() {
            guard let metadata = await stream.waitForHeadersAsync() else {
                cancel()  // the task was cancelled
                continue
            }
            if isCurrent(stream) { return metadata }
        }
        return []
    }
}

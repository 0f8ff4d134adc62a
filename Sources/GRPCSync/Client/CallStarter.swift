/// How the multicallables start calls: one request sent with the headers, a request sequence
/// consumed lazily on a sender thread, or a ``RequestQueue`` written from the putting thread.
enum CallStarter {
    /// Serializes and frames one request (compressed unless `compress` is false); a failure ends
    /// the call as grpcio does.
    static func frame<Request>(
        _ request: Request, _ serializer: Serializer<Request>, compress: Bool = true, call: ClientCall
    ) -> FramedMessage? {
        let bytes: [UInt8]
        do {
            bytes = try serializer(request)
        } catch {
            call.fail(.requestSerializationFailed)
            return nil
        }
        return call.frame(bytes, compress: compress)
    }

    /// Starts a call whose single request goes out with the headers; blocks while connecting.
    static func startUnary<Request>(_ call: ClientCall, _ request: Request, _ serializer: Serializer<Request>) {
        guard let framed = frame(request, serializer, call: call) else { return }
        call.start(firstMessage: framed, endOutput: true)
    }

    /// Like ``startUnary(_:_:_:)`` but without blocking the caller.
    static func startUnaryInBackground<Request>(
        _ call: ClientCall, _ request: Request, _ serializer: Serializer<Request>
    ) {
        guard let framed = frame(request, serializer, call: call) else { return }
        ThreadPoolExecutor.blockingWork.submit { call.start(firstMessage: framed, endOutput: true) }
    }

    /// Starts a call and sends `requests`, half-closing at their end. A ``RequestQueue`` is
    /// connected to the call, so that its puts send; any other sequence is read lazily on a sender
    /// thread, as the transport takes messages.
    static func startStreaming<Request>(
        _ call: ClientCall, _ requests: RequestMessages<Request>, _ serializer: @escaping Serializer<Request>
    ) {
        let queue = requests.queue
        let iterator = requests.outgoing.makeIterator()
        // The iterator is handed over to the sender thread and used only there.
        nonisolated(unsafe) let next = { iterator.next() }
        ThreadPoolExecutor.blockingWork.submit {
            call.start(firstMessage: nil, endOutput: false)
            if let queue, queue.attach(feed(call, serializer)) { return }
            while let request = next() {
                guard let framed = frame(request.message, serializer, compress: request.compressed, call: call),
                    call.send(framed: framed) == .queued
                else { return }
            }
            call.endOutput()
        }
    }

    /// How a ``RequestQueue`` writes to `call`.
    private static func feed<Request>(_ call: ClientCall, _ serializer: @escaping Serializer<Request>)
        -> RequestQueue<Request>.Feed
    {
        RequestQueue.Feed(
            send: { request, waitWhileFull in
                guard let framed = frame(request.message, serializer, compress: request.compressed, call: call) else {
                    return .callEnded
                }
                return call.send(framed: framed, waitWhileFull: waitWhileFull)
            },
            end: { call.endOutput() })
    }
}

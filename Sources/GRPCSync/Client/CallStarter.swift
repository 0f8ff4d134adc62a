/// How the multicallables start calls: one request sent with the headers, or a request sequence
/// consumed lazily on a sender thread.
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
            call.fail(Status(code: .internal, details: "Exception serializing request!"))
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

    /// Starts a call and sends `requests` from a sender thread, half-closing at their end. The
    /// sequence is read lazily, as the transport takes messages.
    static func startStreaming<S: Sequence, Request>(
        _ call: ClientCall, _ requests: S, _ serializer: @escaping Serializer<Request>
    ) where S.Element == OutgoingMessage<Request> {
        var iterator = requests.makeIterator()
        send(call, next: { iterator.next() }, serializer)
    }

    /// The sender thread's loop, over an iterator erased to a closure.
    private static func send<Request>(
        _ call: ClientCall, next: @escaping () -> OutgoingMessage<Request>?, _ serializer: @escaping Serializer<Request>
    ) {
        // The iterator is handed over to the sender thread and used only there.
        nonisolated(unsafe) let next = next
        ThreadPoolExecutor.blockingWork.submit {
            call.start(firstMessage: nil, endOutput: false)
            while let request = next() {
                guard let framed = frame(request.message, serializer, compress: request.compressed, call: call),
                    call.send(framed: framed)
                else { return }
            }
            call.endOutput()
        }
    }
}

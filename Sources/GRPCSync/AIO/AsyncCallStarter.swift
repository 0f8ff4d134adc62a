/// How the async multicallables start calls: the stream opens on the calling thread when the
/// channel is ready (no task, no suspension), else in the awaiting task or a task of its own; a
/// request sequence is sent by a task of its own, as the transport takes messages.
enum AsyncCallStarter {
    /// Starts `call` with its single request, in the awaiting task.
    static func startUnary<Request>(_ call: ClientCall, _ request: Request, _ serializer: Serializer<Request>) async {
        guard let framed = CallStarter.frame(request, serializer, call: call) else { return }
        if !call.startNow(firstMessage: framed, endOutput: true) { await call.startAsync() }
    }

    /// Starts `call` with its single request without awaiting: when the channel is not ready, a
    /// task of its own connects.
    static func beginUnary<Request>(_ call: ClientCall, _ request: Request, _ serializer: Serializer<Request>) {
        guard let framed = CallStarter.frame(request, serializer, call: call) else { return }
        if !call.startNow(firstMessage: framed, endOutput: true) { Task { await call.startAsync() } }
    }

    /// Starts `call` with no request yet (they are written, or sent from a sequence).
    static func beginStreaming(_ call: ClientCall) {
        if !call.startNow(firstMessage: nil, endOutput: false) { Task { await call.startAsync() } }
    }

    /// Sends `requests` on `call` from a task of its own, half-closing after the last; a sequence
    /// that throws cancels the call, as grpc.aio does with a request iterator that raises. The task
    /// is cancelled when the call ends, so a sequence still waiting for its next element is let go.
    static func send<Requests: AsyncSequence, Request>(
        _ requests: sending Requests, on call: ClientCall, _ serializer: @escaping Serializer<Request>
    ) where Requests.Element == Request {
        let sender = Task {
            do {
                for try await request in requests {
                    guard let framed = CallStarter.frame(request, serializer, call: call),
                        await call.sendAsync(framed: framed) == .queued
                    else { return }
                }
                call.endOutput()
            } catch {
                call.cancel()
            }
        }
        call.addCallback { sender.cancel() }
    }
}

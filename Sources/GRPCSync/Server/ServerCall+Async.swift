// An async handler's call (the `AIO` server): the handler runs as a task the loop starts and
// leaves, so a call holds no thread while it awaits its requests or room to send. Its waits are
// suspensions on the stream, its ends the same as a blocking handler's.

extension ServerCall {
    /// Runs `body` as a task (with the connection's loop as its executor when the server runs
    /// handlers there): the thread that starts it returns at once, and the call stays open until
    /// the task ends it. A call that ends first (the client cancels, the deadline passes, the
    /// server stops) cancels the task, as grpc.aio cancels its handler's.
    func runAsTask(_ body: @escaping @Sendable () async -> Void) {
        withState { $0.runsAsTask = true }
        let task =
            server.asyncHandlersRunOnLoops
            ? Task(executorPreference: connection.loop) { await body() } : Task { await body() }
        if !addCallback({ task.cancel() }) { task.cancel() }
    }

    /// The next request of a streaming-request method, suspending until it arrives; nil at the
    /// end. Throws the call's status when it ended otherwise than OK (CANCELLED when the task was
    /// cancelled).
    func receiveRequestAsync<Request>(_ deserializer: Deserializer<Request>) async throws(RPCError) -> Request? {
        switch await stream.receiveAsync() {
        case .message(let message):
            return try request(from: message, deserializer)
        case .end:
            if let status = stream.status, status.code != .ok { throw RPCError(status) }
            return nil
        case .timedOut:
            throw RPCError(stream.status ?? .rpcNoLongerActive)
        }
    }

    /// Sends one response message, suspending while the client is slow. Throws the call's status
    /// once it has ended.
    func sendMessageAsync(_ bytes: [UInt8], timing: SendTiming = .adaptive) async throws(RPCError) {
        if let tooLarge = server.options.checkSendLength(bytes.count) {
            finish(tooLarge)
            throw RPCError(tooLarge)
        }
        let (framed, encoding) = frameResponse(bytes)
        if await stream.sendAsync(framed: framed, encoding: encoding, timing: timing) == .sent { return }
        throw RPCError(stream.status ?? .rpcNoLongerActive)
    }

    /// Runs a unary-response async behaviour inside `wrappers` and ends the call with its response
    /// or its error.
    func runHandlerAsync<Response>(
        _ serializer: Serializer<Response>, _ wrappers: [RPCMethodHandler.AsyncBehaviorWrapper],
        _ body: (ServicerContext) async throws -> Response
    ) async {
        let context = ServicerContext(call: self)
        var result: Response?
        do {
            try await withAsyncBehaviorWrappers(wrappers, context) { result = try await body(context) }
        } catch {
            finish(afterHandlerError: error, .exceptionCallingApplication(error))
            return
        }
        guard let response = result else {
            finishWithoutResponse()
            return
        }
        guard let bytes = serialized(response, serializer) else { return }
        do {
            // The trailers follow at once: the response and its status leave in one write.
            try await sendMessageAsync(bytes, timing: .withNext)
        } catch {
            return
        }
        finishNormally()
    }

    /// Runs a streaming-response async behaviour inside `wrappers` and ends the call after it
    /// returns or throws.
    func runStreamingHandlerAsync(
        _ wrappers: [RPCMethodHandler.AsyncBehaviorWrapper], _ body: (ServicerContext) async throws -> Void
    ) async {
        let context = ServicerContext(call: self)
        do {
            try await withAsyncBehaviorWrappers(wrappers, context) { try await body(context) }
        } catch {
            finish(afterHandlerError: error, .exceptionIteratingResponses(error))
            return
        }
        finishNormally()
    }

    /// Runs `body` inside the async behaviour wrappers, outermost first.
    private func withAsyncBehaviorWrappers(
        _ wrappers: [RPCMethodHandler.AsyncBehaviorWrapper], _ context: ServicerContext,
        _ body: () async throws -> Void
    ) async throws {
        if wrappers.isEmpty { return try await body() }
        try await withoutActuallyEscaping(body) { body in
            func proceed(from index: Int) async throws {
                guard index < wrappers.count else { return try await body() }
                try await wrappers[index](context) { try await proceed(from: index + 1) }
            }
            try await proceed(from: 0)
        }
    }
}

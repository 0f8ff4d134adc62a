/// What the handler factories (``unaryUnaryRPCMethodHandler(_:requestDeserializer:responseSerializer:)``
/// and its siblings) do with a call on its worker: take the requests, run the behaviour inside
/// its wrappers, send the responses, and end the call as grpcio would.
extension ServerCall {
    /// The single request of a unary-request method; nil when the call has ended (then with
    /// its status).
    func receiveUnaryRequest<Request>(_ deserializer: Deserializer<Request>) -> Request? {
        guard let message = stream.takeUnaryRequest() else {
            finish(.missingRequest(method: method))
            return nil
        }
        withState { $0.lastRequestWasCompressed = message.wasCompressed }
        do {
            return try deserializer(message.bytes)
        } catch {
            server.log.requestDeserializationFailed(method: method)
            finish(.requestDeserializationFailed)
            return nil
        }
    }

    /// The next request of a streaming-request method; nil at the end. Throws the call's status
    /// when it ended otherwise than OK.
    func receiveRequest<Request>(_ deserializer: Deserializer<Request>) throws(RPCError) -> Request? {
        switch stream.receive(deadline: .never) {
        case .message(let message):
            return try request(from: message, deserializer)
        case .end, .timedOut:
            if let status = stream.status, status.code != .ok { throw RPCError(status) }
            return nil
        }
    }

    /// A streamed request message deserialized; a failure ends the call INTERNAL "Exception
    /// deserializing request!" and is thrown.
    func request<Request>(from message: ReceivedMessage, _ deserializer: Deserializer<Request>) throws(RPCError)
        -> Request
    {
        withState { $0.lastRequestWasCompressed = message.wasCompressed }
        do {
            return try deserializer(message.bytes)
        } catch {
            server.log.requestDeserializationFailed(method: method)
            finish(.requestDeserializationFailed)
            throw RPCError(.requestDeserializationFailed)
        }
    }

    /// Runs a unary-response behaviour inside `wrappers` and ends the call with its response or
    /// its error.
    func runHandler<Response>(
        _ serializer: Serializer<Response>, _ wrappers: [RPCMethodHandler.BehaviorWrapper],
        _ body: (ServicerContext) throws -> Response
    ) {
        let context = ServicerContext(call: self)
        var result: Response?
        do {
            try withBehaviorWrappers(wrappers, context) { result = try body(context) }
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
            try sendMessage(bytes, timing: .withNext)
        } catch {
            return
        }
        finishNormally()
    }

    /// The bytes of a unary behaviour's response; nil when it does not serialize (the call has
    /// ended INTERNAL "Failed to serialize response!" then).
    func serialized<Response>(_ response: Response, _ serializer: Serializer<Response>) -> [UInt8]? {
        do {
            return try serializer(response)
        } catch {
            server.log.responseSerializationFailed(method: method)
            finish(.responseSerializationFailed)
            return nil
        }
    }

    /// Runs a streaming-response behaviour inside `wrappers` and ends the call after it returns
    /// or throws.
    func runStreamingHandler(_ wrappers: [RPCMethodHandler.BehaviorWrapper], _ body: (ServicerContext) throws -> Void) {
        let context = ServicerContext(call: self)
        do {
            try withBehaviorWrappers(wrappers, context) { try body(context) }
        } catch {
            finish(afterHandlerError: error, .exceptionIteratingResponses(error))
            return
        }
        finishNormally()
    }

    /// The behaviour threw `error`: the call ends with `status` (unless the handler set a code or
    /// details), logged at error level as grpcio logs it, except for an abort and for the error
    /// of a call that had ended already (a send to a cancelled call), which grpcio does not log.
    func finish(afterHandlerError error: any Error, _ status: Status) {
        if !(error is AbortError) && isActive { server.log.handlerFailed(method: method, status) }
        finish(afterError: status)
    }

    /// Runs `body` inside the behaviour wrappers, outermost first.
    private func withBehaviorWrappers(
        _ wrappers: [RPCMethodHandler.BehaviorWrapper], _ context: ServicerContext, _ body: () throws -> Void
    ) throws {
        if wrappers.isEmpty { return try body() }
        try withoutActuallyEscaping(body) { body in
            func proceed(from index: Int) throws {
                guard index < wrappers.count else { return try body() }
                try wrappers[index](context) { try proceed(from: index + 1) }
            }
            try proceed(from: 0)
        }
    }

    /// Sends one response message, starting the response first if needed; `timing` says when it
    /// goes to the socket (``SendTiming``). Throws the call's status once it has ended.
    func sendMessage(_ bytes: [UInt8], timing: SendTiming = .adaptive) throws {
        if let tooLarge = server.options.checkSendLength(bytes.count) {
            finish(tooLarge)
            throw RPCError(tooLarge)
        }
        let (framed, encoding) = frameResponse(bytes)
        if stream.send(framed: framed, encoding: encoding, timing: timing) == .sent { return }
        throw RPCError(stream.status ?? .rpcNoLongerActive)
    }

    /// A response message framed with the call's response compression (unless the handler turned
    /// it off for this message), and that compression's `grpc-encoding`.
    func frameResponse(_ bytes: [UInt8]) -> (FramedMessage, encoding: Compression) {
        let (encoding, compression): (Compression, Compression) = withState {
            let encoding = responseCompression(&$0)
            let disabled = $0.disableNextMessageCompression
            $0.disableNextMessageCompression = false
            return (encoding, disabled ? .noCompression : encoding)
        }
        return (MessageFraming.frame(bytes, compression: compression), encoding)
    }
}

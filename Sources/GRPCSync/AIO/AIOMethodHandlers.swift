extension AIO {
    /// A unary-request, unary-response async handler (`grpc.unary_unary_rpc_method_handler` with
    /// an `async def` behaviour, as a grpc.aio server takes it).
    ///
    /// - Parameters:
    ///   - behavior: Runs once per call as a task with the request and the context, and returns the
    ///     response; what it throws ends the call (UNKNOWN "Exception calling application: …" unless
    ///     a code was set on the context). A call that ends first cancels the task.
    ///   - requestDeserializer: Turns the request's bytes into a `Request`.
    ///   - responseSerializer: Turns the `Response` into bytes.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func unaryUnaryRPCMethodHandler<Request, Response>(
        _ behavior: @escaping @Sendable (Request, ServicerContext) async throws -> Response,
        requestDeserializer: @escaping Deserializer<Request>,
        responseSerializer: @escaping Serializer<Response>
    ) -> RPCMethodHandler {
        RPCMethodHandler(
            requestStreaming: false, responseStreaming: false,
            asyncBody: { call, wrappers in
                call.runAsTask {
                    guard let request = call.receiveUnaryRequest(requestDeserializer) else { return }
                    await call.runHandlerAsync(responseSerializer, wrappers) { context in
                        try await behavior(request, context)
                    }
                }
            })
    }

    /// A unary-request, streaming-response async handler: the behaviour writes with
    /// `try await responses.write(x)` where grpc.aio's would `yield x`.
    ///
    /// - Parameters:
    ///   - behavior: Runs once per call as a task with the request, the writer of the responses and
    ///     the context; the call ends OK when it returns. A call that ends first cancels the task.
    ///   - requestDeserializer: Turns the request's bytes into a `Request`.
    ///   - responseSerializer: Turns each `Response` into bytes.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func unaryStreamRPCMethodHandler<Request, Response>(
        _ behavior: @escaping @Sendable (Request, ResponseWriter<Response>, ServicerContext) async throws -> Void,
        requestDeserializer: @escaping Deserializer<Request>,
        responseSerializer: @escaping Serializer<Response>
    ) -> RPCMethodHandler {
        RPCMethodHandler(
            requestStreaming: false, responseStreaming: true,
            asyncBody: { call, wrappers in
                call.runAsTask {
                    guard let request = call.receiveUnaryRequest(requestDeserializer) else { return }
                    await call.runStreamingHandlerAsync(wrappers) { context in
                        try await behavior(request, ResponseWriter(call: call, serializer: responseSerializer), context)
                    }
                }
            })
    }

    /// A streaming-request, unary-response async handler.
    ///
    /// - Parameters:
    ///   - behavior: Runs once per call as a task with the requests (an `AsyncSequence`) and the
    ///     context, and returns the response. A call that ends first cancels the task.
    ///   - requestDeserializer: Turns each request's bytes into a `Request`.
    ///   - responseSerializer: Turns the `Response` into bytes.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func streamUnaryRPCMethodHandler<Request, Response>(
        _ behavior: @escaping @Sendable (RequestStream<Request>, ServicerContext) async throws -> Response,
        requestDeserializer: @escaping Deserializer<Request>,
        responseSerializer: @escaping Serializer<Response>
    ) -> RPCMethodHandler {
        RPCMethodHandler(
            requestStreaming: true, responseStreaming: false,
            asyncBody: { call, wrappers in
                call.runAsTask {
                    await call.runHandlerAsync(responseSerializer, wrappers) { context in
                        try await behavior(RequestStream(call: call, deserializer: requestDeserializer), context)
                    }
                }
            })
    }

    /// A streaming-request, streaming-response async handler.
    ///
    /// - Parameters:
    ///   - behavior: Runs once per call as a task with the requests, the writer of the responses and
    ///     the context; the call ends OK when it returns. A call that ends first cancels the task.
    ///   - requestDeserializer: Turns each request's bytes into a `Request`.
    ///   - responseSerializer: Turns each `Response` into bytes.
    /// - Returns: The handler, for ``GRPCSync/methodHandlersGenericHandler(_:_:)``.
    public static func streamStreamRPCMethodHandler<Request, Response>(
        _ behavior:
            @escaping @Sendable (RequestStream<Request>, ResponseWriter<Response>, ServicerContext) async throws
            -> Void,
        requestDeserializer: @escaping Deserializer<Request>,
        responseSerializer: @escaping Serializer<Response>
    ) -> RPCMethodHandler {
        RPCMethodHandler(
            requestStreaming: true, responseStreaming: true,
            asyncBody: { call, wrappers in
                call.runAsTask {
                    await call.runStreamingHandlerAsync(wrappers) { context in
                        try await behavior(
                            RequestStream(call: call, deserializer: requestDeserializer),
                            ResponseWriter(call: call, serializer: responseSerializer), context)
                    }
                }
            })
    }
}

extension AIO {
    /// Intercepts incoming calls before their handler is chosen (`grpc.aio.ServerInterceptor`);
    /// give them to ``AIO/server(handlers:interceptors:options:maximumConcurrentRPCs:compression:handlersRunOnLoops:logger:)``.
    ///
    /// `interceptService` gets a continuation that finds the handler (asking the next interceptor,
    /// then the server's handlers) and the call's ``HandlerCallDetails``. It may return the
    /// continuation's handler, that handler wrapped with
    /// ``RPCMethodHandler/wrappingAsyncBehavior(_:)`` (to act around each call, as grpc.aio
    /// interceptors return a handler whose `async def` awaits the one they wrap), a handler of its
    /// own, or nil, which answers UNIMPLEMENTED "Method not found!". If it throws, the call ends
    /// UNKNOWN "Error in service handler!". The first interceptor listed runs outermost.
    ///
    /// The interceptors of a call run in a task of the call's own, before its handler's: one may
    /// await other services, this server's included, and holds no thread meanwhile.
    ///
    /// ```swift
    /// struct RequireToken: AIO.ServerInterceptor {
    ///     func interceptService(
    ///         _ continuation: (HandlerCallDetails) async throws -> RPCMethodHandler?,
    ///         _ details: HandlerCallDetails
    ///     ) async throws -> RPCMethodHandler? {
    ///         guard details.invocationMetadata["authorization"] != nil else {
    ///             return AIO.unaryUnaryRPCMethodHandler { (_: [UInt8], context) -> [UInt8] in
    ///                 try context.abort(.unauthenticated, "No token")
    ///             }
    ///         }
    ///         return try await continuation(details)
    ///     }
    /// }
    /// ```
    public protocol ServerInterceptor: Sendable {
        /// `async intercept_service(continuation, handler_call_details)`.
        ///
        /// - Parameters:
        ///   - continuation: Asks the interceptors after this one, then the server's handlers, for
        ///     the call's handler (nil when none serves the method).
        ///   - handlerCallDetails: The call's method path and invocation metadata.
        /// - Returns: The handler that serves the call: usually the continuation's, perhaps wrapped
        ///   with ``RPCMethodHandler/wrappingAsyncBehavior(_:)``, or one of the interceptor's own;
        ///   nil answers UNIMPLEMENTED "Method not found!".
        /// - Throws: Anything; the call then ends UNKNOWN "Error in service handler!".
        func interceptService(
            _ continuation: (HandlerCallDetails) async throws -> RPCMethodHandler?,
            _ handlerCallDetails: HandlerCallDetails
        ) async throws -> RPCMethodHandler?
    }
}

/// Asks an async server's interceptors for a call's handler, outermost first, ending in `lookUp`.
enum AsyncServerInterceptorPipeline {
    static func handler(
        _ interceptors: [any AIO.ServerInterceptor], _ details: HandlerCallDetails,
        lookUp: @escaping (HandlerCallDetails) throws -> RPCMethodHandler?
    ) async throws -> RPCMethodHandler? {
        func step(_ index: Int, _ details: HandlerCallDetails) async throws -> RPCMethodHandler? {
            guard index < interceptors.count else { return try lookUp(details) }
            return try await interceptors[index].interceptService({ try await step(index + 1, $0) }, details)
        }
        return try await step(0, details)
    }
}

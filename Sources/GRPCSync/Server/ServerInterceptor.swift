/// Intercepts incoming calls before their handler is chosen (`grpc.ServerInterceptor`); give
/// them to
/// ``Server/init(_:handlers:interceptors:options:maximumConcurrentRPCs:compression:logger:workersPerConnection:)``.
///
/// `interceptService` gets a continuation that finds the handler (asking the next interceptor,
/// then the server's handlers) and the call's ``HandlerCallDetails``. It may return the
/// continuation's handler, a handler of its own (one that aborts, say), or nil, which answers
/// UNIMPLEMENTED "Method not found!". If it throws, the call ends with UNKNOWN
/// "Error in service handler!", as in grpcio. The first interceptor listed runs outermost.
///
/// It runs on the call's worker, with no runtime lock held, before the handler runs there
/// (grpcio runs it on its one serving thread): a slow interceptor holds up only its own call, and
/// one may call other services, this server's included. Work done around the behaviour itself,
/// such as logging the call's outcome or timing it, goes into
/// ``RPCMethodHandler/wrappingBehavior(_:)``.
///
/// ```swift
/// struct RequireToken: ServerInterceptor {
///     func interceptService(
///         _ continuation: (HandlerCallDetails) throws -> RPCMethodHandler?, _ details: HandlerCallDetails
///     ) throws -> RPCMethodHandler? {
///         guard details.invocationMetadata["authorization"] != nil else {
///             return unaryUnaryRPCMethodHandler { _, context in
///                 try context.abort(.unauthenticated, "No token")
///             }
///         }
///         return try continuation(details)
///     }
/// }
/// ```
public protocol ServerInterceptor: Sendable {
    /// `intercept_service(continuation, handler_call_details)`.
    ///
    /// - Parameters:
    ///   - continuation: Asks the interceptors after this one, then the server's handlers, for the
    ///     call's handler (nil when none serves the method).
    ///   - handlerCallDetails: The call's method path and invocation metadata.
    /// - Returns: The handler that serves the call: usually the continuation's, perhaps wrapped
    ///   with ``RPCMethodHandler/wrappingBehavior(_:)``, or one of the interceptor's own; nil
    ///   answers UNIMPLEMENTED "Method not found!".
    /// - Throws: Anything; the call then ends UNKNOWN "Error in service handler!", as in grpcio.
    func interceptService(
        _ continuation: (HandlerCallDetails) throws -> RPCMethodHandler?,
        _ handlerCallDetails: HandlerCallDetails
    ) throws -> RPCMethodHandler?
}

/// Asks a server's interceptors for a call's handler, outermost first, ending in `lookUp`.
enum ServerInterceptorPipeline {
    static func handler(
        _ interceptors: [any ServerInterceptor], _ details: HandlerCallDetails,
        lookUp: @escaping (HandlerCallDetails) -> RPCMethodHandler?
    ) throws -> RPCMethodHandler? {
        func step(_ index: Int, _ details: HandlerCallDetails) throws -> RPCMethodHandler? {
            guard index < interceptors.count else { return lookUp(details) }
            return try interceptors[index].interceptService({ try step(index + 1, $0) }, details)
        }
        return try step(0, details)
    }
}

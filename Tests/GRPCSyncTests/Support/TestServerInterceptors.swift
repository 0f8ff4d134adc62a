import GRPCSync

/// The server interceptors of Tests/Peers/peer_interceptors.py (SPEC.md, "Server interceptors").
enum TestServerInterceptors {
    static let all: [any ServerInterceptor] = [Gate(), Tag(name: "outer"), Tag(name: "inner")]

    struct InterceptorFailed: Error {}

    /// Rejects, fails or hides calls as their metadata asks.
    struct Gate: ServerInterceptor {
        func interceptService(
            _ continuation: (HandlerCallDetails) throws -> RPCMethodHandler?, _ details: HandlerCallDetails
        ) throws -> RPCMethodHandler? {
            let metadata = details.invocationMetadata
            if metadata["x-intercept-raise"] != nil { throw InterceptorFailed() }
            if metadata["x-intercept-hide"] != nil { return nil }
            if metadata["x-intercept-reject"] != nil {
                return unaryUnaryRPCMethodHandler { _, context in
                    try context.abort(.unauthenticated, "rejected by interceptor")
                }
            }
            return try continuation(details)
        }
    }

    /// Marks the order in which the wrapped behaviours run, when `x-want-order` is sent.
    struct Tag: ServerInterceptor {
        let name: String

        func interceptService(
            _ continuation: (HandlerCallDetails) throws -> RPCMethodHandler?, _ details: HandlerCallDetails
        ) throws -> RPCMethodHandler? {
            let handler = try continuation(details)
            guard details.invocationMetadata["x-want-order"] != nil else { return handler }
            return handler?.wrappingBehavior { [name] context, proceed in
                try addOrder(context, "\(name)>")
                defer { try? addOrder(context, "<\(name)") }
                try proceed()
            }
        }

        private func addOrder(_ context: ServicerContext, _ mark: String) throws {
            try context.setTrailingMetadata(context.trailingMetadata() + [("x-order", .text(mark))])
        }
    }
}

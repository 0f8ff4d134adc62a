import SwiftProtobufPluginLibrary

/// The four streaming kinds of a method and the GRPCSync API each one maps to.
enum RPCKind {
    case unaryUnary
    case unaryStream
    case streamUnary
    case streamStream

    init(_ method: MethodDescriptor) {
        switch (method.clientStreaming, method.serverStreaming) {
        case (false, false): self = .unaryUnary
        case (false, true): self = .unaryStream
        case (true, false): self = .streamUnary
        case (true, true): self = .streamStream
        }
    }

    /// The `Channel` method that makes the multicallable, and the handler factory's prefix.
    var functionPrefix: String {
        switch self {
        case .unaryUnary: return "unaryUnary"
        case .unaryStream: return "unaryStream"
        case .streamUnary: return "streamUnary"
        case .streamStream: return "streamStream"
        }
    }

    /// The multicallable type of the stub property.
    func multiCallableType(request: String, response: String) -> String {
        let name = SwiftIdentifier.uppercasingFirst(functionPrefix) + "MultiCallable"
        return "GRPCSync.\(name)<\(request), \(response)>"
    }

    /// The async multicallable type of the async stub property.
    func asyncMultiCallableType(request: String, response: String) -> String {
        let name = SwiftIdentifier.uppercasingFirst(functionPrefix) + "MultiCallable"
        return "GRPCSync.AIO.\(name)<\(request), \(response)>"
    }

    /// The servicer method's parameters and result, after its name.
    func servicerSignature(request: String, response: String) -> String {
        let context = "_ context: GRPCSync.ServicerContext"
        switch self {
        case .unaryUnary:
            return "(_ request: \(request), \(context)) throws -> \(response)"
        case .unaryStream:
            return "(_ request: \(request), _ responses: GRPCSync.ResponseSender<\(response)>, \(context)) throws"
        case .streamUnary:
            return "(_ requests: GRPCSync.RequestStream<\(request)>, \(context)) throws -> \(response)"
        case .streamStream:
            return "(_ requests: GRPCSync.RequestStream<\(request)>, "
                + "_ responses: GRPCSync.ResponseSender<\(response)>, \(context)) throws"
        }
    }

    /// The async servicer method's parameters and result, after its name.
    func asyncServicerSignature(request: String, response: String) -> String {
        let context = "_ context: GRPCSync.AIO.ServicerContext"
        let requests = "_ requests: GRPCSync.AIO.RequestStream<\(request)>"
        let responses = "_ responses: GRPCSync.AIO.ResponseWriter<\(response)>"
        switch self {
        case .unaryUnary: return "(_ request: \(request), \(context)) async throws -> \(response)"
        case .unaryStream: return "(_ request: \(request), \(responses), \(context)) async throws"
        case .streamUnary: return "(\(requests), \(context)) async throws -> \(response)"
        case .streamStream: return "(\(requests), \(responses), \(context)) async throws"
        }
    }
}

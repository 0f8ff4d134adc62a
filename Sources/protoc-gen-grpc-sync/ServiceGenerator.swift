import SwiftProtobufPluginLibrary

/// Prints the code of one service: the `…Methods` names, the `…Stub` client, the `…Servicer` base
/// class and the `add…ServicerToServer` function, and unless turned off their async forms (the
/// `…AsyncStub`, the `…AsyncServicer` and its `add…ServicerToServer` for an `AIO.Server`).
struct ServiceGenerator {
    private let service: ServiceDescriptor
    private let names: ServiceNames
    private let methods: [RPCMethod]
    private let visibility: Visibility
    private let asyncCode: Bool

    init(_ service: ServiceDescriptor, namer: SwiftProtobufNamer, options: GeneratorOptions) throws {
        self.service = service
        names = ServiceNames(service, namer: namer)
        methods = service.methods.map {
            RPCMethod($0, namer: namer, keepMethodCasing: options.keepMethodCasing)
        }
        visibility = options.visibility
        asyncCode = options.asyncCode
        try checkNamesAreDistinct()
    }

    /// Two proto methods can map to one Swift name (`GetFoo` and `get_foo`); say so rather than
    /// generate code that does not compile.
    private func checkNamesAreDistinct() throws {
        var constants = ["serviceName": "the service name"]
        var members: [String: String] = [:]
        for method in methods {
            try claim(method.constantName, for: method, in: &constants)
            try claim(method.memberName, for: method, in: &members)
            if method.isDeprecated {
                try claim(method.deprecatedStorageName, for: method, in: &members)
            }
        }
    }

    private func claim(_ name: String, for method: RPCMethod, in owners: inout [String: String]) throws {
        if let owner = owners[name] {
            throw GenerationError(
                "\(service.fullName): method \(method.protoName) and \(owner) both become the Swift name '\(name)'")
        }
        owners[name] = "method \(method.protoName)"
    }

    func print(into p: inout CodePrinter) {
        printMethodsEnum(into: &p)
        p.print()
        printStub(into: &p)
        p.print()
        if asyncCode {
            printAsyncStub(into: &p)
            p.print()
        }
        printServicer(into: &p)
        p.print()
        printRegistrationFunction(into: &p)
        if asyncCode {
            p.print()
            printServicer(into: &p, async: true)
            p.print()
            printRegistrationFunction(into: &p, async: true)
        }
    }

    private var serviceDocComment: String {
        service.protoSourceCommentsWithDeprecation(commentPrefix: "///")
    }

    // MARK: the four parts

    private func printMethodsEnum(into p: inout CodePrinter) {
        let access = visibility.modifier
        p.print(
            "/// The name of the `\(names.fullName)` service and the paths of its methods.",
            "\(access)enum \(names.methodsEnum) {")
        p.withIndentation { p in
            p.print(
                "/// The service name.",
                "\(access)static let serviceName = \"\(names.fullName)\"")
            for method in methods {
                p.print(
                    "/// The path of `\(method.protoName)`.",
                    "\(access)static let \(SwiftIdentifier.quoted(method.constantName)) = "
                        + "\"/\(names.fullName)/\(method.protoName)\"")
            }
        }
        p.print("}")
    }

    private func printStub(into p: inout CodePrinter) {
        printStub(
            into: &p, name: names.stub, channelType: "GRPCSync.Channel",
            summary: """
                The client stub of `\(names.fullName)` (grpcio's `\(names.pythonStub)`): one multicallable per \
                method, called like a function or with `withCall` / `future`.
                """,
            type: { $0.kind.multiCallableType(request: $0.requestType, response: $0.responseType) },
            calling: { $0.kind.stubCallDocumentation(member: $0.memberName) })
    }

    private func printAsyncStub(into p: inout CodePrinter) {
        printStub(
            into: &p, name: names.asyncStub, channelType: "GRPCSync.AIO.Channel",
            summary: """
                The async client stub of `\(names.fullName)` (grpcio's `\(names.pythonStub)` on a `grpc.aio` \
                channel): one async multicallable per method, awaited.
                """,
            type: { $0.kind.asyncMultiCallableType(request: $0.requestType, response: $0.responseType) },
            calling: { $0.kind.asyncStubCallDocumentation(member: $0.memberName) })
    }

    /// A stub class `name` binding every method to a channel of `channelType`.
    private func printStub(
        into p: inout CodePrinter, name: String, channelType: String, summary: String,
        type: (RPCMethod) -> String, calling: (RPCMethod) -> String
    ) {
        let access = visibility.modifier
        p.print(docComment(proto: serviceDocComment, generated: summary))
        if service.options.deprecated {
            p.print("@available(*, deprecated)")
        }
        p.print("\(access)final class \(name): Sendable {")
        p.withIndentation { p in
            for method in methods {
                let type = type(method)
                p.print(method.documentation(orElse: "Calls `\(method.protoName)`.", generated: calling(method)))
                if method.isDeprecated {
                    p.print(
                        "@available(*, deprecated)",
                        "\(access)var \(SwiftIdentifier.quoted(method.memberName)): \(type) { "
                            + "\(method.deprecatedStorageName) }",
                        "private let \(method.deprecatedStorageName): \(type)")
                } else {
                    p.print("\(access)let \(SwiftIdentifier.quoted(method.memberName)): \(type)")
                }
                p.print()
            }
            p.print(
                "/// Binds every method of `\(names.fullName)` to `channel`.",
                "///",
                "/// - Parameter channel: The channel the calls go through.")
            p.print("\(access)init(_ channel: \(channelType)) {")
            p.withIndentation { p in
                for method in methods {
                    let property =
                        method.isDeprecated ? method.deprecatedStorageName : SwiftIdentifier.quoted(method.memberName)
                    p.print(
                        "self.\(property) = channel.\(method.kind.functionPrefix)(",
                        "    \(names.methodsEnum).\(SwiftIdentifier.quoted(method.constantName)), "
                            + "request: \(method.requestType).self, response: \(method.responseType).self)")
                }
            }
            p.print("}")
        }
        p.print("}")
    }

    /// The `…Servicer` base class, or with `async` the `…AsyncServicer`.
    private func printServicer(into p: inout CodePrinter, async: Bool = false) {
        let overridable = visibility.overridableModifier
        let summary =
            async
            ? """
            The async server side of `\(names.fullName)` (grpcio's `\(names.pythonServicer)` with `async def` \
            methods, for a `grpc.aio` server): subclass it, override the methods you serve and register an \
            instance with ``\(names.registrationFunction)(_:_:)`` on an `AIO.Server`. A method left alone \
            answers UNIMPLEMENTED "Method not implemented!".

            The server runs each call's method as a task of its own.
            """
            : """
            The server side of `\(names.fullName)` (grpcio's `\(names.pythonServicer)`): subclass it, \
            override the methods you serve and register an instance with \
            ``\(names.registrationFunction)(_:_:)``. A method left alone answers UNIMPLEMENTED \
            "Method not implemented!".

            The server calls the methods from its worker threads, several at a time.
            """
        p.print(docComment(proto: serviceDocComment, generated: summary))
        p.print("\(overridable)class \(async ? names.asyncServicer : names.servicer) {")
        p.withIndentation { p in
            p.print(
                "/// A servicer whose methods all answer UNIMPLEMENTED until a subclass overrides them.",
                "\(visibility.modifier)init() {}")
            for method in methods {
                let signature =
                    async
                    ? method.kind.asyncServicerSignature(request: method.requestType, response: method.responseType)
                    : method.kind.servicerSignature(request: method.requestType, response: method.responseType)
                p.print()
                p.print(
                    method.documentation(
                        orElse: "Serves `\(method.protoName)`.",
                        generated: method.kind.servicerDocumentation(async: async)))
                p.print("\(overridable)func \(SwiftIdentifier.quoted(method.memberName))\(signature) {")
                p.printIndented(
                    "context.setCode(.unimplemented)",
                    "context.setDetails(\"Method not implemented!\")",
                    "throw _MethodNotImplementedError()")
                p.print("}")
            }
        }
        p.print("}")
    }

    /// The `add…ServicerToServer` function, or with `async` its overload for an async servicer
    /// and an `AIO.Server`.
    private func printRegistrationFunction(into p: inout CodePrinter, async: Bool = false) {
        let lines =
            async
            ? [
                "/// Registers the methods of `servicer` with the async `server` (grpcio's",
                "/// `\(names.pythonRegistrationFunction)` on a `grpc.aio` server), and the service's .proto file",
                "/// with the files it imports, for server reflection.",
                "///",
                "/// - Parameters:",
                "///   - servicer: Serves the calls; the server runs each call's method as a task.",
                "///   - server: The async server to register the service with.",
                "\(visibility.modifier)func \(names.registrationFunction)("
                    + "_ servicer: \(names.asyncServicer), _ server: GRPCSync.AIO.Server) {",
            ]
            : [
                "/// Registers the methods of `servicer` with `server` (grpcio's `\(names.pythonRegistrationFunction)`),",
                "/// and the service's .proto file with the files it imports, for server reflection.",
                "///",
                "/// - Parameters:",
                "///   - servicer: Serves the calls; the server calls its methods from its worker threads.",
                "///   - server: The server to register the service with.",
                "\(visibility.modifier)func \(names.registrationFunction)("
                    + "_ servicer: \(names.servicer), _ server: GRPCSync.Server) {",
            ]
        for line in lines { p.print(line) }
        p.withIndentation { p in
            if !methods.isEmpty {
                p.print(
                    async
                        ? "// Handlers run as tasks and share the servicer, as in grpcio."
                        : "// Handlers run on the server's worker threads and share the servicer, as in grpcio.",
                    "nonisolated(unsafe) let servicer = servicer")
            }
            p.print("server.addGenericRPCHandlers([")
            p.withIndentation { p in
                p.print("GRPCSync.methodHandlersGenericHandler(")
                p.withIndentation { p in
                    p.print("\(names.methodsEnum).serviceName,")
                    if methods.isEmpty {
                        p.print("[:]),")
                    } else {
                        p.print("[")
                        p.withIndentation { p in
                            for method in methods {
                                p.print(handlerEntry(method, async: async))
                            }
                        }
                        p.print("]),")
                    }
                }
            }
            p.print("])")
            p.print("server.addFileDescriptor(\(DescriptorGenerator.constantName(forProto: service.file.name)))")
        }
        p.print("}")
    }

    /// `"GetFeature": GRPCSync.unaryUnaryRPCMethodHandler { … },` for one method (`async`:
    /// `GRPCSync.AIO.…`, awaiting the servicer's method).
    private func handlerEntry(_ method: RPCMethod, async: Bool = false) -> String {
        let factory = "GRPCSync.\(async ? "AIO." : "")\(method.kind.functionPrefix)RPCMethodHandler"
        let parameters: String
        switch method.kind {
        case .unaryUnary: parameters = "request, context"
        case .unaryStream: parameters = "request, responses, context"
        case .streamUnary: parameters = "requests, context"
        case .streamStream: parameters = "requests, responses, context"
        }
        return """
            "\(method.protoName)": \(factory) { \(parameters) in
                try \(async ? "await " : "")servicer.\(SwiftIdentifier.quoted(method.memberName))(\(parameters))
            },
            """
    }
}

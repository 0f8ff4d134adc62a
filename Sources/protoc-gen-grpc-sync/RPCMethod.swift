import SwiftProtobufPluginLibrary

/// One method of a service with the names the generated code uses for it.
struct RPCMethod {
    let descriptor: MethodDescriptor
    let kind: RPCKind
    /// The proto name, the last part of the path (`GetFeature`).
    let protoName: String
    /// The stub property and servicer method name, unquoted (`getFeature`, or `GetFeature` with
    /// `KeepMethodCasing=true`).
    let memberName: String
    /// The name of the path constant in the `…Methods` enum, unquoted; always lowerCamelCase,
    /// because a static member cannot be called `Type` or `Protocol`.
    let constantName: String
    /// The full request and response type names.
    let requestType: String
    let responseType: String

    init(_ descriptor: MethodDescriptor, namer: SwiftProtobufNamer, keepMethodCasing: Bool) {
        self.descriptor = descriptor
        kind = RPCKind(descriptor)
        protoName = descriptor.name
        constantName = NamingUtils.toLowerCamelCase(descriptor.name)
        memberName = keepMethodCasing ? descriptor.name : constantName
        requestType = namer.fullName(message: descriptor.inputType)
        responseType = namer.fullName(message: descriptor.outputType)
    }

    /// The method's doc comment: its proto comment as `///` lines, with a note when it is
    /// deprecated, or `fallback` when the .proto file has neither; then the generator's `generated`
    /// paragraphs (``docComment(proto:generated:width:)``).
    func documentation(orElse fallback: String, generated: String) -> String {
        let comment = descriptor.protoSourceCommentsWithDeprecation(commentPrefix: "///")
        return docComment(proto: comment.isEmpty ? "/// \(fallback)\n" : comment, generated: generated)
    }

    var isDeprecated: Bool { descriptor.options.deprecated }

    /// The private stored property behind a deprecated stub property, so the stub's initializer
    /// does not itself trigger the deprecation warning.
    var deprecatedStorageName: String { "_" + memberName }
}

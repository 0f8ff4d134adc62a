import SwiftProtobufPluginLibrary

/// The names generated for one service `Foo` in package `pkg`: swift-protobuf's type prefix
/// (`Pkg_`, or the file's `swift_prefix`) plus the service name and a suffix.
struct ServiceNames {
    /// `pkg.Foo`, the name on the wire.
    let fullName: String
    /// `Pkg_FooMethods`: the service name and method paths.
    let methodsEnum: String
    /// `Pkg_FooStub`: the client stub.
    let stub: String
    /// `Pkg_FooAsyncStub`: the async client stub (grpc.aio's use of `FooStub`).
    let asyncStub: String
    /// `Pkg_FooServicer`: the base class of implementations.
    let servicer: String
    /// `Pkg_FooAsyncServicer`: the base class of async implementations (for an `AIO` server).
    let asyncServicer: String
    /// `addFooServicerToServer`: grpcio's `add_FooServicer_to_server`.
    let registrationFunction: String
    /// The Python names the doc comments refer to.
    let pythonStub: String
    let pythonServicer: String
    let pythonRegistrationFunction: String

    init(_ service: ServiceDescriptor, namer: SwiftProtobufNamer) {
        let typeName = namer.typePrefix(forFile: service.file) + service.name
        fullName = service.fullName
        methodsEnum = typeName + "Methods"
        stub = typeName + "Stub"
        asyncStub = typeName + "AsyncStub"
        servicer = typeName + "Servicer"
        asyncServicer = typeName + "AsyncServicer"
        registrationFunction = "add\(SwiftIdentifier.uppercasingFirst(service.name))ServicerToServer"
        pythonStub = service.name + "Stub"
        pythonServicer = service.name + "Servicer"
        pythonRegistrationFunction = "add_\(service.name)Servicer_to_server"
    }
}

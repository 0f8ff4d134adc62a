import GRPCSync
import SwiftProtobuf

/// The name of the v1alpha reflection service, `grpc.reflection.v1alpha.ServerReflection`
/// (grpcio-reflection's `reflection.SERVICE_NAME`), to list next to a server's own services.
public let reflectionServiceName = Grpc_Reflection_V1alpha_ServerReflectionMethods.serviceName

/// The name of the v1 reflection service, `grpc.reflection.v1.ServerReflection`, which
/// ``enableServerReflection(_:_:)`` serves too (grpcio-reflection serves v1alpha only).
public let reflectionV1ServiceName = Grpc_Reflection_V1_ServerReflectionMethods.serviceName

/// Serves gRPC server reflection on `server`, v1alpha and v1 (grpcio's
/// `reflection.enable_server_reflection(service_names, server)`):
///
/// ```swift
/// addGreeterServicerToServer(Greeter(), server)
/// enableServerReflection([Helloworld_GreeterMethods.serviceName, reflectionServiceName], server)
/// ```
///
/// A list-services request answers `serviceNames`, sorted, as given (grpcio does not check them
/// either). Files, symbols and extensions are looked up in the files the server knows
/// (``GRPCSync/Server/fileDescriptors``): those generated registration functions added with their
/// services, this service's own, and whatever was added with
/// ``GRPCSync/Server/addFileDescriptor(_:)``, whenever it was added. A file is answered with every
/// file it imports, directly or not, so a client can build all its types; an unknown file, symbol
/// or extension is answered with an error response, NOT_FOUND "not found", as grpcio answers.
///
/// Each reflection stream holds one of the server's worker threads while it is open, as grpcio's
/// does.
///
/// - Parameters:
///   - serviceNames: The full names of the services to list (`helloworld.Greeter`), with
///     ``reflectionServiceName`` to list reflection itself.
///   - server: The server to add the v1 and v1alpha reflection services to, before it starts.
public func enableServerReflection(_ serviceNames: [String], _ server: Server) {
    let files = ServerFiles(server)
    addServerReflectionServicerToServer(V1AlphaReflectionServicer(serviceNames, files), server)
    addServerReflectionServicerToServer(V1ReflectionServicer(serviceNames, files), server)
}

/// The server's files, read when a stream opens; weak, since the server holds the servicers.
private final class ServerFiles: @unchecked Sendable {  // `server` is written once, in init
    private weak var server: Server?

    init(_ server: Server) { self.server = server }

    var index: DescriptorIndex { DescriptorIndex(server?.fileDescriptors ?? []) }
}

private final class V1ReflectionServicer: Grpc_Reflection_V1_ServerReflectionServicer {
    private let serviceNames: [String]
    private let files: ServerFiles

    init(_ serviceNames: [String], _ files: ServerFiles) {
        self.serviceNames = serviceNames
        self.files = files
    }

    override func serverReflectionInfo(
        _ requests: RequestStream<Grpc_Reflection_V1_ServerReflectionRequest>,
        _ responses: ResponseSender<Grpc_Reflection_V1_ServerReflectionResponse>, _ context: ServicerContext
    ) throws {
        let index = files.index
        for request in requests {
            try responses.send(index.answer(request, serviceNames: serviceNames))
        }
    }
}

/// v1alpha: the same messages on the wire as v1, answered by converting through their bytes.
private final class V1AlphaReflectionServicer: Grpc_Reflection_V1alpha_ServerReflectionServicer {
    private let serviceNames: [String]
    private let files: ServerFiles

    init(_ serviceNames: [String], _ files: ServerFiles) {
        self.serviceNames = serviceNames
        self.files = files
    }

    override func serverReflectionInfo(
        _ requests: RequestStream<Grpc_Reflection_V1alpha_ServerReflectionRequest>,
        _ responses: ResponseSender<Grpc_Reflection_V1alpha_ServerReflectionResponse>, _ context: ServicerContext
    ) throws {
        let index = files.index
        for request in requests {
            let v1Request = try Grpc_Reflection_V1_ServerReflectionRequest(
                serializedBytes: request.serializedBytes() as [UInt8])
            let answer = index.answer(v1Request, serviceNames: serviceNames)
            try responses.send(
                Grpc_Reflection_V1alpha_ServerReflectionResponse(serializedBytes: answer.serializedBytes() as [UInt8]))
        }
    }
}

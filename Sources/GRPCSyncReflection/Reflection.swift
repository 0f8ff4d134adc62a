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
    let files = ServerFiles { [weak server] in server?.fileDescriptors ?? [] }
    addServerReflectionServicerToServer(V1AlphaReflectionServicer(serviceNames, files), server)
    addServerReflectionServicerToServer(V1ReflectionServicer(serviceNames, files), server)
}

/// Serves gRPC server reflection on an async server, v1alpha and v1 (grpcio's
/// `reflection.enable_server_reflection(service_names, server)` given a `grpc.aio` server): the
/// same answers as ``enableServerReflection(_:_:)-(_,Server)``, from async handlers. A stream holds
/// no thread while it waits for the client's next request.
///
/// - Parameters:
///   - serviceNames: The full names of the services to list (`helloworld.Greeter`), with
///     ``reflectionServiceName`` to list reflection itself.
///   - server: The async server to add the v1 and v1alpha reflection services to, before it starts.
public func enableServerReflection(_ serviceNames: [String], _ server: AIO.Server) {
    let files = ServerFiles { [weak server] in server?.fileDescriptors ?? [] }
    addServerReflectionServicerToServer(AsyncV1AlphaReflectionServicer(serviceNames, files), server)
    addServerReflectionServicerToServer(AsyncV1ReflectionServicer(serviceNames, files), server)
}

/// The server's files, read when a stream opens; asked through a closure that holds the server
/// weakly, since the server holds the servicers.
private final class ServerFiles: Sendable {
    private let read: @Sendable () -> [SerializedFileDescriptor]

    init(_ read: @escaping @Sendable () -> [SerializedFileDescriptor]) { self.read = read }

    var index: DescriptorIndex { DescriptorIndex(read()) }
}

/// The v1alpha request's bytes read as the v1 request (the same messages on the wire).
private func v1Request(_ request: Grpc_Reflection_V1alpha_ServerReflectionRequest) throws
    -> Grpc_Reflection_V1_ServerReflectionRequest
{
    try Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: request.serializedBytes() as [UInt8])
}

/// The v1 answer's bytes read as the v1alpha response.
private func v1AlphaResponse(_ answer: Grpc_Reflection_V1_ServerReflectionResponse) throws
    -> Grpc_Reflection_V1alpha_ServerReflectionResponse
{
    try Grpc_Reflection_V1alpha_ServerReflectionResponse(serializedBytes: answer.serializedBytes() as [UInt8])
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
            try responses.send(v1AlphaResponse(index.answer(try v1Request(request), serviceNames: serviceNames)))
        }
    }
}

private final class AsyncV1ReflectionServicer: Grpc_Reflection_V1_ServerReflectionAsyncServicer {
    private let serviceNames: [String]
    private let files: ServerFiles

    init(_ serviceNames: [String], _ files: ServerFiles) {
        self.serviceNames = serviceNames
        self.files = files
    }

    override func serverReflectionInfo(
        _ requests: AIO.RequestStream<Grpc_Reflection_V1_ServerReflectionRequest>,
        _ responses: AIO.ResponseWriter<Grpc_Reflection_V1_ServerReflectionResponse>, _ context: AIO.ServicerContext
    ) async throws {
        let index = files.index
        for try await request in requests {
            try await responses.write(index.answer(request, serviceNames: serviceNames))
        }
    }
}

private final class AsyncV1AlphaReflectionServicer: Grpc_Reflection_V1alpha_ServerReflectionAsyncServicer {
    private let serviceNames: [String]
    private let files: ServerFiles

    init(_ serviceNames: [String], _ files: ServerFiles) {
        self.serviceNames = serviceNames
        self.files = files
    }

    override func serverReflectionInfo(
        _ requests: AIO.RequestStream<Grpc_Reflection_V1alpha_ServerReflectionRequest>,
        _ responses: AIO.ResponseWriter<Grpc_Reflection_V1alpha_ServerReflectionResponse>,
        _ context: AIO.ServicerContext
    ) async throws {
        let index = files.index
        for try await request in requests {
            try await responses.write(v1AlphaResponse(index.answer(try v1Request(request), serviceNames: serviceNames)))
        }
    }
}

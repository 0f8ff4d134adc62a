import Foundation
import GRPCSync
import SwiftProtobuf

/// The .proto files a server describes, indexed as grpcio-reflection's descriptor pool finds them:
/// by file name, by the fully qualified name of what a file defines, and by extension. Answers
/// one reflection request (in v1's messages; v1alpha's are the same on the wire).
struct DescriptorIndex {
    private var files: [String: SerializedFileDescriptor] = [:]
    private var dependencies: [String: [String]] = [:]
    /// The file defining each symbol: messages (nested ones too), their fields and oneofs, enums,
    /// enum values (named in the enum's scope, as protobuf scopes them), extensions, services and
    /// their methods.
    private var fileBySymbol: [String: String] = [:]
    private var messages: Set<String> = []
    /// Extended message → extension field number → the file defining the extension.
    private var extensions: [String: [Int32: String]] = [:]

    /// Indexes `files` (each with the files it imports, as ``Server/fileDescriptors`` gives them);
    /// the first file of a name wins, and a file whose bytes do not parse is left out.
    init(_ files: [SerializedFileDescriptor]) {
        for file in files where self.files[file.name] == nil {
            guard let proto = try? Google_Protobuf_FileDescriptorProto(serializedBytes: file.serializedProto)
            else { continue }
            self.files[file.name] = file
            dependencies[file.name] = proto.dependency
            index(proto, file: file.name)
        }
    }

    func answer(
        _ request: Grpc_Reflection_V1_ServerReflectionRequest, serviceNames: [String]
    ) -> Grpc_Reflection_V1_ServerReflectionResponse {
        var response = Grpc_Reflection_V1_ServerReflectionResponse()
        response.originalRequest = request
        switch request.messageRequest {
        case .fileByFilename(let name):
            response.messageResponse = fileResponse(files[name] != nil ? name : nil)
        case .fileContainingSymbol(let symbol):
            response.messageResponse = fileResponse(fileBySymbol[symbol])
        case .fileContainingExtension(let request):
            let file =
                messages.contains(request.containingType)
                ? extensions[request.containingType]?[request.extensionNumber] : nil
            response.messageResponse = fileResponse(file)
        case .allExtensionNumbersOfType(let type):
            if messages.contains(type) {
                response.allExtensionNumbersResponse = .with {
                    $0.baseTypeName = type
                    $0.extensionNumber = (extensions[type] ?? [:]).keys.sorted()
                }
            } else {
                response.messageResponse = Self.error(.notFound)
            }
        case .listServices:
            response.listServicesResponse = .with {
                $0.service = serviceNames.sorted().map { name in .with { $0.name = name } }
            }
        case nil:
            response.messageResponse = Self.error(.invalidArgument)
        }
        return response
    }

    /// The file and every file it imports, directly or not, each once (the file first, then each
    /// import followed by its own, as grpcio-reflection sends them); NOT_FOUND without a file.
    private func fileResponse(_ name: String?) -> Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse {
        guard let name else { return Self.error(.notFound) }
        var seen: Set<String> = []
        var protos: [Data] = []
        func visit(_ name: String) {
            guard let file = files[name], seen.insert(name).inserted else { return }
            protos.append(Data(file.serializedProto))
            dependencies[name, default: []].forEach(visit)
        }
        visit(name)
        return .fileDescriptorResponse(.with { $0.fileDescriptorProto = protos })
    }

    /// grpcio's error response: the code and its grpcio text (`StatusCode.NOT_FOUND.value`, "not found").
    private static func error(_ code: StatusCode) -> Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse {
        .errorResponse(
            .with {
                $0.errorCode = Int32(code.rawValue)
                $0.errorMessage = code.grpcName.lowercased().replacingOccurrences(of: "_", with: " ")
            })
    }

    // MARK: indexing

    private mutating func index(_ proto: Google_Protobuf_FileDescriptorProto, file: String) {
        let scope = proto.package.isEmpty ? "" : proto.package + "."
        for message in proto.messageType { index(message, scope: scope, file: file) }
        for enumType in proto.enumType { index(enumType, scope: scope, file: file) }
        for field in proto.extension { indexExtension(field, scope: scope, file: file) }
        for service in proto.service {
            let name = scope + service.name
            add(name, file)
            for method in service.method { add(name + "." + method.name, file) }
        }
    }

    private mutating func index(_ message: Google_Protobuf_DescriptorProto, scope: String, file: String) {
        let name = scope + message.name
        add(name, file)
        messages.insert(name)
        for field in message.field { add(name + "." + field.name, file) }
        for oneof in message.oneofDecl { add(name + "." + oneof.name, file) }
        for field in message.extension { indexExtension(field, scope: name + ".", file: file) }
        for nested in message.nestedType { index(nested, scope: name + ".", file: file) }
        for enumType in message.enumType { index(enumType, scope: name + ".", file: file) }
    }

    private mutating func index(_ enumType: Google_Protobuf_EnumDescriptorProto, scope: String, file: String) {
        add(scope + enumType.name, file)
        for value in enumType.value { add(scope + value.name, file) }
    }

    private mutating func indexExtension(_ field: Google_Protobuf_FieldDescriptorProto, scope: String, file: String) {
        add(scope + field.name, file)
        let extendee = field.extendee.hasPrefix(".") ? String(field.extendee.dropFirst()) : field.extendee
        if extensions[extendee]?[field.number] == nil { extensions[extendee, default: [:]][field.number] = file }
    }

    private mutating func add(_ symbol: String, _ file: String) {
        if fileBySymbol[symbol] == nil { fileBySymbol[symbol] = file }
    }
}

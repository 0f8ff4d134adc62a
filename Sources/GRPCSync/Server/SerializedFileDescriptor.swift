/// A .proto file as protoc described it: its `google.protobuf.FileDescriptorProto`, serialized,
/// and the files it imports. What a server's reflection service (`GRPCSyncReflection`) answers
/// with; grpcio's generated `_pb2` modules add the same bytes to protobuf's default descriptor pool.
///
/// protoc-gen-grpc-sync declares one for every .proto file (`fileDescriptor_route_guide_proto` for
/// `route_guide.proto`), and the registration function of each service
/// (`addRouteGuideServicerToServer`) adds its file to the server, so a server whose services were
/// generated knows their files without further code.
public struct SerializedFileDescriptor: Sendable {
    /// The file's name as protoc saw it (`grpc/testing/test.proto`).
    public let name: String
    /// The serialized `FileDescriptorProto` (without source code info).
    public let serializedProto: [UInt8]
    /// The files this one imports, in its import order.
    public let dependencies: [SerializedFileDescriptor]

    /// A file from its serialized `FileDescriptorProto` (as `protoc --descriptor_set_out` writes
    /// them, one per file) and the descriptors of the files it imports.
    ///
    /// - Parameters:
    ///   - name: The file's name as protoc saw it, relative to its import path.
    ///   - serializedProto: The serialized `FileDescriptorProto`.
    ///   - dependencies: The descriptors of the files it imports, in its import order.
    public init(name: String, serializedProto: [UInt8], dependencies: [SerializedFileDescriptor] = []) {
        self.name = name
        self.serializedProto = serializedProto
        self.dependencies = dependencies
    }

    /// The form generated code uses: each byte of the serialized proto is one Unicode scalar of
    /// `latin1` (U+0000 to U+00FF), so the file's names stay readable in the source, as in
    /// grpcio's `b'\n\x10helloworld.proto…'`.
    ///
    /// - Parameters:
    ///   - name: The file's name as protoc saw it, relative to its import path.
    ///   - latin1: The serialized `FileDescriptorProto`, one scalar per byte; a scalar above U+00FF
    ///     is a precondition failure (generated code never has one).
    ///   - dependencies: The descriptors of the files it imports, in its import order.
    public init(name: String, latin1: String, dependencies: [SerializedFileDescriptor] = []) {
        let bytes = latin1.unicodeScalars.map { scalar in
            precondition(scalar.value <= 0xFF, "\(name): serialized descriptor holds U+\(scalar.value)")
            return UInt8(scalar.value)
        }
        self.init(name: name, serializedProto: bytes, dependencies: dependencies)
    }

    /// This file and every file it imports, directly or not, each once: this one first, then each
    /// import followed by its own (the order grpcio-reflection answers in).
    public var withDependencies: [SerializedFileDescriptor] {
        var seen: Set<String> = []
        var files: [SerializedFileDescriptor] = []
        func visit(_ file: SerializedFileDescriptor) {
            guard seen.insert(file.name).inserted else { return }
            files.append(file)
            file.dependencies.forEach(visit)
        }
        visit(self)
        return files
    }
}

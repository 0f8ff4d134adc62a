import Foundation
import GRPCSync
import GeneratedGolden
import GeneratedHelloWorld
import SwiftProtobuf
import XCTest

/// The descriptors in the generated code: each is the `FileDescriptorProto` protoc makes of the
/// file (as `protoc --descriptor_set_out` writes it, without source code info), survives its
/// string literal byte for byte, and names its imports' descriptors in this module, in another
/// (GeneratedHelloWorld) and, for well-known types, in a private copy.
final class FileDescriptorTests: XCTestCase {
    private func protocDescriptors(_ proto: String) throws -> [String: Google_Protobuf_FileDescriptorProto] {
        guard let protoc = Tools.which("protoc") else { throw XCTSkip("protoc is not installed") }
        let directory = try Tools.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("set.pb")
        let (status, log) = try Tools.run(
            protoc,
            ["-I", "protos/testing", "-I", "protos", "--include_imports", "--descriptor_set_out=\(output.path)", proto])
        XCTAssertEqual(status, 0, log)
        let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: Data(contentsOf: output))
        return Dictionary(uniqueKeysWithValues: set.file.map { ($0.name, $0) })
    }

    func testEachDescriptorIsProtocs() throws {
        let generated = [
            fileDescriptor_route_guide_proto, fileDescriptor_messages_proto, fileDescriptor_imported_proto,
            fileDescriptor_extensions_proto, fileDescriptor_keywords_proto, fileDescriptor_no_package_proto,
            fileDescriptor_nested_package_proto,
        ]
        for file in generated {
            let expected = try protocDescriptors(file.name)
            for descriptor in file.withDependencies {
                let proto = try Google_Protobuf_FileDescriptorProto(serializedBytes: descriptor.serializedProto)
                XCTAssertEqual(proto, expected[descriptor.name], descriptor.name)
                XCTAssertEqual(descriptor.dependencies.map(\.name), proto.dependency, descriptor.name)
            }
        }
    }

    func testImportsAreReferencedAcrossModules() {
        XCTAssertEqual(
            fileDescriptor_imported_proto.withDependencies.map(\.name),
            ["imported.proto", "google/protobuf/empty.proto", "helloworld.proto"])
        XCTAssertEqual(
            fileDescriptor_imported_proto.dependencies[1].serializedProto,
            GeneratedHelloWorld.fileDescriptor_helloworld_proto.serializedProto)
        XCTAssertEqual(
            fileDescriptor_route_guide_proto.dependencies.map(\.serializedProto),
            [fileDescriptor_messages_proto.serializedProto])
    }
}

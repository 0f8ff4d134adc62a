import Foundation
import SwiftProtobuf
import SwiftProtobufPluginLibrary

/// protoc-gen-grpc-sync: writes `<file>.grpc.swift` with the stub, servicer and registration
/// function of every service in a .proto file and the file's descriptor (for server reflection),
/// next to protoc-gen-swift's `<file>.pb.swift`.
///
///     protoc --plugin=protoc-gen-grpc-sync=PATH --grpc-sync_out=DIR [--grpc-sync_opt=Visibility=Public] x.proto
///
/// See ``GeneratorOptions`` for the options. The build plugin also runs it as a wrapper around
/// protoc (``ProtocRunner``), so that protoc's diagnostics name full paths and the target.
@main
struct GRPCSyncGeneratorPlugin: CodeGenerator {
    /// A protoc plugin, or ``ProtocRunner`` when the first argument is its flag.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == ProtocRunner.flag {
            exit(ProtocRunner.run(Array(arguments.dropFirst())))
        }
        GRPCSyncGeneratorPlugin().main(nil)
    }

    func generate(
        files: [FileDescriptor],
        parameter: any CodeGeneratorParameter,
        protoCompilerContext: any ProtoCompilerContext,
        generatorOutputs: any GeneratorOutputs
    ) throws {
        let options = try GeneratorOptions(parameter: parameter)
        for file in files {
            let generator = FileGenerator(file, options: options)
            let contents: String
            do {
                contents = try generator.generate()
            } catch {
                throw GenerationError("\(file.name): \(error)")
            }
            try generatorOutputs.add(fileName: generator.outputFileName, contents: contents)
        }
    }

    var supportedFeatures: [Google_Protobuf_Compiler_CodeGeneratorResponse.Feature] {
        [.proto3Optional, .supportsEditions]
    }

    /// Services do not depend on edition features, so every edition the plugin library knows.
    var supportedEditionRange: ClosedRange<Google_Protobuf_Edition> { DescriptorSet.bundledEditionsSupport }

    func printHelp() {
        print(
            """
            protoc-gen-grpc-sync: generates swift-grpc-sync stubs, servicers and registration functions
            for the services of .proto files, and each file's descriptor for server reflection
            (<file>.grpc.swift, one per .proto file), next to protoc-gen-swift's .pb.swift.

            This is a protoc plugin:
              protoc --plugin=protoc-gen-grpc-sync=PATH --grpc-sync_out=DIR [--grpc-sync_opt=OPTIONS] FILE.proto

            Options (comma-separated Key=Value):
              Visibility=Internal|Public|Package   access level of the generated code (default Internal)
              KeepMethodCasing=true               keep the proto spelling of method names (GetFeature)
              FileNaming=FullPath|PathToUnderscores|DropPath   output file names, as protoc-gen-swift
              ProtoPathModuleMappings=FILE        the module mappings given to protoc-gen-swift
              WriteFilesWithoutServices=true      accepted for compatibility: every file is written
            """)
    }
}

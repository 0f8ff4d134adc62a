import Foundation
import PackagePlugin

/// One protoc run over a target's .proto files with protoc-gen-swift and protoc-gen-grpc-sync: which
/// files, where protoc finds them, the generator options, and the command with its declared outputs.
struct ProtocInvocation {
    var targetName: String
    /// Absolute, standardized paths of the .proto files to generate code for.
    var protoFiles: [URL]
    /// Absolute, standardized `-I` directories, in protoc's search order.
    var importPaths: [URL]
    var visibility = "Internal"
    var keepMethodCasing = false
    var moduleMappings: URL?
    /// Files besides `protoFiles` whose change must rerun protoc: the target's other .proto files
    /// (they may be imported), the configuration, the module mappings.
    var extraInputs: [URL] = []

    /// The target's `.proto` files and the defaults, or what its `grpc-sync-config.json` says.
    init(target: SourceModuleTarget) throws {
        targetName = target.name
        let targetProtos = target.sourceFiles.filter { $0.url.pathExtension == "proto" }.map(\.url.standardizedFileURL)
            .sorted { $0.path < $1.path }
        guard
            let configURL = target.sourceFiles.first(where: { $0.url.lastPathComponent == PluginConfiguration.fileName }
            )?.url
        else {
            protoFiles = targetProtos
            importPaths = [target.directoryURL.standardizedFileURL]
            return
        }
        let configuration = try PluginConfiguration.load(from: configURL)
        let base = configURL.deletingLastPathComponent()
        func resolve(_ path: String) -> URL {
            URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL
        }
        protoFiles = configuration.protoFiles.map { $0.map(resolve) } ?? targetProtos
        importPaths = (configuration.importPaths ?? ["."]).map(resolve)
        visibility = configuration.visibility ?? visibility
        keepMethodCasing = configuration.keepMethodCasing ?? keepMethodCasing
        moduleMappings = configuration.protoPathModuleMappings.map(resolve)
        extraInputs =
            targetProtos.filter { !protoFiles.contains($0) } + [configURL] + (moduleMappings.map { [$0] } ?? [])
        for file in protoFiles {
            guard file.pathExtension == "proto" else {
                throw PluginError("\(configURL.path): \(file.path) in protoFiles is not a .proto file")
            }
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw PluginError("\(configURL.path): proto file \(file.path) does not exist")
            }
        }
    }

    /// The name protoc gives `file`: its path below the first import path that contains it.
    func protoName(of file: URL) throws -> String {
        for directory in importPaths {
            let prefix = directory.path.hasSuffix("/") ? directory.path : directory.path + "/"
            if file.path.hasPrefix(prefix) { return String(file.path.dropFirst(prefix.count)) }
        }
        throw PluginError(
            "\(file.path) is not inside an import path (\(importPaths.map(\.path).joined(separator: ", "))); "
                + "add its directory to importPaths in \(PluginConfiguration.fileName)")
    }

    /// The command running protoc that writes `<name>.pb.swift` and `<name>.grpc.swift` for every proto into
    /// `outputDirectory`, with the path of the proto below its import path joined by underscores
    /// (`FileNaming=PathToUnderscores`) so files of the same name in two folders do not collide.
    func command(protoc: URL, protocGenSwift: URL, protocGenGRPCSync: URL, outputDirectory: URL) throws -> Command {
        var swiftOptions = ["Visibility=\(visibility)", "FileNaming=PathToUnderscores"]
        var grpcOptions = swiftOptions
        if keepMethodCasing { grpcOptions.append("KeepMethodCasing=true") }
        if let moduleMappings {
            swiftOptions.append("ProtoPathModuleMappings=\(moduleMappings.path)")
            grpcOptions.append("ProtoPathModuleMappings=\(moduleMappings.path)")
        }
        var arguments = importPaths.flatMap { ["-I", $0.path] }
        arguments += [
            "--plugin=protoc-gen-swift=\(protocGenSwift.path)",
            "--swift_out=\(outputDirectory.path)",
            "--swift_opt=\(swiftOptions.joined(separator: ","))",
            "--plugin=protoc-gen-grpc-sync=\(protocGenGRPCSync.path)",
            "--grpc-sync_out=\(outputDirectory.path)",
            "--grpc-sync_opt=\(grpcOptions.joined(separator: ","))",
        ]
        var outputs: [URL] = []
        var seen: [String: URL] = [:]
        for file in protoFiles {
            let baseName = String(try protoName(of: file).dropLast(".proto".count)).replacingOccurrences(
                of: "/", with: "_")
            if let other = seen.updateValue(file, forKey: baseName) {
                throw PluginError("\(other.path) and \(file.path) would both generate \(baseName).pb.swift")
            }
            arguments.append(file.path)
            outputs.append(outputDirectory.appendingPathComponent(baseName + ".pb.swift"))
            outputs.append(outputDirectory.appendingPathComponent(baseName + ".grpc.swift"))
        }
        // protoc runs under protoc-gen-grpc-sync, which prints its diagnostics with full paths, a
        // severity and the target's name (`/…/x.proto:13:1: error: Expected ";". (target 'Model')`).
        return .buildCommand(
            displayName:
                "Generating \(targetName)'s messages and services from \(protoFiles.count) .proto file(s) with protoc",
            executable: protocGenGRPCSync,
            arguments: ["--run-protoc", protoc.path, targetName] + arguments,
            inputFiles: protoFiles + extraInputs + [protocGenSwift, protocGenGRPCSync],
            outputFiles: outputs)
    }
}

import Foundation
import PackagePlugin

/// The SwiftPM build plugin: generates a target's messages (protoc-gen-swift, `<file>.pb.swift`) and
/// services (protoc-gen-grpc-sync, `<file>.grpc.swift`) from its `.proto` files at build time, or
/// from the files its `grpc-sync-config.json` names (``PluginConfiguration``).
///
///     .target(name: "Model", dependencies: ["GRPCSync", ...],
///             plugins: [.plugin(name: "GRPCSyncProtocPlugin", package: "swift-grpc-sync")])
///
/// protoc itself is not built: it is `PROTOC_PATH`, or the `protoc` on `PATH` (``ProtocLocator``).
@main
struct GRPCSyncProtocPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let invocation = try ProtocInvocation(target: target)
        guard !invocation.protoFiles.isEmpty else {
            Diagnostics.warning("\(target.name): GRPCSyncProtocPlugin found no .proto files to generate code for")
            return []
        }
        let protoc = try ProtocLocator.find()
        return [
            try invocation.command(
                protoc: protoc,
                protocGenSwift: try context.tool(named: "protoc-gen-swift").url,
                protocGenGRPCSync: try context.tool(named: "protoc-gen-grpc-sync").url,
                outputDirectory: context.pluginWorkDirectoryURL)
        ]
    }
}

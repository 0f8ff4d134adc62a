import Foundation

/// Finds protoc, the protocol buffer compiler the build plugin runs: `PROTOC_PATH` when it is set,
/// else the first `protoc` on `PATH`.
enum ProtocLocator {
    /// How to get protoc, the last part of every "protoc not found" error.
    static let installHint =
        "install it with `apt-get install protobuf-compiler` (Debian/Ubuntu) or `brew install protobuf` (macOS), "
        + "or set PROTOC_PATH to its path"

    static func find(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let configured = environment["PROTOC_PATH"], !configured.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: configured) else {
                throw PluginError(
                    "protoc not found: PROTOC_PATH is \(configured), which is not an executable file; "
                        + "point it at protoc, or unset it to use the protoc on PATH")
            }
            return URL(fileURLWithPath: configured)
        }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("protoc")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw PluginError(
            "protoc not found: GRPCSyncProtocPlugin generates code with protoc, the protocol buffer compiler, "
                + "and found none on PATH; \(installHint)")
    }
}

import Foundation

/// The optional `grpc-sync-config.json` in a target, for when the target's own `.proto` files with
/// the defaults are not what it needs. Every key is optional; paths are relative to the file's
/// directory:
///
///     {
///       "protoFiles": ["../../protos/route_guide.proto"],
///       "importPaths": ["../../protos"],
///       "visibility": "Public",
///       "keepMethodCasing": false,
///       "protoPathModuleMappings": "module_mappings.asciipb"
///     }
struct PluginConfiguration: Decodable {
    static let fileName = "grpc-sync-config.json"

    /// The .proto files to generate code for; default: every .proto file in the target.
    var protoFiles: [String]?
    /// The directories protoc finds .proto files and their imports in (`-I`); default: the
    /// directory of the configuration file.
    var importPaths: [String]?
    /// `Internal` (the default), `Public` or `Package`: access level of the messages, stubs and servicers.
    var visibility: String?
    /// Stub properties and servicer methods keep the proto spelling of method names (`GetFeature`).
    var keepMethodCasing: Bool?
    /// A protoc-gen-swift module mapping file, for protos whose generated code is in other modules.
    var protoPathModuleMappings: String?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case protoFiles, importPaths, visibility, keepMethodCasing, protoPathModuleMappings
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        for key in try decoder.container(keyedBy: AnyKey.self).allKeys where !known.contains(key.stringValue) {
            throw PluginError(
                "unknown key '\(key.stringValue)' (known: \(CodingKeys.allCases.map(\.stringValue).joined(separator: ", ")))"
            )
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        protoFiles = try container.decodeIfPresent([String].self, forKey: .protoFiles)
        importPaths = try container.decodeIfPresent([String].self, forKey: .importPaths)
        visibility = try container.decodeIfPresent(String.self, forKey: .visibility)
        keepMethodCasing = try container.decodeIfPresent(Bool.self, forKey: .keepMethodCasing)
        protoPathModuleMappings = try container.decodeIfPresent(String.self, forKey: .protoPathModuleMappings)
    }

    /// Reads and checks the configuration file at `url`.
    static func load(from url: URL) throws -> PluginConfiguration {
        let configuration: PluginConfiguration
        do {
            configuration = try JSONDecoder().decode(PluginConfiguration.self, from: Data(contentsOf: url))
        } catch {
            throw PluginError("\(url.path): \(error)")
        }
        if let visibility = configuration.visibility,
            !["internal", "public", "package"].contains(visibility.lowercased())
        {
            throw PluginError("\(url.path): visibility must be Internal, Public or Package, not '\(visibility)'")
        }
        return configuration
    }
}

import SwiftProtobufPluginLibrary

/// The plugin's options, passed as `--grpc-sync_opt=Key=Value` (several joined by commas).
///
/// - `Visibility=Internal|Public|Package`: access level of the generated code (default Internal).
/// - `KeepMethodCasing=true`: stub properties and servicer methods keep the proto spelling
///   (`GetFeature`) instead of lowerCamelCase (`getFeature`), for literal ports of Python code.
/// - `FileNaming=FullPath|PathToUnderscores|DropPath`: output file names, as in protoc-gen-swift.
/// - `ProtoPathModuleMappings=path`: the module mapping file protoc-gen-swift was given, so message
///   types from other modules are imported and qualified the same way.
/// - `AsyncCode=false`: no async client stub (`…AsyncStub`, for `AIO` channels); it is generated
///   by default.
/// - `WriteFilesWithoutServices=true`: accepted for compatibility and without effect: every .proto
///   file now gets its `.grpc.swift` file, which holds at least the file's descriptor.
struct GeneratorOptions {
    var visibility = Visibility.internal
    var keepMethodCasing = false
    var asyncCode = true
    var fileNaming = FileNaming.fullPath
    var moduleMappings = ProtoFileToModuleMappings()

    init(parameter: any CodeGeneratorParameter) throws {
        for (key, value) in parameter.parsedPairs {
            switch key {
            case "Visibility":
                guard let visibility = Visibility(flag: value) else { throw GenerationError.invalidValue(key, value) }
                self.visibility = visibility
            case "KeepMethodCasing":
                guard let keep = Bool(value.lowercased()) else { throw GenerationError.invalidValue(key, value) }
                keepMethodCasing = keep
            case "AsyncCode":
                guard let async = Bool(value.lowercased()) else { throw GenerationError.invalidValue(key, value) }
                asyncCode = async
            case "WriteFilesWithoutServices":
                guard Bool(value.lowercased()) != nil else { throw GenerationError.invalidValue(key, value) }
            case "FileNaming":
                guard let naming = FileNaming(flag: value) else { throw GenerationError.invalidValue(key, value) }
                fileNaming = naming
            case "ProtoPathModuleMappings":
                guard !value.isEmpty else { continue }
                do {
                    moduleMappings = try ProtoFileToModuleMappings(path: value)
                } catch {
                    throw GenerationError("Parameter 'ProtoPathModuleMappings=\(value)': \(error)")
                }
            default:
                throw GenerationError.unknownParameter(key)
            }
        }
    }
}

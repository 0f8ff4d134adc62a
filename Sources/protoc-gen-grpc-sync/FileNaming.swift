/// How an output file is named from its .proto path (`FileNaming=FullPath|PathToUnderscores|DropPath`),
/// the same rules protoc-gen-swift uses so the `.grpc.swift` file lands next to the `.pb.swift` one.
enum FileNaming {
    /// `a/b/c.proto` → `a/b/c.grpc.swift` (the default).
    case fullPath
    /// `a/b/c.proto` → `a_b_c.grpc.swift`.
    case pathToUnderscores
    /// `a/b/c.proto` → `c.grpc.swift`.
    case dropPath

    init?(flag: String) {
        switch flag.lowercased() {
        case "fullpath", "full_path": self = .fullPath
        case "pathtounderscores", "path_to_underscores": self = .pathToUnderscores
        case "droppath", "drop_path": self = .dropPath
        default: return nil
        }
    }

    /// The output file name for the .proto file `protoPath`.
    func outputFileName(forProto protoPath: String) -> String {
        var directory = ""
        var base = protoPath
        if let slash = protoPath.lastIndex(of: "/") {
            directory = String(protoPath[...slash])
            base = String(protoPath[protoPath.index(after: slash)...])
        }
        if let dot = base.lastIndex(of: ".") {
            base = String(base[..<dot])
        }
        let fileName = base + ".grpc.swift"
        switch self {
        case .fullPath: return directory + fileName
        case .pathToUnderscores: return String(directory.map { $0 == "/" ? "_" : $0 }) + fileName
        case .dropPath: return fileName
        }
    }
}

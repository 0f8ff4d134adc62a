/// A reason the plugin cannot generate code; protoc prints the description and fails.
struct GenerationError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }

    static func unknownParameter(_ name: String) -> GenerationError {
        GenerationError(
            "Unknown generation parameter '\(name)' (known: Visibility, KeepMethodCasing, FileNaming, "
                + "ProtoPathModuleMappings, WriteFilesWithoutServices)")
    }

    static func invalidValue(_ name: String, _ value: String) -> GenerationError {
        GenerationError("Unknown value for generation parameter '\(name)': '\(value)'")
    }
}

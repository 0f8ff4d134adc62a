/// The access level of the generated declarations (`Visibility=Internal|Public|Package`), as in
/// protoc-gen-swift.
enum Visibility: String {
    case `internal`
    case `public`
    case `package`

    init?(flag: String) {
        self.init(rawValue: flag.lowercased())
    }

    /// Prefix for a declaration that cannot be overridden: `""`, `"public "` or `"package "`.
    var modifier: String {
        switch self {
        case .internal: return ""
        case .public: return "public "
        case .package: return "package "
        }
    }

    /// Prefix for a class or method that other modules may subclass or override where the access
    /// level allows it (`open` when public).
    var overridableModifier: String {
        switch self {
        case .internal: return ""
        case .public: return "open "
        case .package: return "package "
        }
    }
}

import SwiftProtobufPluginLibrary

/// Swift spellings of names that come from a .proto file.
enum SwiftIdentifier {
    /// Words that need backticks to be declared or used as a member name. Over-quoting is harmless,
    /// so contextual keywords (`Type`, `Protocol`, `get`…) are quoted too.
    private static let keywords: Set<String> =
        swiftKeywordsUsedInDeclarations
        .union(swiftKeywordsUsedInStatements)
        .union(swiftKeywordsUsedInExpressionsAndTypes)
        .union(swiftKeywordsReservedInParticularContexts)

    /// `name` as written in code: `` `default` `` for a keyword, `name` unchanged otherwise.
    static func quoted(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }

    /// `name` with its first character upper-cased and the rest untouched (`default` → `Default`).
    static func uppercasingFirst(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.uppercased() + name.dropFirst()
    }
}

import Foundation

/// A public or open declaration of a Swift source file and the `///` comment right above it (its
/// attributes may stand between them), as `PublicDeclarationScanner` finds them.
struct PublicDeclaration {
    /// What is declared: `func`, `init`, `subscript`, `var`, `let`, `case`, `class`, `struct`…
    var keyword: String
    /// The 1-based line of the declaration's keyword.
    var line: Int
    /// The declaration up to its body, on one line, without string contents and comments.
    var signature: String
    /// The lines of the doc comment without their `///`, empty when there is none.
    var documentation: [String]

    /// The internal names of a function's, initialiser's or subscript's parameters (`_` left out).
    var parameterNames: [String] {
        guard ["func", "init", "subscript"].contains(keyword), let clause = parameterClause else { return [] }
        return PublicDeclarationScanner.splitTopLevel(clause.inner, separator: ",").compactMap { parameter in
            let names = PublicDeclarationScanner.splitTopLevel(parameter, separator: ":").first ?? ""
            guard let name = names.split(separator: " ").last.map(String.init), name != "_" else { return nil }
            return name
        }
    }

    /// Whether the declaration throws: `throws`, `throws(E)` or `rethrows` after the parameters.
    var isThrowing: Bool {
        guard ["func", "init", "subscript"].contains(keyword), let effects = effectsAndResult?.effects else {
            return false
        }
        return effects.range(of: "\\b(throws|rethrows)\\b", options: .regularExpression) != nil
    }

    /// Whether a function returns something: a result type other than `Void`, `()` or `Never`.
    var returnsValue: Bool {
        guard keyword == "func", let result = effectsAndResult?.result else { return false }
        return !["", "Void", "()", "Never"].contains(result)
    }

    /// The parameter clause: the text between the parentheses after the name and its generic
    /// parameters.
    private var parameterClause: (inner: String, end: String.Index)? {
        guard let keywordRange = signature.range(of: keyword) else { return nil }
        var start = keywordRange.upperBound
        func skip(while condition: (Character) -> Bool) {
            while start < signature.endIndex && condition(signature[start]) { start = signature.index(after: start) }
        }
        skip { $0 == " " }
        // The name: an identifier (`init?` adds a `?`), or an operator (`==`, `<`).
        if let first = signature[start...].first, first.isLetter || first == "_" || first == "`" {
            skip { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "`" || $0 == "?" || $0 == "!" }
        } else {
            skip { "/=-+!*%<>&|^~?.".contains($0) }
        }
        skip { $0 == " " }
        // The generic parameters, whose constraints may hold parentheses.
        if start < signature.endIndex && signature[start] == "<" {
            var angles = 0
            repeat {
                if signature[start] == "<" { angles += 1 }
                if signature[start] == ">" { angles -= 1 }
                start = signature.index(after: start)
            } while start < signature.endIndex && angles > 0
        }
        skip { $0 != "(" }
        guard start < signature.endIndex else { return nil }
        var depth = 0
        var index = start
        while index < signature.endIndex {
            switch signature[index] {
            case "(", "[": depth += 1
            case ")", "]":
                depth -= 1
                if depth == 0 {
                    return (String(signature[signature.index(after: start)..<index]), signature.index(after: index))
                }
            default: break
            }
            index = signature.index(after: index)
        }
        return nil
    }

    /// What follows the parameter clause: the effects before `->`, and the result type.
    private var effectsAndResult: (effects: String, result: String)? {
        guard let clause = parameterClause else { return nil }
        let rest = String(signature[clause.end...])
        guard let arrow = rest.range(of: "->") else { return (rest, "") }
        var result = String(rest[arrow.upperBound...])
        if let whereClause = result.range(of: " where ") { result = String(result[..<whereClause.lowerBound]) }
        return (String(rest[..<arrow.lowerBound]), result.trimmingCharacters(in: .whitespaces))
    }

    /// The parameter names the comment documents: `- Parameter x:` lines and the items of a
    /// `- Parameters:` list.
    var documentedParameters: [String] {
        var names: [String] = []
        var inList = false
        for line in documentation {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("- ") else { continue }
            let item = trimmed.dropFirst(2)
            let indented = line.hasPrefix(" ")
            if item.hasPrefix("Parameters:") {
                inList = true
            } else if item.hasPrefix("Parameter "), let colon = item.firstIndex(of: ":") {
                names.append(String(item.dropFirst("Parameter ".count)[..<colon]).trimmingCharacters(in: .whitespaces))
                inList = false
            } else if inList && indented, let colon = item.firstIndex(of: ":") {
                names.append(String(item[..<colon]))
            } else {
                inList = false
            }
        }
        return names
    }

    /// Whether the comment has a section line `- NAME:` (`Returns`, `Throws`).
    func hasSection(_ name: String) -> Bool {
        documentation.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("- \(name):") }
    }
}

/// Finds the public and open declarations of a Swift source file, line by line: what is declared
/// `public` or `open`, the cases of a public enum, the requirements of a public protocol and the
/// members of a `public extension`, each with the `///` comment above it. It understands what the
/// library's sources use (attributes on their own lines, signatures over several lines, one type
/// body per `{`, multi-line string literals that end with their own line), not every Swift program:
/// no block comments.
enum PublicDeclarationScanner {
    private static let declarationKeywords: Set<String> = [
        "func", "init", "subscript", "var", "let", "case", "class", "struct", "enum", "protocol", "actor",
        "typealias", "associatedtype", "extension",
    ]
    private static let modifiers: Set<String> = [
        "public", "open", "private", "fileprivate", "internal", "package", "final", "static", "class", "override",
        "convenience", "required", "mutating", "nonmutating", "nonisolated", "lazy", "weak", "unowned", "dynamic",
        "indirect", "optional", "consuming", "borrowing", "distributed",
    ]
    private static let restrictedAccess: Set<String> = ["private", "fileprivate", "internal", "package"]
    private static let typeKeywords: Set<String> = ["class", "struct", "enum", "protocol", "actor", "extension"]

    /// A type or extension body being read: where its members are, and which of them are public
    /// without saying so.
    private struct Scope {
        var keyword: String
        /// Whether the type is public, so that its members may be.
        var isPublic: Bool
        /// Whether its members are public unless they say otherwise: a public protocol's
        /// requirements, a `public extension`'s members, a public enum's cases.
        var membersArePublic: Bool
        var bodyDepth: Int
    }

    static func declarations(in text: String) -> [PublicDeclaration] {
        let lines = text.components(separatedBy: "\n")
        let (code, inLiteral) = codeLines(lines)
        var found: [PublicDeclaration] = []
        var documentation: [String] = []
        var depth = 0
        var scopes: [Scope] = []
        var pending: Scope?
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let depthBefore = depth
            defer {
                for character in code[index] {
                    if character == "{" { depth += 1 }
                    if character == "}" { depth -= 1 }
                }
                if let scope = pending, depth >= scope.bodyDepth {
                    scopes.append(scope)
                    pending = nil
                }
                while let last = scopes.last, depth < last.bodyDepth { scopes.removeLast() }
            }
            if inLiteral[index] {
                documentation = []
                continue
            }
            if trimmed.hasPrefix("///") {
                let comment = trimmed.dropFirst(3)
                documentation.append(String(comment.hasPrefix(" ") ? comment.dropFirst() : comment))
                continue
            }
            let declaration = withoutAttributes(code[index].trimmingCharacters(in: .whitespaces))
            if declaration.isEmpty && trimmed.hasPrefix("@") { continue }  // attributes of the next line
            defer { documentation = [] }
            guard !declaration.isEmpty, let (keyword, words) = keywordAndModifiers(declaration) else { continue }
            let scope = scopes.last.flatMap { $0.bodyDepth == depthBefore ? $0 : nil }
            guard scope != nil || (depthBefore == 0 && scopes.isEmpty) else { continue }  // inside a body
            let explicit = words.contains("public") || words.contains("open")
            let restricted = !words.isDisjoint(with: restrictedAccess)
            let enclosingPublic = scopes.allSatisfy(\.isPublic)
            var isPublic = explicit && enclosingPublic
            if let scope, !explicit, !restricted, scope.membersArePublic, enclosingPublic {
                isPublic = scope.keyword == "enum" ? keyword == "case" : keyword != "case"
            }
            if typeKeywords.contains(keyword) {
                pending = Scope(
                    keyword: keyword, isPublic: keyword == "extension" ? !restricted : isPublic,
                    membersArePublic: (keyword == "extension" ? explicit : isPublic)
                        && ["extension", "protocol", "enum"].contains(keyword),
                    bodyDepth: depthBefore + 1)
            }
            guard isPublic, keyword != "extension" else { continue }
            found.append(
                PublicDeclaration(
                    keyword: keyword, line: index + 1,
                    signature: signature(from: index, in: code, keyword: keyword), documentation: documentation))
        }
        return found
    }

    /// The keyword of a declaration line and the modifiers before it, or nil for another line.
    private static func keywordAndModifiers(_ line: String) -> (String, Set<String>)? {
        var words: Set<String> = []
        for token in line.split(separator: " ") {
            let word = String(token.prefix(while: { $0.isLetter || $0 == "_" }))
            if declarationKeywords.contains(word) && (word != "class" || !isClassModifier(token, in: line)) {
                return (word, words)
            }
            guard modifiers.contains(word) else { return nil }
            words.insert(word)
        }
        return nil
    }

    /// Whether `class` is a modifier (`class func`, `class var`) rather than a class declaration.
    private static func isClassModifier(_ token: Substring, in line: String) -> Bool {
        line.range(of: "\\bclass (func|var|let|subscript)\\b", options: .regularExpression) != nil && token == "class"
    }

    /// The declaration that starts at line `start`, up to its body's `{` (or its end), on one line.
    private static func signature(from start: Int, in code: [String], keyword: String) -> String {
        var text = ""
        var parentheses = 0
        var index = start
        while index < code.count {
            let line = withoutAttributes(code[index].trimmingCharacters(in: .whitespaces))
            for character in line {
                if character == "{" && parentheses == 0 && !["var", "let", "case"].contains(keyword) {
                    return text.trimmingCharacters(in: .whitespaces)
                }
                if character == "(" || character == "[" { parentheses += 1 }
                if character == ")" || character == "]" { parentheses -= 1 }
                text.append(character)
            }
            text.append(" ")
            index += 1
            let next = index < code.count ? code[index].trimmingCharacters(in: .whitespaces) : ""
            let continues = ["->", "throws", "rethrows", "async", "where", "{", "&", ",", ":", ")"].contains {
                next.hasPrefix($0)
            }
            if parentheses <= 0 && !continues { break }
        }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// `line` without the attributes it starts with (`@discardableResult`, `@available(…)`).
    private static func withoutAttributes(_ line: String) -> String {
        var rest = Substring(line)
        while rest.hasPrefix("@") {
            var index = rest.index(after: rest.startIndex)
            while index < rest.endIndex && (rest[index].isLetter || rest[index].isNumber || rest[index] == "_") {
                index = rest.index(after: index)
            }
            if index < rest.endIndex && rest[index] == "(" {
                var depth = 0
                while index < rest.endIndex {
                    if rest[index] == "(" { depth += 1 }
                    if rest[index] == ")" { depth -= 1 }
                    index = rest.index(after: index)
                    if depth == 0 { break }
                }
            }
            rest = rest[index...].drop(while: { $0 == " " })
        }
        return String(rest)
    }

    /// Each line's code (``codeOnly(_:)``), and whether the line belongs to a multi-line string
    /// literal: its contents and its closing `"""` line, whose code is `""` and what follows.
    private static func codeLines(_ lines: [String]) -> (code: [String], inLiteral: [Bool]) {
        var code: [String] = []
        var inLiteral: [Bool] = []
        var isOpen = false
        for line in lines {
            guard isOpen else {
                let lineCode = codeOnly(line)
                code.append(lineCode)
                inLiteral.append(false)
                isOpen = lineCode.trimmingCharacters(in: .whitespaces).hasSuffix("\"\"\"")
                continue
            }
            inLiteral.append(true)
            if let close = closingDelimiter(in: line) {
                code.append("\"\"" + codeOnly(String(line[close.upperBound...])))
                isOpen = false
            } else {
                code.append("")
            }
        }
        return (code, inLiteral)
    }

    /// The first `"""` of a multi-line string literal's line that no backslash escapes.
    private static func closingDelimiter(in line: String) -> Range<String.Index>? {
        var searchStart = line.startIndex
        while let found = line.range(of: "\"\"\"", range: searchStart..<line.endIndex) {
            let backslashes = line[..<found.lowerBound].reversed().prefix(while: { $0 == "\\" }).count
            if backslashes % 2 == 0 { return found }
            searchStart = line.index(after: found.lowerBound)
        }
        return nil
    }

    /// A line without the contents of its string literals and without its `//` comment.
    private static func codeOnly(_ line: String) -> String {
        var result = ""
        var inString = false
        var escaped = false
        var previous: Character = " "
        for character in line {
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                    result.append(character)
                }
                continue
            }
            if character == "/" && previous == "/" {
                result.removeLast()
                break
            }
            if character == "\"" { inString = true }
            result.append(character)
            previous = character
        }
        return result
    }

    /// `text` split at `separator` where it is outside parentheses, brackets, braces and angle
    /// brackets.
    static func splitTopLevel(_ text: String, separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var previous: Character = " "
        for character in text {
            switch character {
            case "(", "[", "<", "{": depth += 1
            case ")", "]", "}": depth -= 1
            case ">" where previous != "-": depth -= 1
            default: break
            }
            previous = character
            if character == separator && depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty { parts.append(last) }
        return parts
    }
}

import Foundation
import TestProcesses
import XCTest

/// The servicer methods the documents show have the generated code's unlabelled parameters:
/// `func getFeature(_ request: Point, _ context: ServicerContext)`, never `(request: Point,
/// context: ServicerContext)`, which does not override the generated method.
final class DocumentedServicerSignatureTests: XCTestCase {
    /// README.md, docs/*.md and the DocC articles.
    private func documents() throws -> [(path: String, text: String)] {
        let root = Repository.root
        var paths = ["README.md"]
        for folder in ["docs", "Sources/GRPCSync/Documentation.docc"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)
            paths += names.filter { $0.hasSuffix(".md") }.sorted().map { "\(folder)/\($0)" }
        }
        return try paths.map { ($0, try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8)) }
    }

    /// The parameter lists (text between parentheses, over lines too) that name a `context` and a
    /// request or responses, and their parameters that have a label: a servicer method's.
    static func labelledServicerParameters(in text: String) throws -> [(line: Int, parameter: String)] {
        let list = try NSRegularExpression(pattern: "\\(([^()]*)\\)")
        var found: [(Int, String)] = []
        for match in list.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let range = Range(match.range(at: 1), in: text) else { continue }
            let inner = String(text[range])
            guard inner.range(of: "\\bcontext\\b", options: .regularExpression) != nil,
                inner.range(of: "\\b(requests?|responses)\\b", options: .regularExpression) != nil
            else { continue }
            let line = text[..<range.lowerBound].filter { $0 == "\n" }.count + 1
            for parameter in inner.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
            where parameter.contains(":") && !parameter.hasPrefix("_ ") {
                found.append((line, parameter))
            }
        }
        return found
    }

    func testServicerMethodsInTheDocumentsHaveUnlabelledParameters() throws {
        var checked = 0
        for (path, text) in try documents() {
            checked += text.components(separatedBy: "_ context:").count - 1
            for (line, parameter) in try Self.labelledServicerParameters(in: text) {
                XCTFail("\(path):\(line): servicer parameter `\(parameter)` has a label; generated methods have none")
            }
        }
        XCTAssertGreaterThan(checked, 5, "the documents show servicer methods")
    }

    func testLabelledParametersAreFound() throws {
        let text = """
            Server streaming `(request, responses: ResponseSender, context)`.
            ```swift
            override func getFeature(
                request: Routeguide_Point,
                _ context: ServicerContext
            ) throws -> Routeguide_Feature
            ```
            `def GetFeature(self, request, context)` and `func f(_ request: R, _ context: ServicerContext)`
            """
        XCTAssertEqual(
            try Self.labelledServicerParameters(in: text).map { "\($0.line) \($0.parameter)" },
            ["1 responses: ResponseSender", "3 request: Routeguide_Point"])
    }
}

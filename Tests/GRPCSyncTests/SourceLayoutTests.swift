import Foundation
import TestProcesses
import XCTest

/// The runtime's layering and conventions, read off its source files (docs/architecture.md):
/// each layer calls only the one below it, every status text is named in one file, no file grows
/// past 450 lines.
final class SourceLayoutTests: XCTestCase {
    private static let runtime = Repository.root.appendingPathComponent("Sources/GRPCSync")

    /// The Swift files of one folder of the runtime (AIO, Client, Common, Server, Transport), by name.
    private func sources(in folder: String) throws -> [(name: String, text: String)] {
        let directory = Self.runtime.appendingPathComponent(folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".swift") }.sorted()
        XCTAssertFalse(names.isEmpty, "no sources in \(directory.path)")
        return try names.map { ($0, try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)) }
    }

    /// `text` without its string literals and comments (`//` to the end of the line), so texts
    /// and documentation may name what the code must not use.
    private func code(_ text: String) -> String {
        let withoutStrings = text.replacingOccurrences(
            of: "\"[^\"\n]*\"", with: "\"\"", options: .regularExpression)
        return withoutStrings.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard let comment = line.range(of: "//") else { return String(line) }
            return String(line[..<comment.lowerBound])
        }.joined(separator: "\n")
    }

    private func mentions(_ text: String, _ word: String) -> Bool {
        text.range(of: "\\b\(NSRegularExpression.escapedPattern(for: word))\\b", options: .regularExpression) != nil
    }

    /// The call layer reaches the transport only through streams and the connection protocols:
    /// it names neither the HTTP/2 connection, nor nghttp2, nor sockets.
    func testTheCallLayerDoesNotReachIntoTheTransport() throws {
        let forbidden = [
            "HTTP2Connection", "HTTP2Session", "CNGHTTP2", "ConnectionSocket", "Socket", "SocketAddress", "EventLoop",
            "WaitingReader", "epoll_wait", "accept4", "sendmsg", "recv",
        ]
        for folder in ["AIO", "Client", "Server"] {
            for (name, text) in try sources(in: folder) {
                let body = code(text)
                for word in forbidden where mentions(body, word) {
                    XCTFail("\(folder)/\(name) names \(word)")
                }
            }
        }
    }

    /// `Common/` (values, locks, serialization) depends on no other folder of the runtime.
    func testCommonDependsOnNoOtherLayer() throws {
        var declared: Set<String> = []
        let declaration = try NSRegularExpression(
            pattern: "^(?:public |private |fileprivate )?(?:final )?(?:class|struct|enum|protocol) (\\w+)",
            options: .anchorsMatchLines)
        for folder in ["Transport", "Client", "Server", "AIO"] {
            for (_, text) in try sources(in: folder) {
                let range = NSRange(text.startIndex..., in: text)
                for match in declaration.matches(in: text, range: range) {
                    if let name = Range(match.range(at: 1), in: text) { declared.insert(String(text[name])) }
                }
            }
        }
        XCTAssertTrue(declared.contains("HTTP2Connection") && declared.contains("Server"), "types were found")
        for (name, text) in try sources(in: "Common") {
            let body = code(text)
            for type in declared.sorted() where mentions(body, type) {
                XCTFail("Common/\(name) names \(type), declared outside Common/")
            }
        }
    }

    /// Every status the runtime makes from a literal code and text is in StatusCatalog.swift.
    func testStatusTextsAreNamedInTheCatalogOnly() throws {
        let literal = try NSRegularExpression(pattern: "(Status|RPCError)\\(code: \\.\\w+, details: \"")
        var found = 0
        for folder in ["AIO", "Client", "Common", "Server", "Transport"] {
            for (name, text) in try sources(in: folder) {
                let count = literal.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
                if name == "StatusCatalog.swift" {
                    found = count
                } else if count > 0 {
                    XCTFail("\(folder)/\(name) makes \(count) status(es) from a literal code and text")
                }
            }
        }
        XCTAssertGreaterThan(found, 40, "the catalog holds the statuses")
    }

    func testNoRuntimeFileIsLongerThan450Lines() throws {
        for folder in ["AIO", "Client", "Common", "Server", "Transport"] {
            for (name, text) in try sources(in: folder) {
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
                XCTAssertLessThanOrEqual(lines, 451, "\(folder)/\(name) has \(lines) lines")
            }
        }
    }
}

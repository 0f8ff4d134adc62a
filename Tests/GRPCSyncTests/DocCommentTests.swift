import Foundation
import TestProcesses
import XCTest

/// Every public and open declaration of the library modules (`Sources/GRPCSync*`, protoc-gen-swift's
/// `.pb.swift` files aside) and of the committed `.grpc.swift` files protoc-gen-grpc-sync generated
/// has a DocC comment, with `- Parameters:` (or `- Parameter x:`) naming each parameter of a
/// function, initialiser or subscript, `- Returns:` for a function that returns a value, and
/// `- Throws:` for one that throws. `make docs` checks the links and parameter names of `GRPCSync`
/// only; this covers every module.
final class DocCommentTests: XCTestCase {
    /// The Swift files of the library modules, with their paths relative to the repository.
    private func librarySources() throws -> [(path: String, text: String)] {
        let sources = Repository.root.appendingPathComponent("Sources")
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path)
            .filter { $0.hasPrefix("GRPCSync") }.sorted()
        XCTAssertTrue(modules.contains("GRPCSync") && modules.contains("GRPCSyncHealth"), "\(modules)")
        var files: [(String, String)] = []
        for module in modules {
            let directory = sources.appendingPathComponent(module)
            guard let walker = FileManager.default.enumerator(atPath: directory.path) else { continue }
            for case let path as String in walker
            where path.hasSuffix(".swift") && !path.hasSuffix(".pb.swift") && !path.hasSuffix(".grpc.swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
                files.append(("Sources/\(module)/\(path)", text))
            }
        }
        return files.sorted { $0.0 < $1.0 }
    }

    /// The committed `.grpc.swift` files below the root package's `Sources` and the `Sources` of
    /// `Programs` and `Benchmarks`, all written by `make protos`, with their paths relative to the
    /// repository.
    private func generatedServiceSources() throws -> [(path: String, text: String)] {
        var files: [(String, String)] = []
        for directory in ["Sources", "Programs/Sources", "Benchmarks/Sources"] {
            let root = Repository.root.appendingPathComponent(directory)
            guard let walker = FileManager.default.enumerator(atPath: root.path) else { continue }
            for case let path as String in walker where path.hasSuffix(".grpc.swift") {
                let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
                files.append(("\(directory)/\(path)", text))
            }
        }
        return files.sorted { $0.0 < $1.0 }
    }

    /// What a declaration's comment lacks: the comment itself, its summary, or a section.
    private func problems(of declaration: PublicDeclaration) -> [String] {
        let documentation = declaration.documentation
        guard let summary = documentation.first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            return ["no doc comment"]
        }
        var problems: [String] = []
        if summary.trimmingCharacters(in: .whitespaces).hasPrefix("- ") { problems.append("no summary") }
        let documented = declaration.documentedParameters
        for name in declaration.parameterNames where !documented.contains(name) {
            problems.append("parameter `\(name)` not documented")
        }
        for name in documented where !declaration.parameterNames.contains(name) {
            problems.append("documents `\(name)`, which is no parameter")
        }
        if declaration.returnsValue && !declaration.hasSection("Returns") { problems.append("no `- Returns:`") }
        if declaration.isThrowing && !declaration.hasSection("Throws") { problems.append("no `- Throws:`") }
        return problems
    }

    /// Fails for each public declaration of `files` whose comment lacks something.
    /// - Parameter files: The files to scan, with their paths for the failure messages.
    /// - Returns: How many public declarations the files have.
    private func checkDocumentation(of files: [(path: String, text: String)]) -> Int {
        var count = 0
        for (path, text) in files {
            for declaration in PublicDeclarationScanner.declarations(in: text) {
                count += 1
                let found = problems(of: declaration)
                if !found.isEmpty {
                    XCTFail(
                        "\(path):\(declaration.line): \(found.joined(separator: "; ")): \(declaration.signature.prefix(120))"
                    )
                }
            }
        }
        return count
    }

    func testEveryPublicDeclarationIsDocumented() throws {
        let count = checkDocumentation(of: try librarySources())
        XCTAssertGreaterThan(count, 300, "the scanner finds the public declarations")
    }

    /// The generated stubs, servicers, registration functions and descriptors follow the same rule,
    /// in the golden files and in the generated files the library products ship
    /// (`GRPCSyncHealth`, `GRPCSyncReflection`, `GRPCSyncStatus`).
    func testEveryPublicDeclarationOfGeneratedServiceCodeIsDocumented() throws {
        let files = try generatedServiceSources()
        let paths = files.map(\.path)
        for expected in [
            "Sources/GeneratedGolden/route_guide.grpc.swift", "Sources/GRPCSyncHealth/grpc_health_v1_health.grpc.swift",
            "Sources/GRPCSyncReflection/grpc_reflection_v1_reflection.grpc.swift",
            "Programs/Sources/Examples/RouteGuide/Model/route_guide.grpc.swift",
        ] {
            XCTAssertTrue(paths.contains(expected), "\(expected) is scanned: \(paths)")
        }
        let count = checkDocumentation(of: files)
        XCTAssertGreaterThan(count, 150, "the scanner finds the generated public declarations")
    }

    // MARK: the scanner

    private func scan(_ source: String) -> [PublicDeclaration] {
        PublicDeclarationScanner.declarations(in: source)
    }

    func testScannerFindsWhatIsPublic() {
        let found = scan(
            """
            public enum Code {
                case a, b
                func helper() {}
            }
            public protocol Plugin {
                func run(_ x: Int) throws
            }
            public extension Code {
                var isA: Bool { self == .a }
            }
            extension Code {
                func internalHelper() {}
                public var name: String { "" }
            }
            struct Hidden {
                public func notReally() {}
            }
            public final class Box {
                public func work() {
                    let local = { (x: Int) in x }
                    switch self { case _: break }
                }
                private struct Inner {
                    public var x: Int
                }
                public private(set) var value = 0
                @discardableResult
                public static func == (lhs: Box, rhs: Box) -> Bool { lhs === rhs }
            }
            """)
        XCTAssertEqual(
            found.map { "\($0.keyword) \($0.line)" },
            [
                "enum 1", "case 2", "protocol 5", "func 6", "var 9", "var 13", "class 18", "func 19", "var 26",
                "func 28",
            ])
        XCTAssertEqual(found.last?.parameterNames, ["lhs", "rhs"])
    }

    func testScannerReadsSignaturesOverSeveralLinesAndTheCommentAboveTheAttributes() {
        let found = scan(
            """
            /// Sends.
            ///
            /// - Parameters:
            ///   - request: What to send.
            ///   - handler: Called with the answer.
            /// - Returns: The answer.
            @discardableResult
            @inline(__always)
            public func send<T: Sequence>(
                _ request: T, handler: @escaping (Int, String) throws -> Void = { _, _ in }
            ) throws
                -> [Int]
            {
                []
            }

            /// No sections.
            public init(label name: String, _ count: Int) rethrows {}

            // An ordinary comment is no doc comment.
            public func bare() -> Never { fatalError() }
            """)
        XCTAssertEqual(found.count, 3)
        XCTAssertEqual(found[0].parameterNames, ["request", "handler"])
        XCTAssertEqual(found[0].documentedParameters, ["request", "handler"])
        XCTAssertTrue(found[0].returnsValue)
        XCTAssertTrue(found[0].isThrowing)
        XCTAssertTrue(found[0].hasSection("Returns"))
        XCTAssertFalse(found[0].hasSection("Throws"))
        XCTAssertEqual(found[1].parameterNames, ["name", "count"])
        XCTAssertTrue(found[1].isThrowing)
        XCTAssertFalse(found[1].returnsValue)
        XCTAssertEqual(found[2].documentation, [])
        XCTAssertFalse(found[2].returnsValue, "Never is no value")
        XCTAssertFalse(found[2].isThrowing)
    }

    func testScannerSkipsTheContentsOfMultiLineStringLiterals() {
        let found = scan(
            #"""
            /// A descriptor.
            public let descriptor = Descriptor(
                name: "a.proto",
                latin1: """
                public func notCode() { /// \"""
                }}}\
                """,
                dependencies: [])

            /// After it.
            public func after(_ x: Int) {}
            """#)
        XCTAssertEqual(found.map { "\($0.keyword) \($0.line)" }, ["let 2", "func 11"])
        XCTAssertEqual(found[1].documentation, ["After it."])
        XCTAssertEqual(found[1].parameterNames, ["x"])
    }

    func testScannerFindsMissingSections() {
        let declaration = scan(
            """
            /// Does it.
            /// - Parameter a: One.
            /// - Parameter c: Not a parameter.
            public func f(a: Int, b closure: () throws -> Int) -> Int { 0 }
            """)[0]
        XCTAssertEqual(
            problems(of: declaration),
            [
                "parameter `closure` not documented", "documents `c`, which is no parameter", "no `- Returns:`",
            ])
    }
}

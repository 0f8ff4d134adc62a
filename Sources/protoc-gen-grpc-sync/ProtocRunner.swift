import Foundation

/// protoc run for the build plugin (`protoc-gen-grpc-sync --run-protoc PROTOC TARGET ARGUMENTS…`),
/// with its diagnostics rewritten so that a build log and an editor show where they are:
/// protoc's `helloworld.proto:13:1: Expected ";".` names the file by its path below an import path
/// and leaves out the severity; this prints `/full/path/helloworld.proto:13:1: error: Expected ";".
/// (target 'Model')`, the `file:line:column: error: message` form compilers use.
enum ProtocRunner {
    /// The first argument that selects this mode; protoc starts its plugins without arguments.
    static let flag = "--run-protoc"

    /// Runs protoc (`arguments`: its path, the target's name, then protoc's arguments), prints its
    /// standard error rewritten by ``rewrite(_:importPaths:target:failed:)``, and returns its exit
    /// status (1 when it could not be started or was killed).
    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.count >= 2 else {
            printError("error: usage: protoc-gen-grpc-sync \(flag) PROTOC TARGET [PROTOC ARGUMENTS...]")
            return 1
        }
        let protoc = arguments[0]
        let target = arguments[1]
        let protocArguments = Array(arguments.dropFirst(2))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: protoc)
        process.arguments = protocArguments
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            printError("error: cannot run protoc at \(protoc): \(error) (target '\(target)')")
            return 1
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let failed = process.terminationReason != .exit || process.terminationStatus != 0
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        let importPaths = importPaths(in: protocArguments)
        for line in lines where !line.isEmpty {
            printError(rewrite(line, importPaths: importPaths, target: target, failed: failed))
        }
        if process.terminationReason != .exit {
            printError("error: protoc was killed by signal \(process.terminationStatus) (target '\(target)')")
            return 1
        }
        return process.terminationStatus
    }

    /// The `-I DIR`, `-IDIR` and `--proto_path=DIR` directories of protoc's arguments, in order.
    static func importPaths(in arguments: [String]) -> [String] {
        var paths: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "-I" || argument == "--proto_path", index + 1 < arguments.endIndex {
                paths.append(arguments[index + 1])
                index += 2
                continue
            }
            if argument.hasPrefix("--proto_path=") {
                paths.append(String(argument.dropFirst("--proto_path=".count)))
            } else if argument.hasPrefix("-I") {
                paths.append(String(argument.dropFirst(2)))
            }
            index += 1
        }
        return paths
    }

    /// One line of protoc's standard error as a compiler diagnostic naming `target`.
    ///
    /// - Parameters:
    ///   - line: The line as protoc printed it: `NAME:LINE:COLUMN: [warning: ]MESSAGE` for a place in
    ///     a file (NAME relative to an import path), anything else for the rest.
    ///   - importPaths: protoc's import paths in its search order, where NAME is looked up; the first
    ///     that holds it gives the full path. A NAME found in none is printed as it is.
    ///   - target: The name of the target whose code protoc generates.
    ///   - failed: Whether protoc failed: its lines without a severity are then errors, else they are
    ///     printed with the target's name only.
    /// - Returns: `PATH:LINE:COLUMN: error: MESSAGE (target 'TARGET')` (or `warning:`) for a place
    ///   in a file, `error: LINE (target 'TARGET')` for another line of a failed run.
    static func rewrite(_ line: String, importPaths: [String], target: String, failed: Bool) -> String {
        let suffix = " (target '\(target)')"
        if let located = LocatedDiagnostic(line) {
            let severity = located.isWarning ? "warning" : "error"
            let path = fullPath(of: located.file, importPaths: importPaths)
            return "\(path):\(located.line):\(located.column): \(severity): \(located.message)\(suffix)"
        }
        if line.hasPrefix("error: ") || line.hasPrefix("warning: ") || !failed { return line + suffix }
        return "error: " + line + suffix
    }

    /// `name` below the first of `importPaths` that holds it, or `name` itself.
    private static func fullPath(of name: String, importPaths: [String]) -> String {
        if name.hasPrefix("/") { return name }
        for directory in importPaths {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name).standardizedFileURL.path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return name
    }

    private static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// A protoc diagnostic with a place: `NAME:LINE:COLUMN: [warning: |error: ]MESSAGE`.
private struct LocatedDiagnostic {
    var file: String
    var line: Int
    var column: Int
    var isWarning: Bool
    var message: String

    init?(_ text: String) {
        // NAME may hold colons itself, so the place is the first `:LINE:COLUMN: ` in the line.
        let parts = text.components(separatedBy: ": ")
        for count in 1..<max(parts.count, 1) {
            let head = parts[..<count].joined(separator: ": ")
            let fields = head.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 3, let line = Int(fields[fields.count - 2]),
                let column = Int(fields[fields.count - 1])
            else { continue }
            let name = fields[..<(fields.count - 2)].joined(separator: ":")
            guard !name.isEmpty else { return nil }
            var message = parts[count...].joined(separator: ": ")
            isWarning = message.hasPrefix("warning: ")
            if isWarning {
                message.removeFirst("warning: ".count)
            } else if message.hasPrefix("error: ") {
                message.removeFirst("error: ".count)
            }
            self.file = name
            self.line = line
            self.column = column
            self.message = message
            return
        }
        return nil
    }
}

import GRPCSync

/// The command-line flags of the interop programs, in the forms gRPC's interop programs take:
/// `--name=value` and `--name value`. A boolean flag given alone (`--use_tls`) means true.
public struct CommandLineFlags: Sendable {
    /// Whether a flag takes a value or is a boolean.
    public enum Kind: Sendable {
        case value
        case boolean
        /// A value flag that may be given several times (`--server_option=A=1 --server_option=B=2`).
        case repeatable
    }

    /// A flag that is unknown, lacks its value, or has a value of the wrong kind.
    public struct FlagError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    private var values: [String: String] = [:]
    private var repeated: [String: [String]] = [:]

    /// Parses `arguments` (without the program name); `kinds` lists every flag the program knows.
    public init(parsing arguments: [String], kinds: [String: Kind]) throws(FlagError) {
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw FlagError("unexpected argument \"\(argument)\"")
            }
            let body = argument.dropFirst(2)
            var name = String(body)
            var value: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                value = String(body[body.index(after: equals)...])
            }
            guard let kind = kinds[name] else { throw FlagError("unknown flag --\(name)") }
            if value == nil {
                switch kind {
                case .value, .repeatable:
                    guard let next = remaining.popFirst() else { throw FlagError("--\(name) needs a value") }
                    value = next
                case .boolean:
                    if let next = remaining.first, next == "true" || next == "false" {
                        value = remaining.popFirst()
                    } else {
                        value = "true"
                    }
                }
            }
            if kind == .repeatable {
                repeated[name, default: []].append(value ?? "")
            } else {
                values[name] = value
            }
        }
    }

    /// Every value of the repeatable `--name`, in order (none when it was not given).
    public func strings(_ name: String) -> [String] { repeated[name] ?? [] }

    /// The values of the repeatable `--name` as gRPC options: each `KEY=VALUE`, the value an int
    /// when it parses as one, else a string (`--channel_option=grpc.max_receive_message_length=100`).
    public func options(_ name: String) throws(FlagError) -> [(String, OptionValue)] {
        var options: [(String, OptionValue)] = []
        for text in strings(name) {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw FlagError("--\(name) needs KEY=VALUE, got \"\(text)\"")
            }
            let key = String(text[..<equals])
            let value = String(text[text.index(after: equals)...])
            options.append((key, Int(value).map(OptionValue.int) ?? .string(value)))
        }
        return options
    }

    /// The value of `--name`, or nil when it was not given.
    public func string(_ name: String) -> String? { values[name] }

    /// The integer value of `--name`, or `defaultValue` when it was not given.
    public func int(_ name: String, default defaultValue: Int) throws(FlagError) -> Int {
        guard let text = values[name] else { return defaultValue }
        guard let value = Int(text) else { throw FlagError("--\(name) needs an integer, got \"\(text)\"") }
        return value
    }

    /// The boolean value of `--name` (`true` or `false`), or `defaultValue` when it was not given.
    public func bool(_ name: String, default defaultValue: Bool) throws(FlagError) -> Bool {
        switch values[name] {
        case nil: return defaultValue
        case "true": return true
        case "false": return false
        case let text?: throw FlagError("--\(name) needs true or false, got \"\(text)\"")
        }
    }
}

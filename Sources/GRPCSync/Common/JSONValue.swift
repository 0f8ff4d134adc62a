/// A parsed JSON document (RFC 8259), as the service config (`grpc.service_config`) is given.
/// Numbers keep their text, so that a reader decides how to take them (grpc reads an integer
/// field from `10` or `"10"`, and refuses `10.5`). Object members keep their order.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number, as written.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
        default: false
        }
    }

    /// The value of member `key` of an object (the last one, if it is repeated); nil for a
    /// missing member or a value that is not an object.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.0 == key }?.1
    }

    /// A JSON text that does not parse, with the byte offset where parsing stopped.
    struct ParseError: Error, Equatable {
        let offset: Int
    }

    /// Parses `text`, one value with optional white space around it.
    ///
    /// - Throws: ``ParseError`` at the first byte that breaks the grammar.
    init(parsing text: String) throws(ParseError) {
        var parser = Parser(bytes: Array(text.utf8))
        self = try parser.document()
    }

    /// A recursive-descent reader over UTF-8 bytes; nesting deeper than `maximumDepth` is refused.
    private struct Parser {
        static let maximumDepth = 64
        let bytes: [UInt8]
        var index = 0
        var depth = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func document() throws(ParseError) -> JSONValue {
            let value = try self.value()
            skipWhiteSpace()
            guard index == bytes.count else { throw ParseError(offset: index) }
            return value
        }

        private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func skipWhiteSpace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        private mutating func expect(_ literal: String) throws(ParseError) {
            for byte in literal.utf8 {
                guard current == byte else { throw ParseError(offset: index) }
                index += 1
            }
        }

        private mutating func value() throws(ParseError) -> JSONValue {
            skipWhiteSpace()
            guard let byte = current else { throw ParseError(offset: index) }
            switch byte {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try expect("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expect("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expect("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw ParseError(offset: index)
            }
        }

        private mutating func nested<T>(_ body: (inout Parser) throws(ParseError) -> T) throws(ParseError) -> T {
            guard depth < Self.maximumDepth else { throw ParseError(offset: index) }
            depth += 1
            defer { depth -= 1 }
            return try body(&self)
        }

        private mutating func object() throws(ParseError) -> JSONValue {
            try nested { (p: inout Parser) throws(ParseError) -> JSONValue in
                p.index += 1  // {
                var members: [(String, JSONValue)] = []
                p.skipWhiteSpace()
                if p.current == UInt8(ascii: "}") {
                    p.index += 1
                    return .object(members)
                }
                while true {
                    p.skipWhiteSpace()
                    guard p.current == UInt8(ascii: "\"") else { throw ParseError(offset: p.index) }
                    let key = try p.string()
                    p.skipWhiteSpace()
                    try p.expect(":")
                    members.append((key, try p.value()))
                    p.skipWhiteSpace()
                    switch p.current {
                    case UInt8(ascii: ","): p.index += 1
                    case UInt8(ascii: "}"):
                        p.index += 1
                        return .object(members)
                    default: throw ParseError(offset: p.index)
                    }
                }
            }
        }

        private mutating func array() throws(ParseError) -> JSONValue {
            try nested { (p: inout Parser) throws(ParseError) -> JSONValue in
                p.index += 1  // [
                var elements: [JSONValue] = []
                p.skipWhiteSpace()
                if p.current == UInt8(ascii: "]") {
                    p.index += 1
                    return .array(elements)
                }
                while true {
                    elements.append(try p.value())
                    p.skipWhiteSpace()
                    switch p.current {
                    case UInt8(ascii: ","): p.index += 1
                    case UInt8(ascii: "]"):
                        p.index += 1
                        return .array(elements)
                    default: throw ParseError(offset: p.index)
                    }
                }
            }
        }

        private mutating func number() throws(ParseError) -> String {
            let start = index
            if current == UInt8(ascii: "-") { index += 1 }
            guard try digits() > 0 else { throw ParseError(offset: index) }
            if current == UInt8(ascii: ".") {
                index += 1
                guard try digits() > 0 else { throw ParseError(offset: index) }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard try digits() > 0 else { throw ParseError(offset: index) }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        private mutating func digits() throws(ParseError) -> Int {
            let start = index
            while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
            return index - start
        }

        private mutating func string() throws(ParseError) -> String {
            index += 1  // "
            var scalars: [UInt8] = []
            while true {
                guard let byte = current else { throw ParseError(offset: index) }
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: scalars, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    try escape(into: &scalars)
                case 0..<0x20:
                    throw ParseError(offset: index - 1)
                default:
                    scalars.append(byte)
                }
            }
        }

        private mutating func escape(into output: inout [UInt8]) throws(ParseError) {
            guard let byte = current else { throw ParseError(offset: index) }
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(byte)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate: its low half must follow.
                    try expect("\\u")
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw ParseError(offset: index) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw ParseError(offset: index) }
                output.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                throw ParseError(offset: index - 1)
            }
        }

        private mutating func hex4() throws(ParseError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current, let digit = Self.hexValue(byte) else { throw ParseError(offset: index) }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        private static func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }
    }
}

/// One metadata value: text for ordinary keys, bytes for keys ending in `-bin`.
public enum MetadataValue: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    case text(String)
    case binary([UInt8])

    public init(stringLiteral value: String) { self = .text(value) }

    /// The text of a text value, or nil for bytes.
    public var text: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    /// The bytes of the value (UTF-8 for text).
    public var bytes: [UInt8] {
        switch self {
        case .text(let s): Array(s.utf8)
        case .binary(let b): b
        }
    }

    public var description: String {
        switch self {
        case .text(let s): s
        case .binary(let b): "\(b)"
        }
    }
}

/// Ordered key/value pairs sent with a call, like grpcio's tuple of `(key, value)` tuples.
///
/// Keys are lower-case; a key may repeat. Keys ending in `-bin` carry bytes:
/// ```swift
/// let md: Metadata = [("x-user", "ada"), ("trace-bin", .binary([0, 1, 2]))]
/// ```
public struct Metadata: Sendable, Hashable, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    RandomAccessCollection, CustomStringConvertible
{
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: MetadataValue
        public init(key: String, value: MetadataValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var entries: [Entry]

    public init() { entries = [] }

    public init(_ pairs: [(String, MetadataValue)]) {
        entries = pairs.map { Entry(key: $0.0, value: $0.1) }
    }

    public init(arrayLiteral elements: (String, MetadataValue)...) { self.init(elements) }

    public init(dictionaryLiteral elements: (String, MetadataValue)...) { self.init(elements) }

    public var startIndex: Int { entries.startIndex }
    public var endIndex: Int { entries.endIndex }
    public subscript(position: Int) -> Entry { entries[position] }

    /// Adds a pair at the end; the key is lower-cased as gRPC requires.
    public mutating func add(_ key: String, _ value: MetadataValue) {
        entries.append(Entry(key: key.lowercased(), value: value))
    }

    /// The first text value for `key`, or nil.
    public subscript(key: String) -> String? {
        entries.first { $0.key == key }?.value.text
    }

    /// Every value for `key`, in order.
    public func values(_ key: String) -> [MetadataValue] {
        entries.filter { $0.key == key }.map(\.value)
    }

    /// The first bytes value for a `-bin` key, or nil.
    public func binary(_ key: String) -> [UInt8]? {
        entries.first { $0.key == key }?.value.bytes
    }

    /// The pairs as tuples, like grpcio's metadata tuples.
    public var pairs: [(String, MetadataValue)] { entries.map { ($0.key, $0.value) } }

    public var description: String {
        "(" + entries.map { "(\($0.key), \($0.value))" }.joined(separator: ", ") + ")"
    }

    public static func + (lhs: Metadata, rhs: Metadata) -> Metadata {
        var result = lhs
        result.entries += rhs.entries
        return result
    }
}

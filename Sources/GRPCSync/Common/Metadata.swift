/// One metadata value: text for ordinary keys, bytes for keys ending in `-bin`.
public enum MetadataValue: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The value of an ordinary key: printable ASCII text, as gRPC's HTTP/2 mapping allows.
    case text(String)
    /// The value of a key ending in `-bin`: any bytes, sent base64-encoded (grpcio's `bytes` value).
    case binary([UInt8])

    /// A text value from a string literal: `("x-user", "ada")`.
    ///
    /// - Parameter value: The text.
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

    /// The text, or the bytes as an array literal (`[0, 1, 2]`).
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
    /// One key and its value.
    public struct Entry: Sendable, Hashable {
        /// The key; gRPC keys are lower-case.
        public var key: String
        /// The value: text, or bytes for a `-bin` key.
        public var value: MetadataValue

        /// A pair with its key as given.
        ///
        /// - Parameters:
        ///   - key: The key; gRPC keys are lower-case.
        ///   - value: The value: text, or bytes for a `-bin` key.
        public init(key: String, value: MetadataValue) {
            self.key = key
            self.value = value
        }
    }

    /// The pairs in order, repeated keys included.
    public private(set) var entries: [Entry]

    /// No metadata.
    public init() { entries = [] }

    /// The pairs in order, keys as given (``add(_:_:)`` lower-cases them).
    ///
    /// - Parameter pairs: Key/value pairs, like grpcio's `(key, value)` tuples.
    public init(_ pairs: [(String, MetadataValue)]) {
        entries = pairs.map { Entry(key: $0.0, value: $0.1) }
    }

    /// Metadata from an array literal of pairs: `[("x-user", "ada"), ("x-user", "bob")]`.
    ///
    /// - Parameter elements: Key/value pairs in order; a key may repeat.
    public init(arrayLiteral elements: (String, MetadataValue)...) { self.init(elements) }

    /// Metadata from a dictionary literal: `["x-user": "ada"]`, in the literal's order.
    ///
    /// - Parameter elements: Key/value pairs in order.
    public init(dictionaryLiteral elements: (String, MetadataValue)...) { self.init(elements) }

    /// The index of the first pair (0).
    public var startIndex: Int { entries.startIndex }
    /// The index past the last pair (the number of pairs).
    public var endIndex: Int { entries.endIndex }

    /// The pair at `position`.
    ///
    /// - Parameter position: An index from ``startIndex`` up to, not including, ``endIndex``.
    public subscript(position: Int) -> Entry { entries[position] }

    /// Adds a pair at the end; the key is lower-cased as gRPC requires.
    ///
    /// - Parameters:
    ///   - key: The key, lower-cased before it is added.
    ///   - value: Text, or bytes for a key ending in `-bin`.
    public mutating func add(_ key: String, _ value: MetadataValue) {
        entries.append(Entry(key: key.lowercased(), value: value))
    }

    /// The first text value for `key`, or nil (also when the first value is bytes).
    ///
    /// - Parameter key: The lower-case key.
    public subscript(key: String) -> String? {
        entries.first { $0.key == key }?.value.text
    }

    /// Every value for `key`, in order.
    ///
    /// - Parameter key: The lower-case key.
    /// - Returns: The values, empty when the key is absent.
    public func values(_ key: String) -> [MetadataValue] {
        entries.filter { $0.key == key }.map(\.value)
    }

    /// The bytes of the first value for `key` (a `-bin` key's bytes; UTF-8 for a text value).
    ///
    /// - Parameter key: The lower-case key, usually ending in `-bin`.
    /// - Returns: The bytes, or nil when the key is absent.
    public func binary(_ key: String) -> [UInt8]? {
        entries.first { $0.key == key }?.value.bytes
    }

    /// The pairs as tuples, like grpcio's metadata tuples.
    public var pairs: [(String, MetadataValue)] { entries.map { ($0.key, $0.value) } }

    /// The pairs as grpcio prints its metadata tuples: `((x-user, ada), (trace-bin, [0, 1]))`.
    public var description: String {
        "(" + entries.map { "(\($0.key), \($0.value))" }.joined(separator: ", ") + ")"
    }

    /// The pairs of `lhs` followed by those of `rhs`.
    ///
    /// - Parameters:
    ///   - lhs: The first pairs.
    ///   - rhs: The pairs that follow them.
    /// - Returns: Both, in order; repeated keys are kept.
    public static func + (lhs: Metadata, rhs: Metadata) -> Metadata {
        var result = lhs
        result.entries += rhs.entries
        return result
    }
}

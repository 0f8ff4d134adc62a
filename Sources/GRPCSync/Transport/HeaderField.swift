import CNGHTTP2

/// One HTTP/2 header field as sent or received.
struct HeaderField: Sendable {
    var name: String
    var value: [UInt8]

    init(_ name: String, _ value: [UInt8]) {
        self.name = name
        self.value = value
    }

    init(_ name: String, _ value: String) {
        self.name = name
        self.value = Array(value.utf8)
    }
}

extension Array where Element == HeaderField {
    /// Calls `body` with the fields as nghttp2 name/value pairs; nghttp2 copies them during the call.
    func withNameValuePairs<T>(_ body: (UnsafePointer<nghttp2_nv>, Int) -> T) -> T {
        var bytes: [UInt8] = []
        var spans: [(Int, Int, Int, Int)] = []
        spans.reserveCapacity(count)
        for field in self {
            let nameStart = bytes.count
            bytes.append(contentsOf: field.name.utf8)
            let valueStart = bytes.count
            bytes.append(contentsOf: field.value)
            spans.append((nameStart, valueStart - nameStart, valueStart, field.value.count))
        }
        bytes.append(0)
        return bytes.withUnsafeMutableBufferPointer { raw in
            let base = raw.baseAddress!
            var nvs = spans.map { span in
                nghttp2_nv(
                    name: base + span.0, value: base + span.2, namelen: span.1, valuelen: span.3,
                    flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            return nvs.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        }
    }
}

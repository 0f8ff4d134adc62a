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
    /// The names, values and pairs are laid out in temporary memory, on the stack when small, so
    /// a usual header block costs no allocation here (a large one, with big metadata, does).
    func withNameValuePairs<T>(_ body: (UnsafePointer<nghttp2_nv>, Int) -> T) -> T {
        var byteCount = 0
        for field in self { byteCount += field.name.utf8.count + field.value.count }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Swift.max(byteCount, 1)) { bytes in
            withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: Swift.max(count, 1)) { pairs in
                let base = bytes.baseAddress!
                var offset = 0
                for (index, field) in enumerated() {
                    var name = field.name
                    let nameStart = base + offset
                    let nameLength = name.withUTF8 { utf8 in
                        if let source = utf8.baseAddress { nameStart.initialize(from: source, count: utf8.count) }
                        return utf8.count
                    }
                    offset += nameLength
                    let valueStart = base + offset
                    field.value.withUnsafeBufferPointer { source in
                        if let start = source.baseAddress { valueStart.initialize(from: start, count: source.count) }
                    }
                    offset += field.value.count
                    pairs.initializeElement(
                        at: index,
                        to: nghttp2_nv(
                            name: nameStart, value: valueStart, namelen: nameLength, valuelen: field.value.count,
                            flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
                }
                return body(UnsafePointer(pairs.baseAddress!), count)
            }
        }
    }
}

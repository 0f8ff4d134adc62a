@testable import GRPCSync

/// The metadata codecs: base64 of `-bin` values, percent-encoding of `grpc-message`, `grpc-timeout`
/// and received metadata. Beyond not crashing, each encoding must decode back to what it encoded.
///
/// Input: a control byte (which codec), then the text or bytes.
public enum MetadataTarget {
    public static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let control = input.byte()
        let bytes = input.rest()
        switch control % 5 {
        case 0:
            let encoded = WireFormat.base64Encode(bytes)
            precondition(WireFormat.base64Decode(Array(encoded.utf8)) == bytes, "base64 does not round-trip")
        case 1:
            if let decoded = WireFormat.base64Decode(bytes) {
                let again = WireFormat.base64Encode(decoded)
                precondition(WireFormat.base64Decode(Array(again.utf8)) == decoded, "base64 does not round-trip")
            }
            _ = WireFormat.decodeBinaryValues(bytes)
        case 2:
            let text = WireFormat.percentDecode(bytes)
            let encoded = WireFormat.percentEncode(text)
            precondition(WireFormat.percentDecode(Array(encoded.utf8)) == text, "percent-encoding does not round-trip")
        case 3:
            if let nanoseconds = WireFormat.decodeTimeout(String(decoding: bytes, as: UTF8.self)) {
                let encoded = WireFormat.encodeTimeout(nanoseconds: nanoseconds)
                precondition(WireFormat.decodeTimeout(encoded) != nil, "an encoded timeout does not decode")
            }
        default:
            let split = bytes.firstIndex(of: 0) ?? bytes.count
            let name = String(decoding: bytes[..<split], as: UTF8.self)
            let value = Array(bytes[min(split + 1, bytes.count)...])
            var metadata = Metadata()
            if WireFormat.appendReceived(name: name, value: value, to: &metadata) {
                for entry in metadata where name.hasSuffix("-bin") {
                    let sent = WireFormat.headerValue(entry)
                    precondition(
                        WireFormat.decodeBinaryValues(sent) == [entry.value.bytes], "-bin value does not round-trip")
                }
            }
        }
    }
}

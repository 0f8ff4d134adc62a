@testable import GRPCSync

/// The header rules: a block's fields kept up to the metadata limit (``HeaderBlock``), then read
/// as a request head (server), response headers or trailers (client), with `-bin` values, timeouts,
/// content types, encodings and statuses of any form.
///
/// Input: a control byte (the metadata limit and which reading), then fields, each a name length
/// byte, the name, a value length byte and the value.
public enum HeadersTarget {
    public static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let control = Int(input.byte())
        let limit = [64, 1024, 8 * 1024][control % 3]
        var block = HeaderBlock()
        block.begin()
        while !input.isAtEnd {
            let name = input.take(Int(input.byte()))
            let value = input.take(Int(input.byte()))
            let kept = name.withUnsafeBufferPointer { name in
                value.withUnsafeBufferPointer { value in block.append(name: name, value: value, limit: limit) }
            }
            if !kept { break }
        }
        guard case .success(let fields) = block.finish() else { return }
        switch control / 3 % 4 {
        case 0:
            if case .accept(let head) = GRPCHeaders.checkRequest(fields) {
                precondition(!head.path.isEmpty, "a request head without a path was accepted")
            }
        case 1:
            _ = GRPCHeaders.checkResponse(fields, endStream: false)
        case 2:
            _ = GRPCHeaders.checkResponse(fields, endStream: true)
        default:
            let status = GRPCHeaders.status(fromTrailers: fields)
            _ = GRPCHeaders.trailers(status: status)
        }
    }
}

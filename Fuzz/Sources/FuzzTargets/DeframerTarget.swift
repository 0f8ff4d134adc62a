@testable import GRPCSync

/// The deframer with the stream's flow-control accounting (``InboundMessages``): length prefixes,
/// flags and compressed messages fed in pieces of any size. Beyond not crashing, every byte received
/// must be given back to the peer's window and freed from the connection's budget exactly once.
///
/// Input: a control byte (the receive limit and the stream's encoding), a piece size, then the
/// stream's bytes.
public enum DeframerTarget {
    public static func run(_ data: UnsafeRawBufferPointer) {
        var input = FuzzInput(data)
        let control = Int(input.byte())
        let limit = [16, 1024, 4 * 1024 * 1024][control % 3]
        let encoding = [Compression.noCompression, .gzip, .deflate][control / 3 % 3]
        let takesAsItGoes = control / 9 % 2 == 0
        let pieceSize = Int(input.byte()) + 1
        let stream = input.rest()

        var messages = InboundMessages(maxMessageLength: limit)
        messages.setEncoding(encoding)
        var released = 0
        var freed = 0
        var offset = 0
        func takeAll() {
            while let taken = messages.take() {
                precondition(taken.message.bytes.count <= limit, "a message over the receive limit was delivered")
                released += taken.release
                freed += taken.freed
            }
        }
        while offset < stream.count {
            let end = min(stream.count, offset + pieceSize)
            let piece = stream[offset..<end]
            offset = end
            do {
                released += try piece.withUnsafeBytes { try messages.receive($0) }
            } catch {
                // The failed piece goes back to the window at once; the call ends.
                released += piece.count
                let dropped = messages.dropAll()
                released += dropped.release
                freed += dropped.freed
                check(received: offset, released: released, freed: freed)
                return
            }
            if takesAsItGoes { takeAll() }
        }
        takeAll()
        let dropped = messages.dropAll()
        released += dropped.release
        freed += dropped.freed
        check(received: stream.count, released: released, freed: freed)
    }

    private static func check(received: Int, released: Int, freed: Int) {
        precondition(released == received, "window: \(received) bytes received, \(released) given back")
        precondition(freed == received, "budget: \(received) bytes received, \(freed) freed")
    }
}

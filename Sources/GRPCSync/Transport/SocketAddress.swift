import CLinux
import Glibc

/// A resolved socket address (IPv4, IPv6 or a Unix path).
struct SocketAddress: Sendable, CustomStringConvertible {
    var storage: sockaddr_storage
    var length: socklen_t

    var family: Int32 { Int32(storage.ss_family) }

    /// The address for a Unix domain socket at `path`.
    init(unixPath path: String) throws {
        try self.init(unixName: path, abstract: false)
    }

    /// The address of a Unix domain socket named `name` in the abstract namespace (a NUL byte,
    /// then the name, its length exact).
    init(abstractUnixName name: String) throws {
        try self.init(unixName: name, abstract: true)
    }

    private init(unixName name: String, abstract: Bool) throws {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8)
        let offset = abstract ? 1 : 0
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else {
            throw UsageError(
                "\(abstract ? "abstract unix socket name" : "unix socket path") \"\(name)\" is longer than \(capacity - 1) bytes"
            )
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i + offset] = b }
        }
        storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in
            withUnsafeBytes(of: addr) { src in dst.copyMemory(from: src) }
        }
        length =
            abstract
            ? socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count) : socklen_t(MemoryLayout<sockaddr_un>.size)
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// Resolves `host` (a name or a literal address) and `port`, in the resolver's order.
    static func resolve(host: String, port: Int, passive: Bool = false) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : 0
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &result)
        guard rc == 0, let first = result else {
            throw NameResolution.LookupFailed(host: host, code: rc)
        }
        defer { freeaddrinfo(result) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { dst in
                dst.copyMemory(
                    from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
            }
            let address = SocketAddress(storage: storage, length: info.pointee.ai_addrlen)
            if !addresses.contains(where: { $0.description == address.description }) { addresses.append(address) }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    /// `ipv4:1.2.3.4:80`, `ipv6:[::1]:80` or `unix:/path`, as grpcio's `context.peer()` writes them.
    var description: String {
        var copy = storage
        switch family {
        case AF_INET:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var addr = sin.pointee.sin_addr
                    var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                    inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
                    return
                        "ipv4:\(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)):\(UInt16(bigEndian: sin.pointee.sin_port))"
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var addr = sin6.pointee.sin6_addr
                    let port = UInt16(bigEndian: sin6.pointee.sin6_port)
                    let bytes = withUnsafeBytes(of: addr) { Array($0) }
                    if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                        // An IPv4 client on a dual-stack socket: shown as IPv4, as grpcio does.
                        return "ipv4:\(bytes[12]).\(bytes[13]).\(bytes[14]).\(bytes[15]):\(port)"
                    }
                    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                    inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
                    return
                        "ipv6:[\(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))]:\(port)"
                }
            }
        case AF_UNIX:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { sun in
                    let pathLength = Int(length) - MemoryLayout<sa_family_t>.size
                    return withUnsafeBytes(of: sun.pointee.sun_path) { raw in
                        if pathLength > 0 && raw[0] == 0 {  // abstract: the name after a NUL byte
                            return
                                "unix-abstract:\(String(decoding: raw[1..<min(pathLength, raw.count)], as: UTF8.self))"
                        }
                        return "unix:\(String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self))"
                    }
                }
            }
        default:
            return "unknown"
        }
    }

    /// The port of an IP address (0 for Unix sockets).
    var port: Int {
        var copy = storage
        switch family {
        case AF_INET:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
        default:
            return 0
        }
    }
}

extension SocketAddress {
    /// Sets the port of an IP address.
    mutating func setPort(_ port: Int) {
        withUnsafeMutableBytes(of: &storage) { raw in
            let value = UInt16(port).bigEndian
            // sin_port and sin6_port both sit right after the 2-byte family.
            raw.storeBytes(of: value, toByteOffset: 2, as: UInt16.self)
        }
    }
}

extension SocketAddress {
    /// Whether `host` is a literal IPv4 or IPv6 address rather than a name.
    static func isNumericHost(_ host: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1
    }

    /// The text of a raw IPv4 (4 bytes) or IPv6 (16 bytes) address, as `inet_ntop` writes it.
    static func text(ofIPAddress bytes: [UInt8]) -> String? {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil else { return nil }
        return String(cString: text)
    }

    /// Whether the address is on this machine: a Unix socket, or a loopback IP address.
    var isLocal: Bool {
        var copy = storage
        switch family {
        case AF_UNIX:
            return true
        case AF_INET:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { bytes in
                        // ::1, or an IPv4 loopback address mapped into IPv6 (::ffff:127.x.x.x).
                        let loopback = bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1
                        let mapped = bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
                        return loopback || (mapped && bytes[12] == 127)
                    }
                }
            }
        default:
            return false
        }
    }
}

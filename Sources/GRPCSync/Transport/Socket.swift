import CLinux
import Glibc

/// Thin wrappers over the socket system calls, returning errors that name the address.
enum Socket {
    static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Closes a descriptor.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A non-blocking socket bound to `address`; ``listen(_:displayName:)`` opens it for clients.
    /// Binds a new socket to `address`; with `reusePort`, other sockets may bind the same port
    /// (`SO_REUSEPORT`, grpc's `grpc.so_reuseport`), and connections are spread among them.
    static func bind(to address: SocketAddress, displayName: String, reusePort: Bool = false) throws -> Int32 {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw UsageError("cannot create a socket for \(displayName): \(errorText())") }
        var one: Int32 = 1
        if address.family != AF_UNIX {
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if reusePort { _ = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        }
        if address.family == AF_INET6 {
            var zero: Int32 = 0  // accept IPv4 too on [::]
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &zero, socklen_t(MemoryLayout<Int32>.size))
        }
        var storage = address.storage
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, address.length) }
        }
        guard rc == 0 else {
            let reason = errorText()
            close(fd)
            throw UsageError("cannot bind \(displayName): \(reason)")
        }
        setNonBlocking(fd)
        return fd
    }

    /// Starts accepting connections on a bound socket.
    static func listen(_ fd: Int32, displayName: String) throws {
        guard Glibc.listen(fd, 1024) == 0 else {
            throw UsageError("cannot listen on \(displayName): \(errorText())")
        }
    }

    /// The local address a socket is bound to.
    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return rc == 0 ? SocketAddress(storage: storage, length: length) : nil
    }

    /// Accepts one pending connection as a non-blocking socket, or nil (with `errno` set) when
    /// none is pending or the accept failed.
    static func accept(_ listener: Int32) -> (fd: Int32, peer: SocketAddress)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                accept4(listener, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        guard fd >= 0 else { return nil }
        return (fd, SocketAddress(storage: storage, length: length))
    }
}

import Glibc

/// A parsed gRPC target or server address: `host:port`, `dns:///host:port`, `ipv4:a.b.c.d:port`
/// (a list: `ipv4:a:p,b:p`), `ipv6:[::1]:port` (`ipv6:[a]:p,[b]:p`), `unix:path`,
/// `unix:///abs/path`, `unix-abstract:name`, `[::]:0`.
struct Target: Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case hostPort(host: String, port: Int)
        case unix(path: String)
        /// A socket in the abstract namespace (`unix-abstract:name`).
        case unixAbstract(name: String)
        /// Literal addresses (`ipv4:` and `ipv6:` targets), tried in order.
        case addresses([SocketAddress], authority: String)
    }

    /// A target whose `ipv4:`/`ipv6:` address list does not parse; grpc refuses the channel
    /// (every call fails UNKNOWN with ``reason``).
    struct InvalidURI: Error {
        let text: String
        var reason: String { "the target uri is not valid: \(text)" }
    }

    let kind: Kind
    let text: String

    var description: String { text }

    /// The `:authority` a client sends for this target.
    var authority: String {
        switch kind {
        case .hostPort(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix, .unixAbstract: "localhost"
        case .addresses(_, let authority): authority
        }
    }

    /// The host part of an authority: `[::1]:443` → `::1`, `host:443` → `host`, `host` → `host`.
    static func host(ofAuthority authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        let colons = authority.filter { $0 == ":" }.count
        if colons == 1, let colon = authority.firstIndex(of: ":") { return String(authority[..<colon]) }
        return authority
    }

    init(parsing text: String, defaultPort: Int?) throws {
        self.text = text
        if text.hasPrefix("unix-abstract:") {
            kind = .unixAbstract(name: String(text.dropFirst("unix-abstract:".count)))
            return
        }
        // A channel's ipv4:/ipv6: target is a list of literal addresses, each with its port, as
        // grpc's resolver for them reads it.
        for (scheme, family) in [("ipv4:", AF_INET), ("ipv6:", AF_INET6)]
        where defaultPort != nil && text.hasPrefix(scheme) {
            let list = String(text.dropFirst(scheme.count))
            let addresses = try list.split(separator: ",").map { entry in
                guard let address = Self.literalAddress(entry, family: family) else { throw InvalidURI(text: text) }
                return address
            }
            guard !addresses.isEmpty else { throw InvalidURI(text: text) }
            kind = .addresses(addresses, authority: list)
            return
        }
        if text.hasPrefix("unix:") {
            var path = String(text.dropFirst("unix:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw UsageError("target \"\(text)\" has no socket path") }
            kind = .unix(path: path)
            return
        }
        var rest = Substring(text)
        for scheme in ["dns:///", "dns:", "ipv4:", "ipv6:"] where rest.hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
            break
        }
        let host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw UsageError("target \"\(text)\" has an unclosed [") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw UsageError("target \"\(text)\" has text after ]")
            }
        } else if let colon = rest.lastIndex(of: ":"), rest.firstIndex(of: ":") == colon {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        // A channel's target must name a host (an empty one would dial this machine's port 443);
        // a server's address may leave it out (`:50051`: every interface).
        if host.isEmpty && defaultPort != nil { throw UsageError("target \"\(text)\" names no host") }
        let port: Int
        if let portText {
            guard let p = Int(portText), (0...65535).contains(p) else {
                throw UsageError("target \"\(text)\" has an invalid port \"\(portText)\"")
            }
            port = p
        } else if let defaultPort {
            port = defaultPort
        } else {
            throw UsageError("address \"\(text)\" has no port")
        }
        kind = .hostPort(host: String(host), port: port)
    }

    /// Whether the target names a host the resolver must look up (not a literal address, not a
    /// Unix socket): only such targets are resolved off the caller's thread, and again later.
    var needsLookup: Bool {
        guard case .hostPort(let host, _) = kind else { return false }
        var bytes = in6_addr()
        return inet_pton(AF_INET, host, &bytes) != 1 && inet_pton(AF_INET6, host, &bytes) != 1
    }

    /// The name a resolution failure names: `host:port`, as grpc names it.
    var nameToResolve: String {
        if case .hostPort(let host, let port) = kind { return "\(host):\(port)" }
        return text
    }

    /// The addresses to try, in order.
    func resolve(passive: Bool = false) throws -> [SocketAddress] {
        switch kind {
        case .unix(let path): [try SocketAddress(unixPath: path)]
        case .hostPort(let host, let port): try SocketAddress.resolve(host: host, port: port, passive: passive)
        case .unixAbstract(let name): [try SocketAddress(abstractUnixName: name)]
        case .addresses(let addresses, _): addresses
        }
    }

    /// `a.b.c.d:port` (IPv4) or `[addr]:port` (IPv6), the port required, as an address of
    /// `family`; nil when it is not one.
    private static func literalAddress(_ entry: Substring, family: Int32) -> SocketAddress? {
        let host: Substring
        let port: Substring
        if family == AF_INET6 {
            guard entry.hasPrefix("["), let close = entry.firstIndex(of: "]"),
                entry[entry.index(after: close)...].hasPrefix(":")
            else { return nil }
            host = entry[entry.index(after: entry.startIndex)..<close]
            port = entry[entry.index(close, offsetBy: 2)...]
        } else {
            guard let colon = entry.firstIndex(of: ":") else { return nil }
            host = entry[..<colon]
            port = entry[entry.index(after: colon)...]
        }
        var bytes = in6_addr()
        guard inet_pton(family, String(host), &bytes) == 1, let number = Int(port), (0...65535).contains(number),
            let address = try? SocketAddress.resolve(host: String(host), port: number).first
        else { return nil }
        return address
    }
}

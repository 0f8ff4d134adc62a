/// Dials a channel's subchannel: tries its addresses in order, with happy eyeballs
/// (``HappyEyeballs``: an address that has not answered within the attempt delay no longer holds
/// up the next), starting an HTTP/2 client connection on the first that accepts, completes the TLS handshake (with TLS) and sends
/// its SETTINGS. Runs on a channel's connecting thread with no lock held (the handshake itself
/// runs on the connection's loop); an attempt waits at most until `deadline` (its channel's
/// backoff gives it at least gRPC's minimum connect timeout, 20 s by default).
enum Connector {
    /// What a subchannel dials: one address of its target.
    typealias Address = SocketAddress

    /// How a subchannel's connection attempt reaches its addresses: ``connect(to:security:limits:deadline:delegate:)``,
    /// or another way in socket-free tests (``HTTP2Connection/dial(over:connected:)``).
    typealias Dial =
        @Sendable (
            _ addresses: [SocketAddress], _ security: ClientSecurity, _ limits: ConnectionLimits,
            _ deadline: Deadline, _ delegate: any ClientConnectionDelegate
        ) -> Result<any ClientConnection, RPCError>

    static func connect(
        to addresses: [SocketAddress], security: ClientSecurity, limits: ConnectionLimits, deadline: Deadline,
        delegate: any ClientConnectionDelegate
    ) -> Result<any ClientConnection, RPCError> {
        if case .unusable(let error) = security {
            return .failure(RPCError(.failedToConnect(lastError: "\(error)")))
        }
        var lastError = "no addresses"
        var candidates: [SocketAddress] = []
        for address in addresses {
            if case .local(let kind) = security, !kind.accepts(address) {
                lastError = "\(address): \(kind.refusal)"
            } else {
                candidates.append(address)
            }
        }
        // Happy eyeballs over the candidates; a connection that fails its handshake sends the
        // attempts on to the addresses after it.
        while !candidates.isEmpty {
            let fd: Int32
            let address: SocketAddress
            do {
                (fd, address) = try HappyEyeballs.connect(
                    to: candidates, attemptDelay: limits.connectionAttemptDelay, deadline: deadline)
            } catch {
                lastError = error.lastError
                break
            }
            let index = candidates.firstIndex { $0.description == address.description } ?? candidates.count - 1
            candidates.removeFirst(index + 1)
            var tls: TLSContext?
            var serverName: String?
            if case .tls(let context, let name) = security {
                tls = context
                serverName = name
            }
            guard
                let connection = HTTP2Connection.client(
                    fd: fd, peer: address, loop: delegate.loop, limits: limits, tls: tls,
                    serverName: serverName, isLocal: security.isLocal, delegate: delegate)
            else {
                lastError = "\(address): no memory for a connection"
                continue
            }
            do {
                try connection.waitUntilReady(until: deadline)
            } catch {
                connection.close(failingStreamsWith: .connectionClosed)
                lastError = "\(address): \(error.details)"
                continue
            }
            return .success(connection)
        }
        return .failure(RPCError(.failedToConnect(lastError: lastError)))
    }
}

extension LocalConnectionKind {
    /// Why an address is refused.
    var refusal: String {
        switch self {
        case .unixSocket: "local credentials of type UDS need a Unix domain socket"
        case .loopbackTCP: "local credentials of type LOCAL_TCP need a loopback address"
        }
    }
}

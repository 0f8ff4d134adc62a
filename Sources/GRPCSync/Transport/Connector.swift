/// Dials a channel's target: resolves it and tries each address in order (pick_first), starting
/// an HTTP/2 client connection on the first that accepts, completes the TLS handshake (with
/// TLS) and sends its SETTINGS. Runs on a channel's connecting thread with no lock held (the
/// handshake itself runs on the connection's loop); an attempt waits at most until `deadline`
/// (its channel's backoff gives it at least gRPC's minimum connect timeout, 20 s by default).
enum Connector {
    /// How a channel's connection attempt reaches its target: ``connect(to:security:limits:deadline:delegate:)``,
    /// or another way in socket-free tests and fuzzing (``HTTP2Connection/dial(over:connected:)``).
    typealias Dial =
        @Sendable (
            _ target: Target, _ security: ClientSecurity, _ limits: ConnectionLimits, _ deadline: Deadline,
            _ delegate: any ClientConnectionDelegate
        ) -> Result<any ClientConnection, RPCError>

    static func connect(
        to target: Target, security: ClientSecurity, limits: ConnectionLimits, deadline: Deadline,
        delegate: any ClientConnectionDelegate
    ) -> Result<any ClientConnection, RPCError> {
        if case .unusable(let error) = security {
            return .failure(RPCError(.failedToConnect(lastError: "\(error)")))
        }
        let addresses: [SocketAddress]
        do {
            addresses = try target.resolve()
        } catch {
            return .failure(RPCError(.resolutionFailed(target: target.text, reason: "\(error)")))
        }
        var lastError = "no addresses"
        for address in addresses {
            if case .local(let kind) = security, !kind.accepts(address) {
                lastError = "\(address): \(kind.refusal)"
                continue
            }
            let attemptDeadline = deadline
            do {
                let fd = try Socket.connect(to: address, deadline: attemptDeadline)
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
                    try connection.waitUntilReady(until: attemptDeadline)
                } catch {
                    connection.close(failingStreamsWith: .connectionClosed)
                    lastError = "\(address): \(error.details)"
                    continue
                }
                return .success(connection)
            } catch {
                lastError = "\(error)"
            }
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

/// Dials a channel's target: resolves it and tries each address in order (pick_first), starting
/// an HTTP/2 client connection on the first that accepts, completes the TLS handshake (with
/// TLS) and sends its SETTINGS. Runs on the caller's thread with no lock held (the handshake itself runs on the
/// connection's loop); a connect waits at most until `deadline`, and 20 s per address.
enum Connector {
    /// gRPC's minimum connect timeout, which bounds each address's attempt (TCP and handshake).
    static let connectTimeout = 20.0

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
            let attemptDeadline = min(deadline, .after(seconds: connectTimeout))
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
                        fd: fd, peer: address, loop: EventLoopGroup.shared.next(), limits: limits, tls: tls,
                        serverName: serverName, isLocal: security.isLocal, delegate: delegate)
                else {
                    lastError = "\(address): no memory for a connection"
                    continue
                }
                do {
                    try connection.waitUntilReady(until: attemptDeadline)
                } catch {
                    connection.close(failingStreamsWith: .connectionClosed)
                    // The call's own deadline, not the connect timeout, ran out.
                    if deadline.hasPassed { return .failure(RPCError(.deadlineExceeded)) }
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

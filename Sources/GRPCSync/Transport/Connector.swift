/// Dials a channel's target: resolves it and tries each address in order (pick_first), starting
/// an HTTP/2 client connection on the first that accepts. Runs on the caller's thread with no
/// lock held; a connect waits at most until `deadline` (and 20 s per address).
enum Connector {
    static func connect(
        to target: Target, limits: ConnectionLimits, deadline: Deadline, delegate: any ClientConnectionDelegate
    ) -> Result<any ClientConnection, RPCError> {
        let addresses: [SocketAddress]
        do {
            addresses = try target.resolve()
        } catch {
            return .failure(RPCError(.resolutionFailed(target: target.text, reason: "\(error)")))
        }
        var lastError = "no addresses"
        for address in addresses {
            do {
                let fd = try Socket.connect(to: address, deadline: deadline)
                guard
                    let connection = HTTP2Connection.client(
                        fd: fd, peer: address, loop: EventLoopGroup.shared.next(), limits: limits, delegate: delegate)
                else {
                    lastError = "no memory for an HTTP/2 session"
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

import GRPCSync

/// A GRPCSync server on a free local port, with servicers registered through the generated
/// `add…ServicerToServer` functions, and a channel to it.
///
/// `GRPCSync.` is spelled out because the golden no_package.proto defines messages named
/// `Server` and `Channel`.
final class GoldenServer {
    let server: GRPCSync.Server
    let channel: GRPCSync.Channel
    /// An async channel to the server, for the async stubs.
    let asyncChannel: GRPCSync.AIO.Channel

    init(register: (GRPCSync.Server) -> Void) throws {
        server = GRPCSync.Server(ThreadPoolExecutor(maxWorkers: 8))
        register(server)
        let port = try server.addInsecurePort("127.0.0.1:0")
        try server.start()
        channel = insecureChannel("127.0.0.1:\(port)")
        asyncChannel = AIO.insecureChannel("127.0.0.1:\(port)")
    }

    func stop() {
        channel.close()
        let asyncChannel = asyncChannel
        Task { await asyncChannel.close() }
        server.stop(grace: nil).wait(timeout: 5)
    }
}

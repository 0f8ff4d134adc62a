import Logging

/// grpcio's asynchronous flavour, `grpc.aio`, with Swift's async/await: the same calls as the
/// blocking API, on the same transport, awaited instead of waited for.
///
/// ```swift
/// let channel = AIO.insecureChannel("localhost:50051")
/// let stub = Helloworld_GreeterAsyncStub(channel)
/// let reply = try await stub.sayHello(.with { $0.name = "you" }, timeout: 5)
/// for try await feature in try routeGuide.listFeatures(rectangle) { print(feature) }
/// await channel.close()
///
/// let server = AIO.server()
/// addGreeterServicerToServer(Greeter(), server)  // Greeter: Helloworld_GreeterAsyncServicer
/// _ = try server.addInsecurePort("[::]:50051")
/// try await server.start()
/// await server.waitForTermination()
/// ```
///
/// An awaiting call holds no thread: its task suspends, and the thread that reads the
/// connection resumes it. Cancelling the task cancels the call (CANCELLED, RST_STREAM on the
/// wire). A server's async handlers run as tasks, cancelled when their call ends first. One
/// process may mix blocking and async calls and servers.
public enum AIO {
    /// Makes a channel without transport security (`grpc.aio.insecure_channel(target, options,
    /// compression)`). Nothing connects until the first call.
    ///
    /// - Parameters:
    ///   - target: Where to connect, as for the blocking ``insecureChannel(_:options:compression:logger:)``.
    ///   - options: grpcio's options; `docs/porting.md` lists what each key does here.
    ///   - compression: The algorithm requests are compressed with, unless a call chooses otherwise.
    ///   - interceptors: Client interceptors every call goes through, outermost first
    ///     (``AIO/UnaryUnaryClientInterceptor`` and its three siblings).
    ///   - logger: Where the channel logs (swift-log); nil: the default that honours
    ///     `GRPC_VERBOSITY` and `GRPC_TRACE`.
    /// - Returns: The channel; close it with ``AIO/Channel/close(grace:)``.
    public static func insecureChannel(
        _ target: String, options: [(String, OptionValue)] = [], compression: Compression? = nil,
        interceptors: [any ClientInterceptor] = [], logger: Logger? = nil
    ) -> Channel {
        Channel(
            transport: ChannelTransport(target: target, options: options, compression: compression, logger: logger),
            interceptors: interceptors)
    }

    /// Makes a channel whose connections are secured by `credentials`
    /// (`grpc.aio.secure_channel(target, credentials, options, compression)`).
    ///
    /// - Parameters:
    ///   - target: Where to connect, as for the blocking ``insecureChannel(_:options:compression:logger:)``.
    ///   - credentials: TLS or local credentials, possibly with call credentials
    ///     (``compositeChannelCredentials(_:_:_:)``).
    ///   - options: grpcio's options; `grpc.ssl_target_name_override` names the host the server's
    ///     certificate must match.
    ///   - compression: The algorithm requests are compressed with, unless a call chooses otherwise.
    ///   - interceptors: Client interceptors every call goes through, outermost first.
    ///   - logger: Where the channel logs (swift-log); nil: the default.
    /// - Returns: The channel; close it with ``AIO/Channel/close(grace:)``.
    public static func secureChannel(
        _ target: String, _ credentials: ChannelCredentials, options: [(String, OptionValue)] = [],
        compression: Compression? = nil, interceptors: [any ClientInterceptor] = [], logger: Logger? = nil
    ) -> Channel {
        Channel(
            transport: ChannelTransport(
                target: target, options: options, compression: compression, credentials: credentials, logger: logger),
            interceptors: interceptors)
    }
}

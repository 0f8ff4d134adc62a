import Logging

/// A channel to one target, like grpcio's `grpc.Channel`. Connects lazily on the first call,
/// trying each resolved address in order (pick_first), retries a failed connection with grpc's
/// backoff, and connects anew after its connection closed, drained or went unused for
/// `grpc.client_idle_timeout_ms`. Its connectivity can be watched with
/// ``subscribe(_:tryToConnect:)`` and awaited with ``channelReadyFuture(_:)``.
///
/// ```swift
/// let channel = insecureChannel("localhost:50051")
/// defer { channel.close() }
/// let stub = Helloworld_GreeterStub(channel)
/// ```
public final class Channel: Sendable {
    /// The connection and settings, shared with every channel intercepted from this one.
    let transport: ChannelTransport
    /// The client interceptors calls on this channel go through, outermost first.
    let interceptors: [any ClientInterceptor]

    init(transport: ChannelTransport, interceptors: [any ClientInterceptor]) {
        self.transport = transport
        self.interceptors = interceptors
    }

    /// The target the channel was made for.
    public var target: String { transport.target }

    /// Closes the channel (`channel.close()`): active calls end with CANCELLED "Channel closed!".
    /// Closing an intercepted channel closes the channel it was made from, as in grpcio.
    public func close() { transport.close() }

    // MARK: multicallables

    /// A unary-unary method (`channel.unary_unary(method, request_serializer=, response_deserializer=)`).
    ///
    /// - Parameters:
    ///   - method: The full method path, `/package.Service/Method`.
    ///   - requestSerializer: Turns a request into bytes; what it throws fails the call INTERNAL
    ///     "Exception serializing request!".
    ///   - responseDeserializer: Turns a response's bytes into a `Response`; what it throws fails
    ///     the call INTERNAL "Exception deserializing response!".
    /// - Returns: The multicallable; making it opens no connection.
    public func unaryUnary<Request, Response>(
        _ method: String,
        requestSerializer: @escaping Serializer<Request>,
        responseDeserializer: @escaping Deserializer<Response>
    ) -> UnaryUnaryMultiCallable<Request, Response> {
        UnaryUnaryMultiCallable(binding: binding(method, requestSerializer, responseDeserializer))
    }

    /// A unary-stream method (`channel.unary_stream`).
    ///
    /// - Parameters:
    ///   - method: The full method path, `/package.Service/Method`.
    ///   - requestSerializer: Turns a request into bytes; what it throws fails the call INTERNAL
    ///     "Exception serializing request!".
    ///   - responseDeserializer: Turns a response's bytes into a `Response`; what it throws fails
    ///     the call INTERNAL "Exception deserializing response!".
    /// - Returns: The multicallable; making it opens no connection.
    public func unaryStream<Request, Response>(
        _ method: String,
        requestSerializer: @escaping Serializer<Request>,
        responseDeserializer: @escaping Deserializer<Response>
    ) -> UnaryStreamMultiCallable<Request, Response> {
        UnaryStreamMultiCallable(binding: binding(method, requestSerializer, responseDeserializer))
    }

    /// A stream-unary method (`channel.stream_unary`).
    ///
    /// - Parameters:
    ///   - method: The full method path, `/package.Service/Method`.
    ///   - requestSerializer: Turns a request into bytes; what it throws fails the call INTERNAL
    ///     "Exception serializing request!".
    ///   - responseDeserializer: Turns a response's bytes into a `Response`; what it throws fails
    ///     the call INTERNAL "Exception deserializing response!".
    /// - Returns: The multicallable; making it opens no connection.
    public func streamUnary<Request, Response>(
        _ method: String,
        requestSerializer: @escaping Serializer<Request>,
        responseDeserializer: @escaping Deserializer<Response>
    ) -> StreamUnaryMultiCallable<Request, Response> {
        StreamUnaryMultiCallable(binding: binding(method, requestSerializer, responseDeserializer))
    }

    /// A stream-stream method (`channel.stream_stream`).
    ///
    /// - Parameters:
    ///   - method: The full method path, `/package.Service/Method`.
    ///   - requestSerializer: Turns a request into bytes; what it throws fails the call INTERNAL
    ///     "Exception serializing request!".
    ///   - responseDeserializer: Turns a response's bytes into a `Response`; what it throws fails
    ///     the call INTERNAL "Exception deserializing response!".
    /// - Returns: The multicallable; making it opens no connection.
    public func streamStream<Request, Response>(
        _ method: String,
        requestSerializer: @escaping Serializer<Request>,
        responseDeserializer: @escaping Deserializer<Response>
    ) -> StreamStreamMultiCallable<Request, Response> {
        StreamStreamMultiCallable(binding: binding(method, requestSerializer, responseDeserializer))
    }

    private func binding<Request, Response>(
        _ method: String, _ serializer: @escaping Serializer<Request>, _ deserializer: @escaping Deserializer<Response>
    ) -> MethodBinding<Request, Response> {
        MethodBinding(
            transport: transport, interceptors: interceptors, method: method, serializer: serializer,
            deserializer: deserializer)
    }
}

/// Makes a channel without transport security (`grpc.insecure_channel(target, options, compression)`).
///
/// Targets: `host:port`, `dns:///host:port`, `ipv4:1.2.3.4:port`, `ipv6:[::1]:port`, `unix:path`,
/// `unix:///absolute/path`. Nothing connects until the first call.
/// `compression` compresses the requests of every call that does not choose otherwise (see
/// ``Compression``).
///
/// - Parameters:
///   - target: Where to connect (forms above).
///   - options: grpcio's options: `[("grpc.max_receive_message_length", 16 << 20)]`; `docs/porting.md`
///     lists what each key does here.
///   - compression: The algorithm requests are compressed with, unless a call chooses otherwise.
///   - logger: Where the channel logs its connections' events (swift-log); nil: a default that
///     honours `GRPC_VERBOSITY` and `GRPC_TRACE`, as grpcio's core does.
/// - Returns: The channel; close it with ``Channel/close()``.
public func insecureChannel(
    _ target: String, options: [(String, OptionValue)] = [], compression: Compression? = nil, logger: Logger? = nil
) -> Channel {
    Channel(
        transport: ChannelTransport(target: target, options: options, compression: compression, logger: logger),
        interceptors: [])
}

/// A channel whose calls go through `interceptors` (`grpc.intercept_channel(channel, *interceptors)`).
/// The first interceptor listed runs outermost: it sees the call first and its outcome last. Each
/// interceptor takes part only in the kinds of call whose protocol it adopts
/// (``UnaryUnaryClientInterceptor`` and its three siblings). The new channel shares `channel`'s
/// connection; intercepting an intercepted channel puts the new interceptors outside the old ones.
///
/// - Parameters:
///   - channel: The channel whose connection the calls use.
///   - interceptors: The interceptors, outermost first.
/// - Returns: A channel running its calls through `interceptors`, then `channel`'s own.
public func interceptChannel(_ channel: Channel, _ interceptors: any ClientInterceptor...) -> Channel {
    interceptChannel(channel, interceptors)
}

/// ``interceptChannel(_:_:)-(_,ClientInterceptor...)`` with the interceptors in an array.
///
/// - Parameters:
///   - channel: The channel whose connection the calls use.
///   - interceptors: The interceptors, outermost first.
/// - Returns: A channel running its calls through `interceptors`, then `channel`'s own.
public func interceptChannel(_ channel: Channel, _ interceptors: [any ClientInterceptor]) -> Channel {
    Channel(transport: channel.transport, interceptors: interceptors + channel.interceptors)
}

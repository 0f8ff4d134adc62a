extension AIO {
    /// An async channel to one target (`grpc.aio.Channel`): connects lazily on the first call,
    /// reconnects with grpc's backoff, as the blocking ``GRPCSync/Channel`` does.
    public final class Channel: Sendable {
        /// The connection and settings.
        let transport: ChannelTransport
        /// The calls started here, for ``close(grace:)``.
        let activeCalls = ActiveCalls()
        /// The interceptors calls go through, outermost first.
        let interceptors: [any ClientInterceptor]

        init(transport: ChannelTransport, interceptors: [any ClientInterceptor]) {
            self.transport = transport
            self.interceptors = interceptors
        }

        /// The target the channel was made for.
        public var target: String { transport.target }

        /// The executor of the thread that reads the channel's connection, for a task whose calls
        /// should resume without waking another thread: in a task that prefers it
        /// (`try await withTaskExecutorPreference(channel.executor) { … }`, or
        /// `Task(executorPreference: channel.executor) { … }`), a response wakes one thread, not
        /// two. That task's code then runs on the loop thread, between its reads: it must not
        /// block (no blocking calls, no waiting on locks held long), or every connection of
        /// that loop waits.
        public var executor: any TaskExecutor { transport.loop }

        /// Closes the channel (`await channel.close(grace)`): new calls are refused at once
        /// (``UsageError``); the calls still running get `grace` seconds to end, then are cancelled,
        /// as ``Call/cancel()`` cancels them (CANCELLED "Locally cancelled by application!"; their
        /// awaiting tasks get `CancellationError`); then the channel shuts down. Closing a closed
        /// channel does nothing.
        ///
        /// - Parameter grace: Seconds the running calls may still take; nil, 0 or less cancels them at
        ///   once (grpc.aio raises `ValueError` for a negative grace).
        public func close(grace: Double? = nil) async {
            guard let running = activeCalls.close() else { return }
            if let grace, grace > 0, !running.isEmpty {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await Task.sleep(nanoseconds: UInt64(grace * 1e9)) }
                    group.addTask {
                        for call in running { _ = await call.waitForStatusAsync() }
                    }
                    await group.next()
                    group.cancelAll()
                }
            }
            for call in running { call.cancel() }
            transport.close()
        }

        // MARK: connectivity

        /// The channel's connectivity (`channel.get_state(try_to_connect)`).
        ///
        /// - Parameter tryToConnect: True starts connecting when the channel is idle.
        /// - Returns: The state now.
        public func getState(tryToConnect: Bool = false) -> ChannelConnectivity {
            transport.connectivity(tryToConnect: tryToConnect)
        }

        /// Suspends until the connectivity differs from `lastObservedState`
        /// (`await channel.wait_for_state_change(last_observed_state)`).
        ///
        /// - Parameter lastObservedState: The state the caller last saw.
        /// - Throws: `CancellationError` when the task is cancelled first.
        public func waitForStateChange(_ lastObservedState: ChannelConnectivity) async throws {
            try await transport.waitForConnectivityChange(from: lastObservedState)
        }

        /// Connects if idle and suspends until the channel is ready (`await channel.channel_ready()`),
        /// however many attempts that takes.
        ///
        /// - Throws: `CancellationError` when the task is cancelled first; ``UsageError`` once the
        ///   channel is closed.
        public func channelReady() async throws {
            while true {
                let state = getState(tryToConnect: true)
                if state == .ready { return }
                if state == .shutdown { try transport.checkUsable() }
                try await waitForStateChange(state)
            }
        }

        // MARK: multicallables

        /// A unary-unary method (`channel.unary_unary(method, request_serializer=,
        /// response_deserializer=)`).
        ///
        /// - Parameters:
        ///   - method: The full method path, `/package.Service/Method`.
        ///   - requestSerializer: Turns a request into bytes; what it throws fails the call INTERNAL
        ///     "Exception serializing request!".
        ///   - responseDeserializer: Turns a response's bytes into a `Response`; what it throws fails
        ///     the call INTERNAL "Exception deserializing response!".
        /// - Returns: The multicallable; making it opens no connection.
        public func unaryUnary<Request, Response>(
            _ method: String, requestSerializer: @escaping Serializer<Request>,
            responseDeserializer: @escaping Deserializer<Response>
        ) -> UnaryUnaryMultiCallable<Request, Response> {
            UnaryUnaryMultiCallable(
                binding: binding(method, requestSerializer, responseDeserializer), activeCalls: activeCalls,
                interceptors: interceptors.compactMap { $0 as? any UnaryUnaryClientInterceptor })
        }

        /// A unary-stream method (`channel.unary_stream`).
        ///
        /// - Parameters:
        ///   - method: The full method path, `/package.Service/Method`.
        ///   - requestSerializer: Turns a request into bytes.
        ///   - responseDeserializer: Turns a response's bytes into a `Response`.
        /// - Returns: The multicallable; making it opens no connection.
        public func unaryStream<Request, Response>(
            _ method: String, requestSerializer: @escaping Serializer<Request>,
            responseDeserializer: @escaping Deserializer<Response>
        ) -> UnaryStreamMultiCallable<Request, Response> {
            UnaryStreamMultiCallable(
                binding: binding(method, requestSerializer, responseDeserializer), activeCalls: activeCalls,
                interceptors: interceptors.compactMap { $0 as? any UnaryStreamClientInterceptor })
        }

        /// A stream-unary method (`channel.stream_unary`).
        ///
        /// - Parameters:
        ///   - method: The full method path, `/package.Service/Method`.
        ///   - requestSerializer: Turns a request into bytes.
        ///   - responseDeserializer: Turns a response's bytes into a `Response`.
        /// - Returns: The multicallable; making it opens no connection.
        public func streamUnary<Request, Response>(
            _ method: String, requestSerializer: @escaping Serializer<Request>,
            responseDeserializer: @escaping Deserializer<Response>
        ) -> StreamUnaryMultiCallable<Request, Response> {
            StreamUnaryMultiCallable(
                binding: binding(method, requestSerializer, responseDeserializer), activeCalls: activeCalls,
                interceptors: interceptors.compactMap { $0 as? any StreamUnaryClientInterceptor })
        }

        /// A stream-stream method (`channel.stream_stream`).
        ///
        /// - Parameters:
        ///   - method: The full method path, `/package.Service/Method`.
        ///   - requestSerializer: Turns a request into bytes.
        ///   - responseDeserializer: Turns a response's bytes into a `Response`.
        /// - Returns: The multicallable; making it opens no connection.
        public func streamStream<Request, Response>(
            _ method: String, requestSerializer: @escaping Serializer<Request>,
            responseDeserializer: @escaping Deserializer<Response>
        ) -> StreamStreamMultiCallable<Request, Response> {
            StreamStreamMultiCallable(
                binding: binding(method, requestSerializer, responseDeserializer), activeCalls: activeCalls,
                interceptors: interceptors.compactMap { $0 as? any StreamStreamClientInterceptor })
        }

        private func binding<Request, Response>(
            _ method: String, _ serializer: @escaping Serializer<Request>,
            _ deserializer: @escaping Deserializer<Response>
        ) -> MethodBinding<Request, Response> {
            MethodBinding(
                transport: transport, interceptors: [], method: method, serializer: serializer,
                deserializer: deserializer)
        }
    }
}

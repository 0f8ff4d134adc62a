import BenchmarkService
import GRPCSync

// The scenarios with the async API (`--api async`): `AIO` channel and stub, one task per call or
// stream in flight instead of one thread.

/// Runs `body(i)` for i in 0..<count, each as a task of its own, and waits for all of them.
func runAsTasks(_ count: Int, _ body: @escaping @Sendable (Int) async -> Void) async {
    await withTaskGroup(of: Void.self) { group in
        for index in 0..<count { group.addTask { await body(index) } }
    }
}

/// Awaited unary calls, one after another, until the window closes.
func asyncUnaryWorker(
    _ stub: Grpc_Testing_BenchmarkServiceAsyncStub, _ request: Grpc_Testing_SimpleRequest, expecting size: Int,
    _ window: Window, _ tally: Tally
) async {
    while true {
        let start = monotonicNanoseconds()
        if start >= window.end { return }
        do {
            let response = try await stub.unaryCall(request)
            tally.recordResponse(
                payloadSize: response.payload.body.count, expected: size, start: start, end: monotonicNanoseconds(),
                in: window)
        } catch {
            tally.recordError("UnaryCall failed: \(error)", at: monotonicNanoseconds(), in: window)
        }
    }
}

/// One StreamingFromServer call whose responses are counted (`for try await`) until the window
/// closes; then it is cancelled.
func asyncServerStreamingWorker(
    _ stub: Grpc_Testing_BenchmarkServiceAsyncStub, _ request: Grpc_Testing_SimpleRequest, expecting size: Int,
    _ window: Window, _ tally: Tally
) async {
    do {
        let call = try stub.streamingFromServer(request)
        for try await response in call {
            let now = monotonicNanoseconds()
            if now >= window.end {
                call.cancel()
                return
            }
            guard response.payload.body.count == size else {
                tally.recordError(
                    "a response carried \(response.payload.body.count) bytes, not \(size)", at: now, in: window)
                continue
            }
            if window.contains(now) { tally.count += 1 }
        }
        tally.recordError("StreamingFromServer ended early", at: monotonicNanoseconds(), in: window)
    } catch {
        tally.recordError("StreamingFromServer failed: \(error)", at: monotonicNanoseconds(), in: window)
    }
}

/// One StreamingCall: `write` a request, `read` its response, the next request … until the
/// window closes.
func asyncPingPongWorker(
    _ stub: Grpc_Testing_BenchmarkServiceAsyncStub, _ request: Grpc_Testing_SimpleRequest, expecting size: Int,
    _ window: Window, _ tally: Tally
) async {
    do {
        let call = try stub.streamingCall()
        while true {
            let start = monotonicNanoseconds()
            if start >= window.end { break }
            try await call.write(request)
            guard let response = try await call.read() else {
                tally.recordError("StreamingCall ended early", at: monotonicNanoseconds(), in: window)
                return
            }
            tally.recordResponse(
                payloadSize: response.payload.body.count, expected: size, start: start, end: monotonicNanoseconds(),
                in: window)
        }
        try await call.doneWriting()
        while try await call.read() != nil {}
    } catch {
        tally.recordError("StreamingCall failed: \(error)", at: monotonicNanoseconds(), in: window)
    }
}

/// Runs the scenario of `options` with the async API on `channel`, one task per call or stream in
/// flight, each with its tally.
func runAsync(_ options: ClientOptions, on channel: AIO.Channel, _ tallies: [Tally], _ window: Window) async {
    let stub = Grpc_Testing_BenchmarkServiceAsyncStub(channel)
    let request = makeRequest(options)
    let size = options.responseSize
    await runAsTasks(options.concurrency) { index in
        switch options.scenario {
        case .unary: await asyncUnaryWorker(stub, request, expecting: size, window, tallies[index])
        case .serverStreaming: await asyncServerStreamingWorker(stub, request, expecting: size, window, tallies[index])
        case .pingPong: await asyncPingPongWorker(stub, request, expecting: size, window, tallies[index])
        }
    }
    await channel.close()
}

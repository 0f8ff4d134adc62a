import BenchmarkService
import Foundation
import GRPCSync

/// The request every call of a run sends: a payload of `--request-size` bytes, asking for
/// `--response-size` bytes back.
func makeRequest(_ options: ClientOptions) -> Grpc_Testing_SimpleRequest {
    var request = Grpc_Testing_SimpleRequest()
    request.responseSize = Int32(options.responseSize)
    request.payload.body = Data(count: options.requestSize)
    return request
}

/// Runs `body(i)` for i in 0..<count, each on its own thread, and waits for all of them.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let finished = DispatchSemaphore(value: 0)
    for index in 0..<count {
        let thread = Thread {
            body(index)
            finished.signal()
        }
        thread.start()
    }
    for _ in 0..<count { finished.wait() }
}

/// Blocking unary calls, one after another, until the window closes.
func unaryWorker(
    _ stub: Grpc_Testing_BenchmarkServiceStub, _ request: Grpc_Testing_SimpleRequest, expecting size: Int,
    _ window: Window, _ tally: Tally
) {
    while true {
        let start = monotonicNanoseconds()
        if start >= window.end { return }
        do {
            let response = try stub.unaryCall(request)
            tally.recordResponse(
                payloadSize: response.payload.body.count, expected: size, start: start, end: monotonicNanoseconds(),
                in: window)
        } catch {
            tally.recordError("UnaryCall failed: \(error)", at: monotonicNanoseconds(), in: window)
        }
    }
}

/// One StreamingFromServer call whose responses are counted until the window closes; then it is
/// cancelled.
func serverStreamingWorker(
    _ stub: Grpc_Testing_BenchmarkServiceStub, _ request: Grpc_Testing_SimpleRequest, expecting size: Int,
    _ window: Window, _ tally: Tally
) {
    do {
        let responses = try stub.streamingFromServer(request)
        while let response = try responses.next() {
            let now = monotonicNanoseconds()
            if now >= window.end {
                responses.cancel()
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

/// One StreamingCall: a request, its response, the next request … until the window closes.
func pingPongWorker(
    _ stub: Grpc_Testing_BenchmarkServiceStub, _ request: Grpc_Testing_SimpleRequest, expecting size: Int,
    _ window: Window, _ tally: Tally
) {
    let requests = RequestQueue<Grpc_Testing_SimpleRequest>()
    defer { requests.close() }
    do {
        let responses = try stub.streamingCall(requests)
        while true {
            let start = monotonicNanoseconds()
            if start >= window.end { break }
            requests.put(request)
            guard let response = try responses.next() else {
                tally.recordError("StreamingCall ended early", at: monotonicNanoseconds(), in: window)
                return
            }
            tally.recordResponse(
                payloadSize: response.payload.body.count, expected: size, start: start, end: monotonicNanoseconds(),
                in: window)
        }
        requests.close()
        while try responses.next() != nil {}
    } catch {
        tally.recordError("StreamingCall failed: \(error)", at: monotonicNanoseconds(), in: window)
    }
}

// bench-server: gRPC's benchmark service (grpc.testing.BenchmarkService) on swift-grpc-sync.
//
//   bench-server --port N [--workers W] [--tls CERTS_DIR] [--api blocking|async|async-loop]
//
// Prints "listening on PORT" once it accepts calls (--port 0 picks a free port), then serves until
// it is killed. `--api async` serves with async handlers on an `AIO.server` (AsyncBenchmarkServicer.swift)
// instead of the blocking ones on a thread pool of `--workers`; `--api async-loop` runs those handlers
// on the loops that read their connections (`handlersRunOnLoops: true`). With --tls the port is TLS, with CERTS_DIR/server.key and server.pem
// (Tests/Certificates of the repository). The handlers do what grpc's own benchmark servers do: answer every request with
// a payload of `response_size` bytes.

import BenchmarkService
import Foundation
import GRPCSync

#if canImport(Glibc)
    import Glibc
#endif

/// The largest message the benchmarks send (16 MiB) with room to spare.
let maxMessageLength = 64 * 1024 * 1024

func makeResponse(size: Int32) -> Grpc_Testing_SimpleResponse {
    var response = Grpc_Testing_SimpleResponse()
    response.payload.body = Data(count: Int(max(size, 0)))
    return response
}

final class BenchmarkServicer: Grpc_Testing_BenchmarkServiceServicer, @unchecked Sendable {  // stateless
    override func unaryCall(_ request: Grpc_Testing_SimpleRequest, _ context: ServicerContext) throws
        -> Grpc_Testing_SimpleResponse
    {
        makeResponse(size: request.responseSize)
    }

    override func streamingCall(
        _ requests: RequestStream<Grpc_Testing_SimpleRequest>, _ responses: ResponseSender<Grpc_Testing_SimpleResponse>,
        _ context: ServicerContext
    ) throws {
        while let request = try requests.read() {
            try responses.send(makeResponse(size: request.responseSize))
        }
    }

    override func streamingFromClient(_ requests: RequestStream<Grpc_Testing_SimpleRequest>, _ context: ServicerContext)
        throws -> Grpc_Testing_SimpleResponse
    {
        var size: Int32 = 0
        while let request = try requests.read() { size = request.responseSize }
        return makeResponse(size: size)
    }

    override func streamingFromServer(
        _ request: Grpc_Testing_SimpleRequest, _ responses: ResponseSender<Grpc_Testing_SimpleResponse>,
        _ context: ServicerContext
    ) throws {
        let response = makeResponse(size: request.responseSize)
        while context.isActive() { try responses.send(response) }
    }

    override func streamingBothWays(
        _ requests: RequestStream<Grpc_Testing_SimpleRequest>, _ responses: ResponseSender<Grpc_Testing_SimpleResponse>,
        _ context: ServicerContext
    ) throws {
        while let request = try requests.read() {
            try responses.send(makeResponse(size: request.responseSize))
        }
    }
}

/// Writes `text` to a file descriptor at once (no stdio buffering, which Swift 6 keeps off limits).
func write(_ text: String, to fd: Int32) {
    var text = text
    text.withUTF8 { bytes in _ = Glibc.write(fd, bytes.baseAddress, bytes.count) }
}

func usage(_ message: String) -> Never {
    write(
        "bench-server: \(message)\nusage: bench-server --port N [--workers W] [--tls CERTS_DIR] [--api blocking|async|async-loop]\n",
        to: 2)
    exit(2)
}

/// The bytes of `file` in `directory`.
func pem(_ directory: String, _ file: String) -> [UInt8] {
    let path = (directory as NSString).appendingPathComponent(file)
    guard let data = FileManager.default.contents(atPath: path) else { usage("cannot read \(path)") }
    return Array(data)
}

var port: Int?
var workers = 10
var certificates: String?
var asyncAPI = false
var handlersOnLoops = false
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { usage("\(flag) needs a value") }
    if flag == "--tls" {
        certificates = value
        continue
    }
    if flag == "--api" {
        guard ["blocking", "async", "async-loop"].contains(value) else { usage("unknown API \(value)") }
        asyncAPI = value != "blocking"
        handlersOnLoops = value == "async-loop"
        continue
    }
    guard let number = Int(value) else { usage("\(flag) needs a number") }
    switch flag {
    case "--port": port = number
    case "--workers": workers = number
    default: usage("unknown flag \(flag)")
    }
}
guard let port else { usage("--port is required") }
let serverOptions: [(String, OptionValue)] = [
    ("grpc.max_receive_message_length", .int(maxMessageLength)),
    ("grpc.max_send_message_length", .int(maxMessageLength)),
]

/// Adds the port, `127.0.0.1:port`, through `insecure`, or with `--tls` through `secure` with the
/// certificates' credentials; returns the port bound.
@MainActor func addPort(
    insecure: (String) throws -> Int, secure: (String, ServerCredentials) throws -> Int
) throws -> Int {
    let address = "127.0.0.1:\(port)"
    guard let certificates else { return try insecure(address) }
    let credentials = try sslServerCredentials([
        (privateKey: pem(certificates, "server.key"), certificateChain: pem(certificates, "server.pem"))
    ])
    return try secure(address, credentials)
}

/// Runs `body` as a task and blocks the calling thread until it is done. The main thread stays a
/// thread of its own: an async main hands it to Dispatch, which callgrind cannot run.
func waitFor(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        await body()
        done.signal()
    }
    done.wait()
}

if asyncAPI {
    let server = AIO.server(options: serverOptions, handlersRunOnLoops: handlersOnLoops)
    addBenchmarkServiceServicerToServer(AsyncBenchmarkServicer(), server)
    do {
        let bound = try addPort(insecure: server.addInsecurePort, secure: server.addSecurePort)
        waitFor {
            do {
                try await server.start()
            } catch {
                write("bench-server: \(error)\n", to: 2)
                exit(1)
            }
        }
        write("listening on \(bound)\n", to: 1)
    } catch {
        write("bench-server: \(error)\n", to: 2)
        exit(1)
    }
    waitFor { _ = await server.waitForTermination() }
    exit(0)
}

let server = Server(
    ThreadPoolExecutor(maxWorkers: workers),
    options: serverOptions)
addBenchmarkServiceServicerToServer(BenchmarkServicer(), server)
do {
    let bound = try addPort(insecure: server.addInsecurePort, secure: server.addSecurePort)
    try server.start()
    write("listening on \(bound)\n", to: 1)
} catch {
    write("bench-server: \(error)\n", to: 2)
    exit(1)
}
server.waitForTermination()

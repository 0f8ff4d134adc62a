// The user service client: creates three users and streams them back, through a logging and a
// retry interceptor, as grpcio's sync_client.py with its interceptors does. It logs through
// swift-log, and records gRPC's metrics and a span per attempt; `--print-telemetry` prints
// those at the end.
//
//     swift run user-service-client --target localhost:50051 [--print-telemetry]
import GRPCSync
import GRPCSyncMetrics
import GRPCSyncTracing
import Glibc
import Logging
import UserServiceModel

func describe(_ user: Userservice_User) -> String {
    "\(user.id): \(user.name) <\(user.email)>, \(user.age)"
}

func run(target: String) throws {
    // Logging: the channel's events go to this logger. Tracing and metrics: every attempt the
    // retry interceptor makes gets a span and its metrics, in the process's tracer and metrics
    // backend (`Telemetry` with --print-telemetry; no-op ones otherwise).
    let logger = Logger(label: "user-service-client")
    let channel = interceptChannel(
        insecureChannel(target, logger: logger), LoggingInterceptor(),
        RetryInterceptor(maxAttempts: 4, initialBackoff: 0.05), ClientTracingInterceptor(), ClientMetricsInterceptor())
    defer { channel.close() }
    let stub = Userservice_UsersServiceStub(channel)

    let people: [(String, String, Int32)] = [
        ("Ada Lovelace", "ada@example.com", 36), ("Grace Hopper", "grace@example.com", 85),
        ("Alan Turing", "alan@example.com", 41),
    ]
    for (index, (name, email, age)) in people.enumerated() {
        var request = Userservice_CreateUserRequest()
        request.name = name
        request.email = email
        request.age = age
        let result = try stub.createUser(request, timeout: 10, metadata: [("x-request-id", .text("req-\(index + 1)"))])
        print("Created \(describe(result.user)) (request \(result.requestID))")
    }

    var request = Userservice_GetUsersRequest()
    request.ids = ["user-3", "user-1"]
    let users = try stub.getUsers(request, timeout: 10)
    while let result = try users.next() { print("Got \(describe(result.user))") }

    request.ids = ["user-99"]
    do {
        let missing = try stub.getUsers(request, timeout: 10)
        while let result = try missing.next() { print("Got \(describe(result.user))") }
    } catch let error as RPCError {
        print("GetUsers failed: \(error.code) \(error.details)")
    }
}

var target = "localhost:50051"
var telemetry: Telemetry?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--print-telemetry" {
        telemetry = Telemetry()
        continue
    }
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--target", let v?): target = v
    default:
        print("usage: user-service-client [--target HOST:PORT] [--print-telemetry]")
        exit(2)
    }
}
telemetry?.bootstrap()
do {
    try run(target: target)
    telemetry?.printRecorded()
} catch {
    print("user-service-client: \(error)")
    exit(1)
}

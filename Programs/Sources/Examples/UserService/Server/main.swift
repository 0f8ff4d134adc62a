// The user service server: CreateUser reads the caller's metadata, GetUsers streams users back.
// `--fail-first N` makes the first N CreateUser calls fail with UNAVAILABLE, as a busy backend
// would, so the client's retry interceptor has something to do. It logs through swift-log, and
// records gRPC's metrics and a span per call with the process's metrics backend and tracer.
//
//     swift run user-service-server --port 50051 --fail-first 2
import Foundation
import GRPCSync
import GRPCSyncHealth
import GRPCSyncMetrics
import GRPCSyncReflection
import GRPCSyncTracing
import Logging
import UserServiceModel

/// Keeps users in memory; ids are `user-1`, `user-2`, … in creation order.
final class UsersService: Userservice_UsersServiceServicer, @unchecked Sendable {  // `lock` protects the state
    private let lock = NSLock()
    private var users: [String: Userservice_User] = [:]
    private var created = 0
    private var failuresLeft: Int

    init(failFirst: Int) { failuresLeft = failFirst }

    override func createUser(_ request: Userservice_CreateUserRequest, _ context: ServicerContext) throws
        -> Userservice_CreateUserResult
    {
        let metadata = context.invocationMetadata()
        let busy: Bool = lock.withLock {
            guard failuresLeft > 0 else { return false }
            failuresLeft -= 1
            return true
        }
        if busy { try context.abort(.unavailable, "backend busy, try again") }
        var user = Userservice_User()
        user.name = request.name
        user.email = request.email
        user.age = request.age
        lock.withLock {
            created += 1
            user.id = "user-\(created)"
            users[user.id] = user
        }
        var result = Userservice_CreateUserResult()
        result.user = user
        result.requestID = metadata["x-request-id"] ?? ""
        return result
    }

    override func getUsers(
        _ request: Userservice_GetUsersRequest, _ responses: ResponseSender<Userservice_GetUsersResult>,
        _ context: ServicerContext
    ) throws {
        let (ids, known): ([String], [String: Userservice_User]) = lock.withLock {
            let all = (1...max(created, 1)).map { "user-\($0)" }.filter { users[$0] != nil }
            return (request.ids.isEmpty ? all : request.ids, users)
        }
        for id in ids {
            guard let user = known[id] else { try context.abort(.notFound, "no user \(id)") }
            var result = Userservice_GetUsersResult()
            result.user = user
            try responses.send(result)
        }
    }
}

func serve(port: Int, failFirst: Int) throws {
    // Logging, tracing and metrics: one argument each.
    let server = Server(
        ThreadPoolExecutor(maxWorkers: 10), interceptors: [ServerTracingInterceptor(), ServerMetricsInterceptor()],
        logger: Logger(label: "user-service-server"))
    addUsersServiceServicerToServer(UsersService(failFirst: failFirst), server)
    // Health checking and reflection, as grpc's Python examples serve them: every service SERVING.
    let health = HealthServicer()
    addHealthServicerToServer(health, server)
    let services = [Userservice_UsersServiceMethods.serviceName, healthServiceName, reflectionServiceName]
    enableServerReflection(services, server)
    for service in services { health.set(service, .serving) }
    let bound = try server.addInsecurePort("[::]:\(port)")
    try server.start()
    print("Server started, listening on \(bound)")
    fflush(nil)  // all output streams: whoever reads stdout from a pipe sees the line now
    server.waitForTermination()
}

func usage() -> Never {
    print("usage: user-service-server [--port N] [--fail-first N]")
    exit(2)
}

var port = 50051
var failFirst = 0
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value.flatMap { Int($0) }) {
    case ("--port", let v?): port = v
    case ("--fail-first", let v?): failFirst = v
    default: usage()
    }
}
do {
    try serve(port: port, failFirst: failFirst)
} catch {
    print("user-service-server: \(error)")
    exit(1)
}

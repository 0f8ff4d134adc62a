// The async user service client: creates three users and streams them back, through a logging and
// a retry interceptor, as grpcio's async_client.py with its interceptors does on a grpc.aio
// channel. It prints what the blocking user-service-client prints.
//
//     swift run user-service-async-client --target localhost:50051
import GRPCSync
import Glibc
import UserServiceModel

func describe(_ user: Userservice_User) -> String {
    "\(user.id): \(user.name) <\(user.email)>, \(user.age)"
}

func run(target: String) async throws {
    let channel = AIO.insecureChannel(
        target, interceptors: [LoggingInterceptor(), RetryInterceptor(maxAttempts: 4, initialBackoff: 0.05)])
    let stub = Userservice_UsersServiceAsyncStub(channel)

    let people: [(String, String, Int32)] = [
        ("Ada Lovelace", "ada@example.com", 36), ("Grace Hopper", "grace@example.com", 85),
        ("Alan Turing", "alan@example.com", 41),
    ]
    for (index, (name, email, age)) in people.enumerated() {
        let request = Userservice_CreateUserRequest.with {
            $0.name = name
            $0.email = email
            $0.age = age
        }
        let result = try await stub.createUser(
            request, timeout: 10, metadata: [("x-request-id", .text("req-\(index + 1)"))])
        print("Created \(describe(result.user)) (request \(result.requestID))")
    }

    for try await result in try stub.getUsers(.with { $0.ids = ["user-3", "user-1"] }, timeout: 10) {
        print("Got \(describe(result.user))")
    }

    do {
        for try await result in try stub.getUsers(.with { $0.ids = ["user-99"] }, timeout: 10) {
            print("Got \(describe(result.user))")
        }
    } catch let error as RPCError {
        print("GetUsers failed: \(error.code) \(error.details)")
    }
    await channel.close()
}

var target = "localhost:50051"
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--target", let v?): target = v
    default:
        print("usage: user-service-async-client [--target HOST:PORT]")
        exit(2)
    }
}
do {
    try await run(target: target)
} catch {
    print("user-service-async-client: \(error)")
    exit(1)
}

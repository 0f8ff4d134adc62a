// The helloworld Greeter server: a port of grpc's Python greeter_server.py.
//
//     swift run helloworld-server --port 50051
import GRPCSync
import Glibc
import HelloWorldModel

final class Greeter: Helloworld_GreeterServicer {
    override func sayHello(_ request: Helloworld_HelloRequest, _ context: ServicerContext) throws
        -> Helloworld_HelloReply
    {
        var reply = Helloworld_HelloReply()
        reply.message = "Hello, \(request.name)!"
        return reply
    }
}

func serve(port: Int) throws {
    let server = Server(ThreadPoolExecutor(maxWorkers: 10))
    addGreeterServicerToServer(Greeter(), server)
    let bound = try server.addInsecurePort("[::]:\(port)")
    try server.start()
    print("Server started, listening on \(bound)")
    server.waitForTermination()
}

var port = 50051
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--port", let value = arguments.popFirst().flatMap({ Int($0) }) {
        port = value
    } else if argument.hasPrefix("--port="), let value = Int(argument.dropFirst("--port=".count)) {
        port = value
    } else {
        print("usage: helloworld-server [--port N]")
        exit(2)
    }
}
do {
    try serve(port: port)
} catch {
    print("helloworld-server: \(error)")
    exit(1)
}

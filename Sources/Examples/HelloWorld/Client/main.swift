// The helloworld Greeter client: a port of grpc's Python greeter_client.py.
//
//     swift run helloworld-client --target localhost:50051 --name you
import GRPCSync
import Glibc
import HelloWorldModel

func run(target: String, name: String) throws {
    let channel = insecureChannel(target)
    defer { channel.close() }
    let stub = Helloworld_GreeterStub(channel)
    var request = Helloworld_HelloRequest()
    request.name = name
    let response = try stub.sayHello(request, timeout: 10)
    print("Greeter client received: \(response.message)")
}

var target = "localhost:50051"
var name = "you"
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--target", let v?): target = v
    case ("--name", let v?): name = v
    default:
        print("usage: helloworld-client [--target HOST:PORT] [--name NAME]")
        exit(2)
    }
}
do {
    try run(target: target, name: name)
} catch {
    print("helloworld-client: \(error)")
    exit(1)
}

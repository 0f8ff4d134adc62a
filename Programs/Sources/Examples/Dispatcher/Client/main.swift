// The dispatcher client: calls both methods and prints what each returned. Against
// dispatcher-server, Dispatch succeeds and DispatchEvent fails with UNIMPLEMENTED
// "Method not implemented!".
//
//     swift run dispatcher-client --target localhost:50051
import DispatcherModel
import GRPCSync
import Glibc
import SwiftProtobuf

func run(target: String) throws {
    let channel = insecureChannel(target)
    defer { channel.close() }
    let stub = Dispatcher_DispatcherStub(channel)

    let object = try stub.dispatch(
        Dispatcher_Object.with {
            $0.id = "order-1"
            $0.kind = "order"
            $0.status = "new"
        }, timeout: 10)
    print("Dispatch returned: \(object.id) (\(object.kind)) is \(object.status)")

    do {
        let reply = try stub.dispatchEvent(
            Dispatcher_Event.with {
                $0.objectID = "order-1"
                $0.name = "shipped"
            }, timeout: 10)
        print("DispatchEvent returned: \(reply.message)")
    } catch let error as RPCError {
        print("DispatchEvent failed: \(error.code) \(error.details)")
    }
}

var target = "localhost:50051"
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--target", let v?): target = v
    default:
        print("usage: dispatcher-client [--target HOST:PORT]")
        exit(2)
    }
}
do {
    try run(target: target)
} catch {
    print("dispatcher-client: \(error)")
    exit(1)
}

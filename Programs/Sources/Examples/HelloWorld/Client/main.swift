// The helloworld Greeter client: a port of grpc's Python greeter_client.py.
//
//     swift run helloworld-client --target localhost:50051 --name you
//     swift run helloworld-client --target localhost:50051 --ca ca.pem [--cert client.pem --key client.key]
//
// With --ca it connects over TLS, trusting that CA (docs/tls.md); with --cert and --key too, it
// presents that certificate (mutual TLS).
import Foundation
import GRPCSync
import HelloWorldModel

func readFile(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

func run(target: String, name: String, ca: String?, certificate: String?, key: String?) throws {
    let channel: Channel
    if let ca {
        let credentials = sslChannelCredentials(
            rootCertificates: try readFile(ca), privateKey: try key.map(readFile),
            certificateChain: try certificate.map(readFile))
        channel = secureChannel(target, credentials)
    } else {
        channel = insecureChannel(target)
    }
    defer { channel.close() }
    let stub = Helloworld_GreeterStub(channel)
    var request = Helloworld_HelloRequest()
    request.name = name
    let response = try stub.sayHello(request, timeout: 10)
    print("Greeter client received: \(response.message)")
}

let usage = "usage: helloworld-client [--target HOST:PORT] [--name NAME] [--ca PEM [--cert PEM --key PEM]]"
var target = "localhost:50051"
var name = "you"
var ca: String?
var certificate: String?
var key: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let value = parts.count == 2 ? parts[1] : arguments.popFirst()
    switch (parts[0], value) {
    case ("--target", let v?): target = v
    case ("--name", let v?): name = v
    case ("--ca", let v?): ca = v
    case ("--cert", let v?): certificate = v
    case ("--key", let v?): key = v
    default:
        print(usage)
        exit(2)
    }
}
if (certificate == nil) != (key == nil) || (certificate != nil && ca == nil) {
    print("helloworld-client: a client certificate needs --cert, --key and --ca\n\(usage)")
    exit(2)
}
do {
    try run(target: target, name: name, ca: ca, certificate: certificate, key: key)
} catch {
    print("helloworld-client: \(error)")
    exit(1)
}

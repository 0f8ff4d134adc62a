import GRPCSync

/// The Greeter servicer of protos/helloworld.proto, whose messages, stub and servicer base class
/// GRPCSyncProtocPlugin generates at build time (public, method names as in the proto, as this
/// target's grpc-sync-config.json asks).
public final class Greeter: Helloworld_GreeterServicer {
    override public func SayHello(_ request: Helloworld_HelloRequest, _ context: ServicerContext) throws
        -> Helloworld_HelloReply
    {
        Helloworld_HelloReply.with { $0.message = "Hello, \(request.name)!" }
    }
}

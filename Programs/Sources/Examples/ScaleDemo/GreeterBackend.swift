import GRPCSync
import HelloWorldModel
import Synchronization

/// Counts calls; shared between a server's Greeter, which counts, and whoever reads the count.
final class CallCounter: Sendable {
    private let calls = Atomic(0)

    /// The calls counted so far.
    var count: Int { calls.load(ordering: .relaxed) }

    /// Counts one call.
    func increment() { calls.add(1, ordering: .relaxed) }
}

/// A Greeter whose every reply is the name of the server it runs in, so that the client can count
/// which server answered each call; it counts the calls it answers.
final class NamedGreeter: Helloworld_GreeterServicer {
    /// The name each reply carries.
    let serverName: String
    /// The calls this Greeter answered.
    let answered: CallCounter

    /// A Greeter answering with `serverName`, counting its calls in `answered`.
    init(serverName: String, answered: CallCounter) {
        self.serverName = serverName
        self.answered = answered
        super.init()
    }

    override func sayHello(_ request: Helloworld_HelloRequest, _ context: ServicerContext) throws
        -> Helloworld_HelloReply
    {
        answered.increment()
        return Helloworld_HelloReply.with { $0.message = serverName }
    }
}

/// One of the demo's servers: its name, the address it listens on and the `Server` listening there
/// now. A stopped `Server` cannot start again, so ``startAgain()`` starts a new one on the same
/// address and port, as a restarted process would.
final class GreeterBackend: Sendable {
    /// The name the server's Greeter answers with, e.g. `server-1`.
    let name: String
    /// The loopback address it listens on, e.g. `127.0.0.2`.
    let host: String
    /// The port it listens on: a free one, picked when it first started.
    let port: Int
    /// The server serving now, and the calls its Greeter answered.
    private let current: Mutex<(server: Server, answered: CallCounter)>

    /// `host:port`, as a target lists it.
    var address: String { "\(host):\(port)" }

    /// The calls the server answered since it last started.
    var answeredSinceStart: Int { current.withLock { $0.answered.count } }

    /// Starts a Greeter server called `name` on a free port of `host`.
    init(name: String, host: String) throws {
        let answered = CallCounter()
        let (server, port) = try Self.startServer(name: name, host: host, port: 0, answered: answered)
        self.name = name
        self.host = host
        self.port = port
        current = Mutex((server, answered))
    }

    /// Stops the server, giving running calls `grace` seconds to finish, and waits until it has
    /// stopped (every call ended, every connection closed); false when that takes over 10 s more.
    @discardableResult
    func stop(grace: Double) -> Bool {
        current.withLock { $0.server }.stop(grace: grace).wait(timeout: grace + 10)
    }

    /// Starts a new server, with a new Greeter, on the address and port of the stopped one.
    func startAgain() throws {
        let answered = CallCounter()
        let (server, _) = try Self.startServer(name: name, host: host, port: port, answered: answered)
        current.withLock { $0 = (server, answered) }
    }

    /// A started server with a ``NamedGreeter``, listening on `host:port`, and the port bound.
    private static func startServer(
        name: String, host: String, port: Int, answered: CallCounter
    ) throws -> (Server, Int) {
        let server = Server(ThreadPoolExecutor(maxWorkers: 10))
        addGreeterServicerToServer(NamedGreeter(serverName: name, answered: answered), server)
        let bound = try server.addInsecurePort("\(host):\(port)")
        try server.start()
        return (server, bound)
    }
}

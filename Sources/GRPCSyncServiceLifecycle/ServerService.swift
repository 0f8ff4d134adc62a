import Foundation
import GRPCSync
import ServiceLifecycle

/// Runs a ``GRPCSync/Server`` as a swift-service-lifecycle `Service`: `run()` starts it and
/// returns once it has stopped. A graceful shutdown of the service group (SIGTERM, with
/// `gracefulShutdownSignals: [.sigterm]`) first calls `beforeStop` (where a health service enters
/// its graceful shutdown, so probes see NOT_SERVING), then `server.stop(grace:)`: new calls are
/// refused, running ones may finish within `grace` seconds, and `run()` returns when the last one
/// has ended. Cancelling the task stops the server at once.
///
/// ```swift
/// let health = HealthServicer()
/// let service = ServerService(server, grace: 10, beforeStop: { health.enterGracefulShutdown() })
/// try await ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
public struct ServerService: Service {
    /// The server the service runs.
    public let server: Server
    /// Seconds running calls may take to finish once a graceful shutdown began (nil: none).
    public let grace: Double?
    private let beforeStop: @Sendable () -> Void

    /// A service that runs `server` (with its ports added, not started).
    /// - Parameters:
    ///   - server: The server; `run()` starts it.
    ///   - grace: Seconds running calls may take to finish once a graceful shutdown began; nil
    ///     cancels them at once.
    ///   - beforeStop: Called when the graceful shutdown begins, before the server stops taking calls.
    public init(_ server: Server, grace: Double? = 30, beforeStop: @escaping @Sendable () -> Void = {}) {
        self.server = server
        self.grace = grace
        self.beforeStop = beforeStop
    }

    /// Starts the server and returns once it has stopped.
    /// - Throws: What ``GRPCSync/Server/start()`` throws (a server started already, bad options).
    public func run() async throws {
        try server.start()
        let server = server
        let grace = grace
        let beforeStop = beforeStop
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await Self.waitUntilStopped(server)
            } onGracefulShutdown: {
                beforeStop()
                server.stop(grace: grace)
            }
        } onCancel: {
            server.stop(grace: nil)
        }
    }

    /// Waits, without holding the task's thread, until `server` has stopped: a thread of its own
    /// waits for the server's termination.
    private static func waitUntilStopped(_ server: Server) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                server.waitForTermination()
                continuation.resume()
            }
        }
    }
}

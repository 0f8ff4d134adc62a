@_spi(Locking) import GRPCSync
import Synchronization

/// One async Watch call's next status: the latest one posted and not yet taken (a status posted
/// before the last one was taken replaces it), and the Watch task waiting for it.
final class LatestStatus: Sendable {
    typealias ServingStatus = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct State {
        var latest: ServingStatus?
        var waiting: UnsafeContinuation<ServingStatus?, Never>?
        var cancelled = false
    }

    private let state = Mutex(State())

    /// Keeps `status` for the Watch task, waking it if it waits; never waits itself.
    func post(_ status: ServingStatus) {
        let waiting: UnsafeContinuation<ServingStatus?, Never>? = state.withCheckedLock { state in
            guard let waiting = state.waiting else {
                state.latest = status
                return nil
            }
            state.waiting = nil
            return waiting
        }
        waiting?.resume(returning: status)
    }

    /// The next status, suspending until one is posted; nil once the task is cancelled (its call
    /// has ended).
    func next() async -> ServingStatus? {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<ServingStatus?, Never>) in
                let cancelled = Task.isCancelled
                let ready: ServingStatus?? = state.withCheckedLock { state in
                    if cancelled || state.cancelled { return .some(nil) }
                    if let latest = state.latest {
                        state.latest = nil
                        return .some(latest)
                    }
                    state.waiting = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiting: UnsafeContinuation<ServingStatus?, Never>? = state.withCheckedLock { state in
                state.cancelled = true
                defer { state.waiting = nil }
                return state.waiting
            }
            waiting?.resume(returning: nil)
        }
    }
}

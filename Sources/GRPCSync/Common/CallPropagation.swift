import Synchronization

/// A server call's deadline and cancellation, passed on to the client calls its handler starts
/// inside `ServicerContext.withCallPropagation(_:)` (what grpc-java's `Context` does and
/// grpcio does not): each such call's deadline is the earlier of its own and the server call's,
/// and it is cancelled when the server call ends (finished, cancelled or past its deadline).
final class CallPropagation: @unchecked Sendable {  // `children` and `ended` are protected by `lock`
    /// The scope the current thread or task runs in.
    @TaskLocal static var current: CallPropagation?
    /// Scopes open in the process; a client call reads ``current`` only while there are some, so
    /// that calls made outside any scope pay one atomic load.
    static let openScopes = Atomic<Int>(0)

    /// The server call's deadline.
    let deadline: Deadline
    private let lock = Lock()
    private var ended = false
    /// The client calls started in the scope, weakly: a finished call is not kept alive here.
    private var children: [WeakChild] = []
    /// `children.count` after the last pruning; the list is pruned when it has doubled since.
    private var prunedCount = 8

    private struct WeakChild {
        weak var call: (any PropagationChild)?
    }

    init(deadline: Deadline) { self.deadline = deadline }

    /// The scope of the calling thread or task, if any scope is open.
    static var active: CallPropagation? {
        openScopes.load(ordering: .relaxed) > 0 ? current : nil
    }

    /// Runs `body` with this as the current scope.
    func run<T>(_ body: () throws -> T) rethrows -> T {
        Self.openScopes.add(1, ordering: .relaxed)
        defer { Self.openScopes.subtract(1, ordering: .relaxed) }
        return try Self.$current.withValue(self) { try body() }
    }

    /// Runs `body` with this as the current scope of the task and the tasks it starts.
    func runAsync<T>(_ body: () async throws -> T) async rethrows -> T {
        Self.openScopes.add(1, ordering: .relaxed)
        defer { Self.openScopes.subtract(1, ordering: .relaxed) }
        return try await Self.$current.withValue(self) { try await body() }
    }

    /// Takes `child` in, to be cancelled when the server call ends; false when it has ended already.
    func adopt(_ child: any PropagationChild) -> Bool {
        lock.withLock {
            if ended { return false }
            children.append(WeakChild(call: child))
            if children.count >= prunedCount * 2 {
                children.removeAll { $0.call == nil }
                prunedCount = max(8, children.count)
            }
            return true
        }
    }

    /// The server call has ended: the client calls started in the scope that still run are
    /// cancelled (with no lock held).
    func end() {
        let live: [any PropagationChild] = lock.withLock {
            ended = true
            defer { children = [] }
            return children.compactMap(\.call)
        }
        for child in live { child.parentEnded() }
    }
}

/// A client call started inside a ``CallPropagation`` scope.
protocol PropagationChild: AnyObject, Sendable {
    /// The server call that started it has ended: it is cancelled unless it has ended too.
    func parentEnded()
}

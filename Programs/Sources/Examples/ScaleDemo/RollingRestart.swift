import Foundation

/// Restarts the servers one at a time under load, as a deployment replaces its instances: each is
/// stopped with a grace period and waited for, started again on its address and port, and the next
/// one's turn comes once the restarted one has answered a call.
struct RollingRestart {
    /// The servers, restarted in this order.
    let backends: [GreeterBackend]
    /// Where each step is told.
    let narrator: Narrator
    /// Seconds a stopping server's running calls may take to finish.
    let grace: Double = 1
    /// Seconds to wait for a restarted server's first call before going on without it.
    let firstCallTimeout: Double = 10

    /// Restarts every server; returns the names of those that started again.
    func run() -> Set<String> {
        narrator.say("Rolling restart: one server at a time, the load going on")
        var restarted: Set<String> = []
        for backend in backends {
            narrator.say(
                "\(backend.name): stopping with a grace of \(Int(grace)) s (no new calls; running calls may finish)")
            if backend.stop(grace: grace) {
                narrator.say("\(backend.name): stopped")
            } else {
                narrator.say("\(backend.name): still not stopped after \(Int(grace) + 10) s; starting it again anyway")
            }
            do {
                try backend.startAgain()
            } catch {
                narrator.say("\(backend.name): cannot start again on \(backend.address): \(error)")
                continue
            }
            restarted.insert(backend.name)
            narrator.say("\(backend.name): started again on \(backend.address)")
            if waitForFirstCall(backend) {
                narrator.say("\(backend.name): answering calls again")
            } else {
                narrator.say("\(backend.name): no call in \(Int(firstCallTimeout)) s since it started again; going on")
            }
        }
        narrator.say("Rolling restart done")
        return restarted
    }

    /// Waits until `backend` has answered a call since it started again; false after ``firstCallTimeout``.
    private func waitForFirstCall(_ backend: GreeterBackend) -> Bool {
        let giveUp = narrator.elapsed + firstCallTimeout
        while backend.answeredSinceStart == 0 {
            if narrator.elapsed >= giveUp { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }
}

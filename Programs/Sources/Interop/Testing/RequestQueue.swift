import Foundation

/// Requests handed to a streaming call one at a time: the call's sender thread reads this sequence
/// and blocks until the test ``put(_:)``s the next request or ``close()``s the queue (half-close).
/// Ping-pong and cancellation cases use it to send at the moment the procedure says.
final class RequestQueue<Element>: Sequence, @unchecked Sendable {  // `condition` protects the state
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false

    /// Adds a request for the sender thread.
    func put(_ item: Element) {
        condition.withLock {
            items.append(item)
            condition.broadcast()
        }
    }

    /// Ends the sequence once the queued requests have been read.
    func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }

    func makeIterator() -> AnyIterator<Element> {
        AnyIterator { [self] in
            condition.withLock {
                while items.isEmpty && !closed { condition.wait() }
                return items.isEmpty ? nil : items.removeFirst()
            }
        }
    }
}

/// A test case found the server's answer different from what the interop descriptions require;
/// the description says what differed.
public struct InteropFailure: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// Throws an ``InteropFailure`` with `message` unless `condition` holds.
func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws(InteropFailure) {
    if !condition { throw InteropFailure(message()) }
}

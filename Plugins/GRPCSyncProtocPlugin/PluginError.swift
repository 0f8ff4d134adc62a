/// A reason the build plugin cannot generate code; SwiftPM prints the description as the build error.
struct PluginError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

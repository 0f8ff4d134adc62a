import Foundation
import TestProcesses

/// Where the interop programs and the matrix runner are.
enum InteropPrograms {
    /// interop-server or interop-client, built next to the test binary (this test target depends
    /// on both).
    static func program(_ name: String) -> String { Repository.binDirectory.appendingPathComponent(name).path }

    /// scripts/interop.py, which runs the matrix of docs/interop.md.
    static var runner: String { Repository.path("scripts/interop.py") }
}

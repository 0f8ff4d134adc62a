import Foundation

/// The process's peak resident set size (VmHWM), which Linux resets to the current RSS on request.
enum PeakRSS {
    /// The peak so far, in bytes.
    static func current() -> Int { field("VmHWM:") }

    /// Resets the peak to the current RSS (`/proc/self/clear_refs` 5) and returns it, in bytes;
    /// nil when the kernel does not allow it.
    static func resetToCurrent() -> Int? {
        guard (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .ascii)) != nil else {
            return nil
        }
        let peak = field("VmHWM:")
        // Just reset, the peak is the current RSS (give or take what moved since).
        return peak > 0 && peak <= field("VmRSS:") + 1024 * 1024 ? peak : nil
    }

    private static func field(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .ascii),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
            let kilobytes = Int(line.dropFirst(name.count).trimmingCharacters(in: .whitespaces).dropLast(3))
        else { return 0 }
        return kilobytes * 1024
    }
}

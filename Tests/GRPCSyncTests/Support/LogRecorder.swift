import Foundation
import Logging

/// Keeps every record logged through the loggers it makes, for tests to read.
final class LogRecorder: @unchecked Sendable {  // `lock` protects `kept`
    struct Record: CustomStringConvertible {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata

        var description: String { "\(level) \(message) \(metadata)" }
    }

    private let lock = NSLock()
    private var kept: [Record] = []

    /// A logger whose records this recorder keeps, from `level` up.
    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "test") { _ in Handler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    var records: [Record] { lock.withLock { kept } }

    /// The records whose message contains `text`.
    func records(containing text: String) -> [Record] { records.filter { $0.message.contains(text) } }

    /// Waits (at most `timeout` seconds) for a record whose message contains `text`.
    func waitForRecord(containing text: String, timeout: Double = 10) -> Record? {
        let end = Date().addingTimeInterval(timeout)
        repeat {
            if let found = records(containing: text).first { return found }
            Thread.sleep(forTimeInterval: 0.02)
        } while Date() < end
        return nil
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let record = Record(
                level: event.level, message: "\(event.message)",
                metadata: metadata.merging(event.metadata ?? [:]) { $1 })
            recorder.lock.withLock { recorder.kept.append(record) }
        }
    }
}

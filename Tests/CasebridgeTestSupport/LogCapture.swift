public import Logging
import Synchronization

/// Collects log lines in memory so tests can scan them (for leaks, for refusals).
public final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])

    public init() {}

    /// A logger at debug level writing into this capture.
    public var logger: Logger {
        var l = Logger(label: "test") { _ in CaptureHandler(capture: self) }
        l.logLevel = .debug
        return l
    }

    /// Every line so far: level, message, then sorted `key=value` metadata.
    public var all: String { lines.withLock { $0.joined(separator: "\n") } }

    struct CaptureHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var m = metadata
            if let e = event.metadata { m.merge(e) { $1 } }
            let line = "\(event.level) \(event.message) \(m.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))"
            capture.lines.withLock { $0.append(line) }
        }
    }
}

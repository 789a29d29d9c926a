import Foundation
public import Logging

/// Logs to standard error as text lines or JSON objects (one per line), with metadata.
///
/// Callers put only non-identifying values in metadata: counts, seqs, node ids, purposes.
public struct StderrLogHandler: LogHandler {
    /// Output format.
    public enum Format: String, Sendable {
        case text, json
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public let label: String
    public let format: Format

    public init(label: String, format: Format, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let time = ISO8601DateFormatter().string(from: Date())
        let line: String
        switch format {
        case .json:
            var obj: [String: String] = ["ts": time, "level": event.level.rawValue, "label": label, "msg": "\(event.message)"]
            for (k, v) in merged { obj[k] = "\(v)" }
            let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        case .text:
            let meta = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(time) \(event.level.rawValue.uppercased()) \(label): \(event.message)" + (meta.isEmpty ? "" : " \(meta)")
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

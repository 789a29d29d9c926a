import ArgumentParser
import CasebridgeCore
import CasebridgeNode
import CasebridgeStore
import Foundation
import Logging

/// Output format of a command.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options every node command shares: where the configuration is and how to log.
struct NodeOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $CASEBRIDGE_CONFIG, else ./casebridge.toml).")
    var config: String?

    @Option(name: .long, help: "Log format on stderr: text or json (default: the config's log.format, or $CASEBRIDGE_LOG_FORMAT).")
    var logFormat: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (default: warning, or $CASEBRIDGE_LOG_LEVEL).")
    var logLevel: String?

    /// The configuration file path in effect.
    var configPath: String {
        config ?? ProcessInfo.processInfo.environment["CASEBRIDGE_CONFIG"] ?? "casebridge.toml"
    }

    /// Loads the configuration, applying environment overrides (`CASEBRIDGE_DATABASE`).
    func loadConfig() throws -> NodeConfig {
        let path = configPath
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(message: "\(path): cannot read configuration file (pass --config or set CASEBRIDGE_CONFIG; `casebridge init` creates one)", code: Exit.config)
        }
        let dir = (path as NSString).deletingLastPathComponent
        let absDir = dir.isEmpty ? FileManager.default.currentDirectoryPath : (dir.hasPrefix("/") ? dir : FileManager.default.currentDirectoryPath + "/" + dir)
        var cfg = try NodeConfig(toml: String(decoding: data, as: UTF8.self), source: path, directory: absDir)
        let env = ProcessInfo.processInfo.environment
        if let db = env["CASEBRIDGE_DATABASE"] { cfg.database = db }
        if let f = env["CASEBRIDGE_LOG_FORMAT"], let lf = NodeConfig.LogFormat(rawValue: f) { cfg.logFormat = lf }
        if let l = env["CASEBRIDGE_LOG_LEVEL"] { cfg.logLevel = l }
        return cfg
    }

    /// A logger writing to stderr in the configured format.
    func makeLogger(config: NodeConfig?) -> Logger {
        let env = ProcessInfo.processInfo.environment
        let formatName = logFormat ?? env["CASEBRIDGE_LOG_FORMAT"] ?? config?.logFormat.rawValue ?? "text"
        let format = StderrLogHandler.Format(rawValue: formatName) ?? .text
        let level = Logger.Level(rawValue: logLevel ?? env["CASEBRIDGE_LOG_LEVEL"] ?? "warning") ?? .warning
        var logger = Logger(label: "casebridge") { label in StderrLogHandler(label: label, format: format, level: level) }
        if let config { logger[metadataKey: "node"] = "\(config.nodeId)" }
        return logger
    }

    /// Loads configuration and keys and connects to a database at the current schema.
    func openNode() throws -> (NodeContext, NodeStore, Logger) {
        let cfg = try loadConfig()
        let logger = makeLogger(config: cfg)
        let context = try NodeContext(config: cfg)
        let store = try NodeStore(conninfo: cfg.database)
        try Migrator.requireCurrent(store.db)
        guard let id = try store.nodeId() else {
            throw CLIError(message: "the database is not initialized for a node; run `casebridge init`", code: Exit.config)
        }
        guard id == cfg.nodeId else {
            throw CLIError(message: "the database belongs to node `\(id)`, but the configuration says `\(cfg.nodeId)`", code: Exit.config)
        }
        return (context, store, logger)
    }
}

/// `value` as pretty JSON with sorted keys, ending in a newline.
func prettyJSON<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return try encoder.encode(value) + Data("\n".utf8)
}

/// Writes `value` as pretty JSON to stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    // Through print, like the rest of a command's output (stdio buffering keeps the order).
    print(String(decoding: try prettyJSON(value).dropLast(), as: UTF8.self))
}

/// Writes `data` to the file `path` (mode 0600 when `restricted`) and `summary` to stderr, or, without a path, to
/// standard output.
func writeOutput(_ data: Data, to path: String?, restricted: Bool, summary: @autoclosure () -> String) throws {
    guard let path else {
        FileHandle.standardOutput.write(data)
        return
    }
    guard FileManager.default.createFile(atPath: path, contents: data, attributes: restricted ? [.posixPermissions: 0o600] : nil) else {
        throw CLIError(message: "\(path): cannot write", code: Exit.cantCreate)
    }
    printError(summary())
}

/// A progress line on a terminal's stderr, redrawn at most every 100 ms; silent when stderr is not a terminal.
final class ProgressDisplay: @unchecked Sendable {
    private let enabled: Bool
    private var last = Date.distantPast
    private let lock = NSLock()

    init(enabled: Bool = isatty(2) == 1) { self.enabled = enabled }

    func update(_ phase: String, _ done: Int, _ total: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard done >= total || now.timeIntervalSince(last) > 0.1 else { return }
        last = now
        let pct = total > 0 ? Int(Double(done) / Double(total) * 100) : 100
        FileHandle.standardError.write(Data("\r\u{1B}[K\(phase) \(done)/\(total) (\(pct)%)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

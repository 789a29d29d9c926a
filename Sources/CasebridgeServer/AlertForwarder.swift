import CasebridgeNode
import CasebridgeStore
import Foundation
import Logging
import ServiceLifecycle

/// Hands each new alert to the configured hook (`alerts.hook`): `/bin/sh -c HOOK` with the alert as JSON on stdin
/// and `CASEBRIDGE_ALERT_ID`/`CASEBRIDGE_ALERT_KIND` in the environment. Exit 0 marks the alert delivered; a
/// failure is recorded and retried with backoff. Alerts carry contacts and identifier kinds, never identifiers.
final class AlertForwarder: Service, Sendable {
    let pool: StorePool
    let hook: String
    let logger: Logger
    let timeoutSeconds: Double = 30

    init(pool: StorePool, hook: String, logger: Logger) {
        self.pool = pool
        self.hook = hook
        self.logger = logger
    }

    func run() async throws {
        var backoff = 1.0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var failed = false
            if let alerts = try? await pool.withStore({ try $0.undeliveredAlerts() }) {
                for a in alerts {
                    let error = await deliver(a)
                    _ = try? await pool.withStore { try $0.markAlertDelivered(id: a.id, error: error) }
                    if let error {
                        logger.warning("alert hook failed", metadata: ["alert": "\(a.id)", "error": "\(error)"])
                        failed = true
                        break
                    }
                    logger.info("alert forwarded", metadata: ["alert": "\(a.id)", "kind": "\(a.kind)"])
                }
            }
            backoff = failed ? min(backoff * 2, 300) : 1
            try? await Task.sleep(for: .seconds(failed ? backoff : 2))
        }
    }

    /// Runs the hook for one alert; nil on success, else why it failed.
    func deliver(_ alert: NodeStore.AlertRow) async -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let json = try? encoder.encode(alert) else { return "cannot encode the alert" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", hook]
        var env = ProcessInfo.processInfo.environment
        env["CASEBRIDGE_ALERT_ID"] = String(alert.id)
        env["CASEBRIDGE_ALERT_KIND"] = alert.kind
        process.environment = env
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "cannot start the hook: \(error.localizedDescription)"
        }
        stdin.fileHandleForWriting.write(json)
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                return "the hook ran longer than \(Int(timeoutSeconds)) s"
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus == 0 ? nil : "the hook exited with status \(process.terminationStatus)"
    }
}

/// Runs `work` every `interval` seconds (the first time one interval after start) until graceful shutdown; a failure
/// is logged as "`what` failed" and the next run comes at the next interval. Serves the audit anchors (every
/// `audit.anchor_minutes`) and pseudonym-epoch steps (every `sync.epoch_step_seconds`).
final class PeriodicService: Service, Sendable {
    let what: String
    let interval: Double
    let logger: Logger
    let work: @Sendable () async throws -> Void

    init(_ what: String, every interval: Double, logger: Logger, work: @escaping @Sendable () async throws -> Void) {
        self.what = what
        self.interval = interval
        self.logger = logger
        self.work = work
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            do {
                try await work()
            } catch {
                logger.error("\(what) failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

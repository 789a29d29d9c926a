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

/// Signs the audit chain head into the origin log every `audit.anchor_minutes` (when it moved), so peers hold it.
final class AuditAnchorService: Service, Sendable {
    let pool: StorePool
    let anchorer: AuditAnchorer
    let interval: Double
    let logger: Logger

    init(pool: StorePool, anchorer: AuditAnchorer, interval: Double, logger: Logger) {
        self.pool = pool
        self.anchorer = anchorer
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            let anchorer = self.anchorer
            do {
                _ = try await pool.withStore { try anchorer.anchor(store: $0) }
            } catch {
                logger.error("audit anchor failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Advances pseudonym-epoch transitions (`EpochManager.step`): publish under the new epoch once every origin holds
/// it, re-tokenize this node's records, retire older epochs once nobody uses them.
final class EpochService: Service, Sendable {
    let pool: StorePool
    let manager: EpochManager
    let interval: Double
    let logger: Logger

    init(pool: StorePool, manager: EpochManager, interval: Double, logger: Logger) {
        self.pool = pool
        self.manager = manager
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            let manager = self.manager
            do {
                var r = try await pool.withStore { try manager.step(store: $0) }
                // A large node re-tokenizes in batches: go on at once while there is more.
                while r.republished > 0 && !Task.isShuttingDownGracefully {
                    r = try await pool.withStore { try manager.step(store: $0) }
                }
            } catch let e as PublishRefused where e.code == .fenced {
                logger.debug("pseudonym epoch step waits for the publishing fence", metadata: ["reason": "\(e.reason)"])
            } catch {
                logger.error("pseudonym epoch step failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

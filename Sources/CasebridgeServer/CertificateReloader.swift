import CasebridgeCore
import CasebridgeStore
import CasebridgeTrust
import Foundation
public import Logging
public import ServiceLifecycle
public import UnixSignals
import Synchronization

/// Picks up a renewed certificate and key while the node runs: on SIGHUP and when the TLS files change (polled).
/// A new pair is checked first (chains to the federation CA the node started with, valid now, key matches, names
/// this node, not revoked); a bad pair is refused with an error in the log and the old one stays in use.
/// Also warns, at start and hourly, when this node's or a peer's certificate is close to expiry.
public final class CertificateReloader: Service, Sendable {
    /// What one reload attempt did.
    public enum Outcome: Sendable, Equatable {
        /// The files are the ones in use (or the ones last refused).
        case unchanged
        /// The new certificate with this serial is in use for new handshakes.
        case reloaded(serial: String)
        /// The new files were refused; the old certificate stays in use.
        case refused(reason: String)
    }

    let identities: TLSIdentityStore
    let client: PeerClient
    let pool: StorePool
    let metrics: NodeMetrics
    let logger: Logger
    let checkSeconds: Double
    let warnDays: Int
    let reloadSignals: [UnixSignal]
    private let state = Mutex<State>(State())

    struct State {
        var refusedDigest: String?
        var signalsReady = false
    }

    public init(
        identities: TLSIdentityStore, client: PeerClient, pool: StorePool, metrics: NodeMetrics, checkSeconds: Double, warnDays: Int,
        reloadSignals: [UnixSignal], logger: Logger
    ) {
        self.identities = identities
        self.client = client
        self.pool = pool
        self.metrics = metrics
        self.checkSeconds = checkSeconds
        self.warnDays = warnDays
        self.reloadSignals = reloadSignals
        self.logger = logger
    }

    /// Whether the reload signal handler is installed (a signal sent before would take its default action).
    public var signalsReady: Bool { state.withLock { $0.signalsReady } }

    public func run() async throws {
        await checkInUse()
        await warnIfExpiring()
        await withDiscardingTaskGroup { group in
            if !reloadSignals.isEmpty {
                let signals = reloadSignals
                group.addTask {
                    let sequence = await UnixSignalsSequence(trapping: signals)
                    self.state.withLock { $0.signalsReady = true }
                    for await signal in sequence.cancelOnGracefulShutdown() {
                        await self.reload(trigger: "\(signal)", force: true)
                    }
                }
            }
            var lastWarning = ContinuousClock.now
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let pause = Int64(checkSeconds * 1000)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(pause)) }
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                await reload(trigger: "file change", force: false)
                await client.shutdownRetiredClients()
                if ContinuousClock.now - lastWarning >= .seconds(3600) {
                    lastWarning = .now
                    await warnIfExpiring()
                }
            }
            group.cancelAll()
        }
    }

    /// Checks the TLS files and, if they changed (or `force`), validates and installs them for new handshakes.
    @discardableResult
    public func reload(trigger: String, force: Bool) async -> Outcome {
        let inUse = identities.identity
        let files: TLSIdentityStore.Files
        do {
            files = try TLSIdentityStore.readFiles(identities.settings)
        } catch {
            return refuse("\(error)", digest: nil, trigger: trigger, inUse: inUse)
        }
        let lastRefused = state.withLock { $0.refusedDigest }
        if files.digest == inUse.filesDigest || (!force && files.digest == lastRefused) {
            if force { logger.info("TLS certificate unchanged", metadata: ["trigger": "\(trigger)", "serial": "\(inUse.info.serial)"]) }
            return .unchanged
        }
        do {
            let info = try await NodeCertificate.validateIdentity(
                chainPEM: files.chainPEM, keyPEM: files.keyPEM, caPEM: identities.caPEM, expectedNodeId: identities.nodeId)
            let serial = info.serial
            if try await pool.withStore({ try $0.isCertificateRevoked(serial: serial) }) {
                throw TrustError(.revoked, "certificate \(serial) is revoked by the federation CA")
            }
            let identity = try TLSIdentityStore.identity(from: files)
            identities.replace(with: identity)
            client.reloadTLS(identities.clientTLSConfiguration())
            state.withLock { $0.refusedDigest = nil }
            metrics.increment("casebridge_tls_reloads_total", ["result": "ok"])
            logger.notice(
                "TLS certificate reloaded: new handshakes use it",
                metadata: [
                    "trigger": "\(trigger)", "serial": "\(serial)", "previousSerial": "\(inUse.info.serial)",
                    "notAfter": "\(info.notAfter)",
                ])
            warnIfExpiring(own: info)
            return .reloaded(serial: serial)
        } catch {
            return refuse("\(error)", digest: files.digest, trigger: trigger, inUse: inUse)
        }
    }

    private func refuse(_ reason: String, digest: String?, trigger: String, inUse: TLSIdentityStore.Identity) -> Outcome {
        state.withLock { $0.refusedDigest = digest }
        metrics.increment("casebridge_tls_reloads_total", ["result": "refused"])
        logger.error(
            "new TLS certificate refused; the old one stays in use",
            metadata: ["trigger": "\(trigger)", "reason": "\(reason)", "serial": "\(inUse.info.serial)"])
        return .refused(reason: reason)
    }

    /// At start: says whether the certificate in use chains to the CA and is valid now.
    func checkInUse() async {
        let files: TLSIdentityStore.Files
        do { files = try TLSIdentityStore.readFiles(identities.settings) } catch { return }
        do {
            _ = try await NodeCertificate.validateIdentity(
                chainPEM: files.chainPEM, keyPEM: files.keyPEM, caPEM: identities.caPEM, expectedNodeId: identities.nodeId)
        } catch {
            logger.error("the TLS certificate in use does not pass the node's checks", metadata: ["reason": "\(error)"])
        }
    }

    /// Warns when this node's certificate, or one a peer presented, expires within `warnDays`.
    func warnIfExpiring() async {
        warnIfExpiring(own: identities.identity.info)
        let peers = (try? await pool.withStore { try $0.peerCertificates() }) ?? []
        let parser = ISO8601DateFormatter()
        for p in peers {
            guard let notAfter = parser.date(from: p.notAfter) else { continue }
            let days = TLSIdentityStore.daysLeft(until: notAfter)
            if days < warnDays {
                logger.warning(
                    "a peer's TLS certificate expires soon",
                    metadata: ["peer": "\(p.peer)", "role": "\(p.role)", "serial": "\(p.serial)", "daysLeft": "\(days)", "notAfter": "\(p.notAfter)"])
            }
        }
    }

    func warnIfExpiring(own info: CertificateInfo) {
        let days = TLSIdentityStore.daysLeft(until: info.notAfter)
        if info.notAfter < Date() {
            logger.error("this node's TLS certificate has expired: run `casebridge cert renew`", metadata: ["serial": "\(info.serial)", "notAfter": "\(info.notAfter)"])
        } else if days < warnDays {
            logger.warning(
                "this node's TLS certificate expires soon: run `casebridge cert renew`",
                metadata: ["serial": "\(info.serial)", "daysLeft": "\(days)", "notAfter": "\(info.notAfter)"])
        }
    }
}

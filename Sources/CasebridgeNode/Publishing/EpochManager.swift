public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Foundation
public import Logging

/// Pseudonymization key epochs (docs/operations/key-compromise.md, drill 6).
///
/// 1. `rotate` installs the federation's next key at this node (the old one is kept beside it), announces the
///    epoch in the origin log (trust entry `pseudonym-epoch`, with the key's fingerprint), and from then on this
///    node searches under both epochs.
/// 2. `step` (run by `serve` every `sync.epoch_step_seconds`, or `casebridge keys pseudonym-step`): once every
///    trusted origin has announced the epoch, this node publishes under it and re-tokenizes its own live records
///    (new versions); once no trusted origin has a live record under an older epoch, the older epochs are retired
///    here: their tokens, the record bodies that carry them, and the retained key file are removed.
///
/// Publishing waits for every announcement so that no node ever holds a token it cannot match: search recall is
/// the same before, during and after the transition.
public struct EpochManager: Sendable {
    public let context: NodeContext
    public let logger: Logger

    public init(context: NodeContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    public struct RotateReport: Sendable, Codable {
        public var previousEpoch: Int
        public var epoch: Int
        public var fingerprint: String
        public var seq: UInt64
        public var waitingFor: [String]
    }

    public struct StepReport: Sendable, Codable {
        public var publishEpoch: Int
        public var switched: Bool
        public var republished: Int
        public var retiredEpochs: [Int]
        public var tokensRemoved: Int
        public var bodiesRemoved: Int
        /// Trusted origins that have not announced the newest epoch this node holds.
        public var waitingForAnnouncement: [String]
        /// Trusted origins that still have live records under an older epoch here.
        public var waitingForRepublication: [String]
    }

    /// Installs the key in `newKeyPath` (epoch = current + 1) and announces it.
    public func rotate(newKeyPath: String, actor: String = "host-admin", store: NodeStore) throws -> RotateReport {
        let cfg = context.config
        let new = try PseudonymKey.load(path: newKeyPath)
        let current = try PseudonymKey.load(path: cfg.pseudonymKeyPath)
        guard new.epoch == current.epoch + 1 else {
            throw PublishRefused(.input, "\(newKeyPath) holds epoch \(new.epoch); this node holds epoch \(current.epoch), so the next key must be epoch \(current.epoch + 1)")
        }
        guard new.fingerprint != current.fingerprint else { throw PublishRefused(.input, "\(newKeyPath) is the key this node already holds") }
        let retained = context.retainedPseudonymKeyPath(epoch: current.epoch)
        if !FileManager.default.fileExists(atPath: retained) { try current.write(to: retained) }
        let staged = cfg.pseudonymKeyPath + ".incoming"
        try? FileManager.default.removeItem(atPath: staged)
        try new.write(to: staged)
        let report: RotateReport
        do {
            report = try store.db.transaction {
                let (head, key) = try Publishing.begin(context: context, store: store)
                if try store.localEpochs().isEmpty {
                    try store.setLocalEpoch(current.epoch, fingerprint: current.fingerprint, state: "publishing")
                }
                try store.setLocalEpoch(new.epoch, fingerprint: new.fingerprint, state: "installed")
                let seq = head + 1
                try KeyManager(context: context, logger: logger).write(
                    .pseudonymEpoch(origin: cfg.nodeId, epoch: new.epoch, fingerprint: new.fingerprint, seq: seq), seq: seq, key: key, store: store)
                try store.recordOriginEpoch(origin: cfg.nodeId, epoch: new.epoch, fingerprint: new.fingerprint, seq: seq)
                try AuditLog().record(
                    .init(actor: actor, role: "admin", action: "keys.pseudonym-rotate", outcome: "ok", target: cfg.nodeId,
                          details: ["epoch": "\(new.epoch)", "fingerprint": new.fingerprint]),
                    store: store, inTransaction: true)
                let waiting = try store.epochProgress().filter { $0.announced[new.epoch] == nil }.map(\.origin)
                return RotateReport(previousEpoch: current.epoch, epoch: new.epoch, fingerprint: new.fingerprint, seq: seq, waitingFor: waiting)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: staged)
            throw error
        }
        guard rename(staged, cfg.pseudonymKeyPath) == 0 else {
            throw PublishRefused(.key, "epoch \(new.epoch) announced but \(staged) could not replace \(cfg.pseudonymKeyPath): \(String(cString: strerror(errno)))")
        }
        Publishing.committed(context: context, head: report.seq)
        try context.refreshPseudonymKeys(store: store)
        logger.notice("pseudonym epoch installed and announced", metadata: ["epoch": "\(new.epoch)", "fingerprint": "\(new.fingerprint)"])
        return report
    }

    /// Advances a transition as far as the federation allows; idempotent. Re-publishes at most `batch` records.
    public func step(store: NodeStore, batch: Int = 2000) throws -> StepReport {
        let origin = context.config.nodeId
        try context.refreshPseudonymKeys(store: store)
        let held = context.searchPseudonymKeys.map(\.epoch)
        var publishEpoch = context.pseudonymKey.epoch
        var report = StepReport(
            publishEpoch: publishEpoch, switched: false, republished: 0, retiredEpochs: [], tokensRemoved: 0, bodiesRemoved: 0,
            waitingForAnnouncement: [], waitingForRepublication: [])
        guard let newest = held.max(), newest > publishEpoch || held.count > 1 else { return report }
        var progress = try store.epochProgress()
        report.waitingForAnnouncement = progress.filter { $0.announced[newest] == nil }.map(\.origin)
        // 1. Publish under the newest epoch every trusted origin holds.
        if newest > publishEpoch, report.waitingForAnnouncement.isEmpty, let k = context.searchPseudonymKeys.first(where: { $0.epoch == newest }) {
            try store.setLocalEpoch(newest, fingerprint: k.fingerprint, state: "publishing")
            try context.refreshPseudonymKeys(store: store)
            publishEpoch = context.pseudonymKey.epoch
            report.switched = true
            logger.notice("publishing under the new pseudonym epoch", metadata: ["epoch": "\(publishEpoch)"])
        }
        report.publishEpoch = publishEpoch
        // 2. Re-tokenize this node's own records still under an older epoch.
        let stale = try store.ownRecordsBelowEpoch(origin: origin, epoch: publishEpoch, limit: batch)
        if !stale.isEmpty {
            let last = try store.db.transaction { () -> (first: UInt64, last: UInt64) in
                let (head, key) = try Publishing.begin(context: context, store: store)
                let versions = Dictionary(stale.map { ($0.recordId, $0.version) }, uniquingKeysWith: { a, _ in a })
                let last = try KeyManager(context: context, logger: logger).republish(
                    recordIds: stale.map(\.recordId), after: head, key: key, store: store, versions: versions)
                return (head, last)
            }
            report.republished = Int(last.last - last.first)
            if last.last > last.first { Publishing.committed(context: context, head: last.last) }
            logger.info("records re-tokenized under the new pseudonym epoch", metadata: ["records": "\(report.republished)", "epoch": "\(publishEpoch)"])
            progress = try store.epochProgress()
        }
        // 3. Retire older epochs once no trusted origin has a live record under one.
        report.waitingForRepublication = progress.filter { p in p.liveRecords.contains { $0.key < publishEpoch && $0.value > 0 } }.map(\.origin)
        let older = held.filter { $0 < publishEpoch }
        if report.waitingForRepublication.isEmpty, !older.isEmpty {
            let removed = try store.db.transaction { try store.retireEpochs(below: publishEpoch) }
            for e in older { try? FileManager.default.removeItem(atPath: context.retainedPseudonymKeyPath(epoch: e)) }
            try context.refreshPseudonymKeys(store: store)
            report.retiredEpochs = older.sorted()
            report.tokensRemoved = removed.tokens
            report.bodiesRemoved = removed.bodies
            logger.notice(
                "older pseudonym epochs retired", metadata: ["epochs": "\(older)", "tokens": "\(removed.tokens)", "bodies": "\(removed.bodies)"])
        }
        return report
    }
}

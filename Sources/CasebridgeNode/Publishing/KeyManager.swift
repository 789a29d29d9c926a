public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Foundation
public import Logging

/// Signing-key rotation and revocation by this node, in its own origin log (trust entries, kind 3), so every other
/// node learns them through replication alone (docs/protocol.md §1.9, docs/operations/key-compromise.md).
public struct KeyManager: Sendable {
    public let context: NodeContext
    public let logger: Logger

    public init(context: NodeContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    public struct RotationReport: Sendable, Codable {
        public var oldKeyId: String
        public var newKeyId: String
        /// The seq of the rotation entry (signed by the old key).
        public var seq: UInt64
        /// The first seq the new key signs.
        public var fromSeq: UInt64
        public var keyFile: String
    }

    public struct RevocationReport: Sendable, Codable {
        public var keyId: String
        public var fromSeq: UInt64
        /// The seq of the revocation entry (signed by the key in use).
        public var seq: UInt64
        public var quarantined: Int
        public var recordsRebuilt: Int
        /// Own records signed again under the key in use, with a version above anything the revoked key signed.
        public var republished: Int
        public var lastSeq: UInt64
    }

    /// The record id of this node's trust statements.
    var trustRecordId: String { "\(context.config.nodeId)/.trust" }

    /// Generates a new signing key, publishes the rotation (signed by the current key, carrying the new key's proof)
    /// and makes the new key the node's key file. The old secret is overwritten on disk.
    public func rotate(actor: String = "host-admin", store: NodeStore) throws -> RotationReport {
        let origin = context.config.nodeId
        let newKey = SigningKey.generate()
        let pending = context.pendingSigningKeyPath
        let report: RotationReport
        do {
            report = try store.db.transaction {
                let (head, oldKey) = try Publishing.begin(context: context, store: store)
                // A `.next` file still here after `begin` is left over from a rotation that never committed.
                if FileManager.default.fileExists(atPath: pending) { try FileManager.default.removeItem(atPath: pending) }
                try newKey.write(to: pending, nodeId: origin)
                let seq = head + 1
                let from = seq + 1
                let proof = newKey.sign(TrustStatement.rotationProofMessage(origin: origin, keyId: newKey.publicKey.keyId, fromSeq: from))
                let statement = TrustStatement.rotation(
                    origin: origin, keyId: newKey.publicKey.keyIdHex, publicKey: Hex.encode(newKey.publicKey.bytes), fromSeq: from,
                    proof: Hex.encode(proof))
                try write(statement, seq: seq, key: oldKey, store: store)
                try store.applyRotation(origin: origin, keyId: newKey.publicKey.keyId, publicKey: newKey.publicKey.bytes, fromSeq: from, statementSeq: seq)
                try AuditLog().record(
                    .init(actor: actor, role: "admin", action: "keys.rotate", outcome: "ok", target: origin,
                          details: ["oldKey": oldKey.publicKey.keyIdHex, "newKey": newKey.publicKey.keyIdHex, "fromSeq": "\(from)"]),
                    store: store, inTransaction: true)
                return RotationReport(
                    oldKeyId: oldKey.publicKey.keyIdHex, newKeyId: newKey.publicKey.keyIdHex, seq: seq, fromSeq: from,
                    keyFile: context.config.signingKeyPath)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: pending)
            throw error
        }
        // A concurrent publisher may already have completed the rename (`NodeContext.signingKey(validAt:store:)`).
        let renamed = rename(pending, context.config.signingKeyPath) == 0
            || (try? SigningKey.load(path: context.config.signingKeyPath))?.publicKey.keyIdHex == report.newKeyId
        guard renamed else {
            throw PublishRefused(.key, "rotation committed but \(pending) could not replace \(context.config.signingKeyPath): \(String(cString: strerror(errno))); the next publish completes it")
        }
        _ = try context.signingKey(validAt: report.fromSeq, store: store)
        Publishing.committed(context: context, head: report.seq)
        logger.notice("signing key rotated", metadata: ["oldKey": "\(report.oldKeyId)", "newKey": "\(report.newKeyId)", "fromSeq": "\(report.fromSeq)"])
        return report
    }

    /// Publishes the revocation of `keyId` from `fromSeq`, quarantines what that key signed from there on (here, and
    /// at every node the entry reaches), and re-publishes this node's genuine records that the quarantine touched.
    public func revoke(keyIdHex: String, fromSeq: UInt64, reason: String, actor: String = "host-admin", store: NodeStore) throws -> RevocationReport {
        let origin = context.config.nodeId
        guard TrustCard.isHex(keyIdHex, bytes: 16), let kid = Hex.decode(keyIdHex) else {
            throw PublishRefused(.input, "--key must be a key id of 32 hex digits (see `casebridge keys list`)")
        }
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, reason.count <= 500 else {
            throw PublishRefused(.input, "--reason must be 1-500 characters")
        }
        let report = try store.db.transaction {
            let (head, key) = try Publishing.begin(context: context, store: store)
            guard let revoked = try store.signingKeys(origin: origin).first(where: { $0.keyId == kid }) else {
                throw PublishRefused(.input, "key \(keyIdHex) is not a signing key of \(origin) (see `casebridge keys list`)")
            }
            guard revoked.keyId != key.publicKey.keyId else {
                throw PublishRefused(.input, "key \(keyIdHex) is the key this node signs with: run `casebridge keys rotate` first, then revoke it")
            }
            guard fromSeq >= 1, fromSeq <= head + 1 else {
                throw PublishRefused(.input, "--from-seq must be between 1 and \(head + 1) (this node's log head is \(head))")
            }
            let seq = head + 1
            try write(.revocation(origin: origin, keyId: keyIdHex, fromSeq: fromSeq, reason: reason), seq: seq, key: key, store: store)
            let touched = try store.applyRevocation(origin: origin, keyId: kid, fromSeq: fromSeq, statementSeq: seq, reason: reason)
            let quarantined = try store.quarantinedCount(origin: origin, keyId: kid, fromSeq: fromSeq)
            try Replicator.rebuild(recordIds: touched, store: store)
            let last = try republish(recordIds: touched.filter { $0.hasPrefix(origin + "/") }, after: seq, key: key, store: store)
            try AuditLog().record(
                .init(actor: actor, role: "admin", action: "keys.revoke", outcome: "ok", reason: reason, target: origin,
                      counts: ["quarantined": quarantined, "republished": Int(last - seq)],
                      details: ["key": keyIdHex, "fromSeq": "\(fromSeq)"]),
                store: store, inTransaction: true)
            return RevocationReport(
                keyId: keyIdHex, fromSeq: fromSeq, seq: seq, quarantined: quarantined, recordsRebuilt: touched.count,
                republished: Int(last - seq), lastSeq: last)
        }
        Publishing.committed(context: context, head: report.lastSeq)
        logger.warning(
            "signing key revoked", metadata: ["key": "\(keyIdHex)", "fromSeq": "\(fromSeq)", "quarantined": "\(report.quarantined)", "republished": "\(report.republished)"])
        return report
    }

    /// Signs a trust statement at `seq` and appends it (inside the publishing transaction).
    func write(_ statement: TrustStatement, seq: UInt64, key: SigningKey, store: NodeStore) throws {
        let origin = context.config.nodeId
        let entry = SignedEntry.make(
            kind: .trust, origin: origin, seq: seq, recordId: trustRecordId, version: VersionVector([origin: seq]),
            timestamp: Int64(Date().timeIntervalSince1970 * 1000), body: Pseudonymizer.encode(statement), key: key)
        try store.appendLog(origin: origin, [(seq: seq, kind: .trust, recordId: trustRecordId, entry: entry)])
        try store.setVector(origin: origin, seq: seq)
    }

    /// Signs the live private cases behind `recordIds` again as new versions after `seq`, each above `versions[id]`
    /// (the record's current version) or, without it, above every version its record ever had in the log
    /// (quarantined ones included). Written together: one log append, one record upsert. Returns the last seq written.
    func republish(recordIds: [String], after seq: UInt64, key: SigningKey, store: NodeStore, versions: [String: VersionVector]? = nil) throws -> UInt64 {
        let origin = context.config.nodeId
        let pseudonymizer = context.pseudonymizer
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var next = seq
        var log: [(seq: UInt64, kind: EntryKind, recordId: String, entry: SignedEntry)] = []
        var rows: [NodeStore.RecordRow] = []
        var tokens: [NodeStore.TokenRow] = []
        // The new versions must dominate every current version, siblings included, since they replace them all.
        let current = try store.joinedCurrentVersions(Set(recordIds))
        for recordId in recordIds.sorted() {
            let caseRef = String(recordId.dropFirst(origin.count + 1))
            guard let priv = try store.privateCase(caseRef: caseRef), !priv.deleted, priv.recordId == recordId else { continue }
            let (input, issues) = CaseInputDecoder.decode(line: 0, bytes: Array(priv.json.utf8))
            guard let input, issues.isEmpty else { continue }
            let (validated, _) = context.validator.validate(input, line: 0)
            guard let validated else { continue }
            let p = CaseImporter.prepare(validated, context: context, pseudonymizer: pseudonymizer)
            next += 1
            let base = try versions?[recordId] ?? store.maxLoggedVersion(recordId: recordId)
            let version = base.merged(with: current[recordId] ?? VersionVector()).incremented(for: origin)
            let entry = SignedEntry.make(
                kind: .record, origin: origin, seq: next, recordId: recordId, version: version, timestamp: now, body: p.body, key: key)
            log.append((next, .record, recordId, entry))
            rows.append(.init(recordId: recordId, origin: origin, seq: next, caseRef: caseRef, version: version, deleted: false, bodyHash: p.bodyHash, record: p.record))
            tokens += p.tokens
        }
        guard next > seq else { return seq }
        try store.appendLog(origin: origin, log)
        try store.upsertRecords(rows, tokens: tokens)
        try store.collapseToDisplayVersion(rows.map(\.recordId))
        try store.setVector(origin: origin, seq: next)
        return next
    }
}

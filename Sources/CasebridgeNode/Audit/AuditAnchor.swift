public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Foundation
public import Logging

/// The body of an audit anchor entry: the chain head of the origin's audit log when it was signed.
public struct AuditAnchorBody: Sendable, Hashable, Codable {
    public var format: String
    public var agency: String
    public var auditSeq: UInt64
    /// Hex of the chain hash of row `auditSeq`.
    public var auditHash: String

    public static let formatV1 = "casebridge.audit-anchor.v1"

    public init(agency: String, auditSeq: UInt64, auditHash: String) {
        self.format = Self.formatV1
        self.agency = agency
        self.auditSeq = auditSeq
        self.auditHash = auditHash
    }
}

/// Signs the audit log's chain head into this node's origin log, so every peer holds (and relays) proof of
/// what the log said at that time: rows cut off or rewritten afterwards no longer match a signed anchor.
public struct AuditAnchorer: Sendable {
    public let context: NodeContext
    public let logger: Logger

    public init(context: NodeContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    /// The record id anchors use: `<origin>/.audit`.
    public var recordId: String { context.config.nodeId + "/.audit" }

    /// The newest anchor this node signed: (audit seq, chain hash).
    public static func latest(origin: String, store: NodeStore) throws -> (seq: UInt64, hash: [UInt8])? {
        guard let body = try store.db.execute(
            "SELECT body FROM casebridge.origin_log WHERE origin = $1 AND kind = 4 AND body IS NOT NULL ORDER BY seq DESC LIMIT 1", [origin]
        ).rows.first?[0], let bytes = PostgresText.bytea(body),
              let a = try? JSONDecoder().decode(AuditAnchorBody.self, from: Data(bytes)), let h = Hex.decode(a.auditHash) else { return nil }
        return (a.auditSeq, h)
    }

    /// Writes an anchor for the current audit head, unless the newest anchor already covers it. Returns the entry's
    /// seq, nil when nothing needed anchoring.
    @discardableResult
    public func anchor(store: NodeStore) throws -> UInt64? {
        let origin = context.config.nodeId
        let written = try store.db.transaction { () -> UInt64? in
            let (logHead, key) = try Publishing.begin(context: context, store: store)
            let seq = logHead + 1
            guard let head = try store.db.execute("SELECT seq, hash FROM private.audit_log ORDER BY seq DESC LIMIT 1").rows.first,
                  let auditSeq = head[0].flatMap({ UInt64($0) }), let hash = PostgresText.bytea(head[1]) else { return nil }
            if let last = try Self.latest(origin: origin, store: store), last.seq == auditSeq { return nil }
            let body = Pseudonymizer.encode(AuditAnchorBody(agency: context.config.agency, auditSeq: auditSeq, auditHash: Hex.encode(hash)))
            let entry = SignedEntry.make(
                kind: .auditAnchor, origin: origin, seq: seq, recordId: recordId, version: VersionVector([origin: seq]),
                timestamp: Int64(Date().timeIntervalSince1970 * 1000), body: body, key: key)
            try store.appendLog(origin: origin, [(seq: seq, kind: .auditAnchor, recordId: recordId, entry: entry)])
            try store.setVector(origin: origin, seq: seq)
            logger.info("audit head anchored", metadata: ["seq": "\(seq)", "auditSeq": "\(auditSeq)"])
            return seq
        }
        if let written { Publishing.committed(context: context, head: written) }
        return written
    }
}

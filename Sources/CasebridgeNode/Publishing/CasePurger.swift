public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Foundation
public import Logging

/// Expunges a case (28 CFR 23.20(h)): a signed purge tombstone tells every node to drop the record's tokens and
/// the bodies of its entries; the private record is deleted; the purge is audited. Signed headers stay, so every
/// node's log remains verifiable.
public struct CasePurger: Sendable {
    public let context: NodeContext
    public let logger: Logger

    public init(context: NodeContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    /// What a purge did.
    public struct Report: Sendable, Codable {
        public var caseRef: String
        public var seq: UInt64
        public var bodiesDropped: Int
    }

    /// Purges `caseRef` and audits it as done by `actor` with `reason`.
    public func purge(caseRef: String, reason: String, actor: String, role: String?, store: NodeStore) throws -> Report {
        let report = try store.db.transaction {
            guard let priv = try store.privateCase(caseRef: caseRef) else {
                throw CaseDeleter.Refused(reason: "no case with that reference on this node")
            }
            // Writers of the origin log wait for each other from here, so two purges cannot both pass the check below.
            let publishing = try Publishing.begin(context: context, store: store)
            let head = try store.recordHead(recordId: priv.recordId)
            if head != nil, try store.isPurged(recordId: priv.recordId) {
                throw CaseDeleter.Refused(reason: "the case is already purged")
            }
            let bodies = Int(try store.db.execute(
                "SELECT count(*) FROM casebridge.origin_log WHERE record_id = $1 AND kind = 1 AND body IS NOT NULL", [priv.recordId]
            ).scalar ?? "0") ?? 0
            var seq: UInt64 = 0
            if let head {
                seq = try CaseDeleter.writeTombstone(
                    context: context, caseRef: caseRef, recordId: priv.recordId, over: head.version, expunge: true,
                    publishing: publishing, store: store)
                try store.expunge(purged: [priv.recordId], touched: [])
            }
            try store.deletePrivateCase(caseRef: caseRef)
            try AuditLog().record(
                .init(actor: actor, role: role, action: "case.purge", outcome: "ok", purpose: reason, target: caseRef,
                      counts: ["bodiesDropped": bodies]),
                store: store, inTransaction: true)
            logger.notice("case purged", metadata: ["seq": "\(seq)", "by": "\(actor)"])
            return Report(caseRef: caseRef, seq: seq, bodiesDropped: bodies)
        }
        if report.seq > 0 { Publishing.committed(context: context, head: report.seq) }
        return report
    }
}

public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Foundation
public import Logging

/// Deletes a case from publication: writes a signed tombstone entry and drops the record's tokens.
public struct CaseDeleter {
    public let context: NodeContext
    public let logger: Logger

    public init(context: NodeContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    /// A delete that cannot proceed.
    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Writes the tombstone for `caseRef` and returns its seq.
    @discardableResult
    public func delete(caseRef: String, store: NodeStore) throws -> UInt64 {
        let origin = context.config.nodeId
        return try store.db.transaction {
            guard let priv = try store.privateCase(caseRef: caseRef) else {
                throw Refused(reason: "no case with that reference on this node")
            }
            guard let head = try store.recordHead(recordId: priv.recordId) else {
                throw Refused(reason: "the case was never published")
            }
            if head.deleted { throw Refused(reason: "the case is already deleted") }
            let seq = try store.lockOriginHead(origin: origin) + 1
            let version = head.version.incremented(for: origin)
            let body = Pseudonymizer.encode(PublishedTombstone(agency: context.config.agency, caseRef: caseRef))
            let entry = SignedEntry.make(
                kind: .tombstone, origin: origin, seq: seq, recordId: priv.recordId, version: version,
                timestamp: Int64(Date().timeIntervalSince1970 * 1000), body: body, key: context.signingKey)
            try store.appendLog(origin: origin, [(seq: seq, kind: .tombstone, recordId: priv.recordId, entry: entry)])
            try store.upsertRecords(
                [.init(recordId: priv.recordId, origin: origin, seq: seq, caseRef: caseRef, version: version, deleted: true, bodyHash: Blake2b.hash(body), record: nil)],
                tokens: [])
            try store.markPrivateDeleted(caseRef: caseRef)
            try store.setVector(origin: origin, seq: seq)
            logger.info("case deleted", metadata: ["seq": "\(seq)"])
            return seq
        }
    }
}

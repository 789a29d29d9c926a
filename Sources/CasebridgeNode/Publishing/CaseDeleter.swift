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
        let seq = try store.db.transaction {
            guard let priv = try store.privateCase(caseRef: caseRef) else {
                throw Refused(reason: "no case with that reference on this node")
            }
            guard let head = try store.recordHead(recordId: priv.recordId) else {
                throw Refused(reason: "the case was never published")
            }
            if head.deleted { throw Refused(reason: "the case is already deleted") }
            let seq = try Self.writeTombstone(
                context: context, caseRef: caseRef, recordId: priv.recordId, over: head.version, expunge: false,
                publishing: try Publishing.begin(context: context, store: store), store: store)
            try store.markPrivateDeleted(caseRef: caseRef)
            logger.info("case deleted", metadata: ["seq": "\(seq)"])
            return seq
        }
        Publishing.committed(context: context, head: seq)
        return seq
    }

    /// Signs a tombstone (a purge when `expunge`) for one of this node's records over its current `version`, appends it
    /// at seq `publishing.head + 1` of the origin log, and updates the record's state and the vector. Inside the
    /// transaction that opened `publishing` (`Publishing.begin`); returns the tombstone's seq.
    static func writeTombstone(
        context: NodeContext, caseRef: String, recordId: String, over version: VersionVector, expunge: Bool,
        publishing: (head: UInt64, key: SigningKey), store: NodeStore
    ) throws -> UInt64 {
        let origin = context.config.nodeId
        let (head, key) = publishing
        let seq = head + 1
        // The tombstone dominates every current version of the record (siblings included), not just `version`.
        let current = try store.joinedCurrentVersions([recordId])[recordId] ?? VersionVector()
        let next = version.merged(with: current).incremented(for: origin)
        let body = Pseudonymizer.encode(PublishedTombstone(agency: context.config.agency, caseRef: caseRef, expunge: expunge))
        let entry = SignedEntry.make(
            kind: .tombstone, origin: origin, seq: seq, recordId: recordId, version: next,
            timestamp: Int64(Date().timeIntervalSince1970 * 1000), body: body, key: key)
        try store.appendLog(origin: origin, [(seq: seq, kind: .tombstone, recordId: recordId, entry: entry)])
        try store.upsertRecords(
            [.init(recordId: recordId, origin: origin, seq: seq, caseRef: caseRef, version: next, deleted: true, bodyHash: Blake2b.hash(body), record: nil)],
            tokens: [])
        try store.collapseToDisplayVersion([recordId])
        try store.setVector(origin: origin, seq: seq)
        return seq
    }
}

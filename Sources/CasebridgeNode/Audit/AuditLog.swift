public import CasebridgeCore
import CasebridgeCrypto
public import CasebridgeStore
import Foundation

/// The node's tamper-evident audit log: append, verify, export.
public struct AuditLog: Sendable {
    /// The chain with BLAKE2b-256 as its hash.
    public static let chain = AuditChain(hash: { Blake2b.hash(Array("casebridge.audit.v1".utf8) + $0, length: 32) })

    public init() {}

    /// Appends an event (in the current transaction when `inTransaction`, else in its own).
    @discardableResult
    public func record(_ event: AuditEvent, store: NodeStore, inTransaction: Bool = false) throws -> AuditRow {
        try store.appendAudit(event, chain: Self.chain, inTransaction: inTransaction)
    }

    /// What `audit verify` found.
    public struct Verification: Sendable, Codable {
        public var ok: Bool
        public var rows: UInt64
        /// Seq and hash (hex) of the last intact row.
        public var headSeq: UInt64
        public var headHash: String
        public var problem: Problem?

        public struct Problem: Sendable, Codable {
            public var kind: String
            public var seq: UInt64
            public var message: String
        }
    }

    /// Walks the whole chain in pages and reports the first break.
    public func verify(store: NodeStore, anchor: (seq: UInt64, hash: [UInt8])? = nil) throws -> Verification {
        var v = AuditChain.Verifier(chain: Self.chain, anchor: anchor)
        var after: UInt64 = 0
        while v.firstBreak == nil {
            let page = try store.auditRows(afterSeq: after, limit: 5000)
            guard let last = page.last else { break }
            for row in page { guard v.feed(row) else { break } }
            after = last.seq
        }
        v.finish()
        let b = v.firstBreak
        return Verification(
            ok: b == nil, rows: v.rows, headSeq: v.lastSeq, headHash: Hex.encode(v.head),
            problem: b.map { .init(kind: $0.kind.rawValue, seq: $0.seq, message: $0.message) })
    }

    /// Rows for export as JSON lines: the stored canonical entry plus its chain hashes.
    public func export(store: NodeStore, since: String?, afterSeq: UInt64 = 0, limit: Int = 10_000) throws -> [ExportedRow] {
        try store.auditRows(afterSeq: afterSeq, since: since, limit: limit).map { r in
            ExportedRow(seq: r.seq, at: r.at, entry: r.entry, prevHash: Hex.encode(r.prevHash), hash: Hex.encode(r.hash))
        }
    }

    /// One exported audit row.
    public struct ExportedRow: Sendable, Codable {
        public var seq: UInt64
        public var at: String
        /// The canonical JSON that `hash` covers.
        public var entry: String
        public var prevHash: String
        public var hash: String
    }
}

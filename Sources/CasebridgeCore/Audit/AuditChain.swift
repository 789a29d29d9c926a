import Foundation

/// One audit event, before it is chained. Holds counts, kinds and references, never identifier values.
public struct AuditEvent: Sendable, Hashable, Codable {
    /// Who acted: a local user name, `host:<unix user>` for commands run on the node host, or `node` for the
    /// node's own actions.
    public var actor: String
    public var role: String?
    /// What was done, e.g. `search`, `case.view`, `login.failed`, `user.add`, `trust.add`.
    public var action: String
    /// `allowed`, `refused`, `ok` or `failed`.
    public var outcome: String
    /// The stated purpose (case number and reason), where the action needs one.
    public var purpose: String?
    /// Why a request was refused (a code, e.g. `role`, `locked`, `expired`).
    public var reason: String?
    /// What the action was about: a case reference, a user name, a peer id, an alert id.
    public var target: String?
    /// Numbers that describe the action (identifiers asked for, hits returned, rows exported...).
    public var counts: [String: Int]?
    /// Short non-identifying details (e.g. the identifier kinds of a search).
    public var details: [String: String]?

    public init(
        actor: String, role: String? = nil, action: String, outcome: String, purpose: String? = nil, reason: String? = nil,
        target: String? = nil, counts: [String: Int]? = nil, details: [String: String]? = nil
    ) {
        self.actor = actor
        self.role = role
        self.action = action
        self.outcome = outcome
        self.purpose = purpose
        self.reason = reason
        self.target = target
        self.counts = counts
        self.details = details
    }
}

/// A chained audit row as stored: the event with its seq and time, the canonical JSON that is hashed, and the
/// hashes.
public struct AuditRow: Sendable, Hashable {
    public var seq: UInt64
    /// Time column (UTC, ISO 8601 with milliseconds).
    public var at: String
    public var actor: String
    public var action: String
    /// The canonical JSON that the hash covers.
    public var entry: String
    public var prevHash: [UInt8]
    public var hash: [UInt8]

    public init(seq: UInt64, at: String, actor: String, action: String, entry: String, prevHash: [UInt8], hash: [UInt8]) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.action = action
        self.entry = entry
        self.prevHash = prevHash
        self.hash = hash
    }
}

/// The audit log's hash chain: row n carries hash(n) = H(hash(n-1) || entry(n)), with hash(0) = 32 zero bytes.
///
/// Pure: the hash function is injected (BLAKE2b-256 in the node), so the logic is tested without libsodium.
public struct AuditChain: Sendable {
    public typealias Hasher = @Sendable ([UInt8]) -> [UInt8]

    /// The `prev_hash` of the first row.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    public let hash: Hasher

    public init(hash: @escaping Hasher) { self.hash = hash }

    /// The stored form of the event that follows the row with `prevSeq` and `prevHash`.
    public func chain(_ event: AuditEvent, seq: UInt64, at: String, prevHash: [UInt8]) -> AuditRow {
        let entry = Self.canonicalEntry(event, seq: seq, at: at)
        return AuditRow(
            seq: seq, at: at, actor: event.actor, action: event.action, entry: entry, prevHash: prevHash,
            hash: hash(prevHash + Array(entry.utf8)))
    }

    /// The stored form of an event: its fields plus seq and time, flat.
    struct StoredEntry: Codable {
        var seq: UInt64
        var at: String
        var actor: String
        var role: String?
        var action: String
        var outcome: String
        var purpose: String?
        var reason: String?
        var target: String?
        var counts: [String: Int]?
        var details: [String: String]?
    }

    /// The canonical JSON of an event: sorted keys, no whitespace, seq and time included.
    public static func canonicalEntry(_ e: AuditEvent, seq: UInt64, at: String) -> String {
        let stored = StoredEntry(
            seq: seq, at: at, actor: e.actor, role: e.role, action: e.action, outcome: e.outcome, purpose: e.purpose,
            reason: e.reason, target: e.target, counts: e.counts, details: e.details)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(stored)) ?? Data(), as: UTF8.self)
    }

    /// The event stored in a row's canonical JSON, with the seq and time it claims.
    public static func decodeEntry(_ entry: String) -> (seq: UInt64, at: String, event: AuditEvent)? {
        guard let s = try? JSONDecoder().decode(StoredEntry.self, from: Data(entry.utf8)) else { return nil }
        return (s.seq, s.at, AuditEvent(
            actor: s.actor, role: s.role, action: s.action, outcome: s.outcome, purpose: s.purpose, reason: s.reason,
            target: s.target, counts: s.counts, details: s.details))
    }

    /// A break in the chain: the first row that is not what the chain says it must be.
    public struct Break: Sendable, Hashable, CustomStringConvertible {
        public enum Kind: String, Sendable, Hashable, Codable {
            /// The row's content does not hash to its stored hash: it was edited.
            case edited
            /// A seq is missing: rows were deleted.
            case deleted
            /// The row's prev_hash does not match the row before it, or its content claims another position.
            case reordered
            /// The last rows were cut off: the chain ends before a position the node had anchored.
            case truncated
        }

        public var kind: Kind
        public var seq: UInt64
        public var message: String

        public var description: String { "row \(seq): \(kind.rawValue): \(message)" }
    }

    /// Verification state, fed rows in seq order (so a large log is checked in pages), optionally against an
    /// anchor: a seq and chain hash the node signed earlier into its origin log.
    public struct Verifier: Sendable {
        let chain: AuditChain
        let anchor: (seq: UInt64, hash: [UInt8])?
        var expectedSeq: UInt64 = 1
        var prevHash: [UInt8] = AuditChain.genesis
        /// Rows checked so far.
        public private(set) var rows: UInt64 = 0
        /// The first break found, if any (checking stops there).
        public private(set) var firstBreak: Break?

        public init(chain: AuditChain, anchor: (seq: UInt64, hash: [UInt8])? = nil) {
            self.chain = chain
            self.anchor = anchor
        }

        /// Hash of the last row checked (the chain head when every row was fed).
        public var head: [UInt8] { prevHash }
        /// Seq of the last row checked.
        public var lastSeq: UInt64 { expectedSeq - 1 }

        /// Checks the next row. Returns false once a break was found.
        @discardableResult
        public mutating func feed(_ row: AuditRow) -> Bool {
            guard firstBreak == nil else { return false }
            rows += 1
            if row.seq != expectedSeq {
                // A later row where the next was expected: the rows in between are gone.
                if row.seq > expectedSeq {
                    let missing = row.seq - expectedSeq
                    firstBreak = Break(kind: .deleted, seq: expectedSeq, message: "\(missing) row(s) missing before row \(row.seq)")
                } else {
                    firstBreak = Break(kind: .reordered, seq: row.seq, message: "row appears again or out of order after row \(expectedSeq - 1)")
                }
                return false
            }
            let recomputed = chain.hash(row.prevHash + Array(row.entry.utf8))
            guard recomputed == row.hash else {
                firstBreak = Break(kind: .edited, seq: row.seq, message: "content does not match the row's hash")
                return false
            }
            guard let decoded = AuditChain.decodeEntry(row.entry) else {
                firstBreak = Break(kind: .edited, seq: row.seq, message: "content is not a valid audit entry")
                return false
            }
            guard decoded.seq == row.seq else {
                firstBreak = Break(kind: .reordered, seq: row.seq, message: "content belongs at row \(decoded.seq)")
                return false
            }
            guard row.prevHash == prevHash else {
                // The row itself is intact but does not follow its predecessor: a row before it was deleted and the
                // seqs renumbered, or rows were swapped.
                firstBreak = Break(kind: expectedSeq == 1 ? .edited : .reordered, seq: row.seq, message: "does not follow row \(row.seq - 1) in the chain")
                return false
            }
            guard decoded.at == row.at, decoded.event.actor == row.actor, decoded.event.action == row.action else {
                firstBreak = Break(kind: .edited, seq: row.seq, message: "columns do not match the hashed content")
                return false
            }
            if let anchor, anchor.seq == row.seq, anchor.hash != row.hash {
                firstBreak = Break(kind: .edited, seq: row.seq, message: "row differs from the version anchored in the origin log")
                return false
            }
            prevHash = row.hash
            expectedSeq += 1
            return true
        }

        /// Ends verification: a log that stops before the anchored row was cut off.
        public mutating func finish() {
            guard firstBreak == nil, let anchor, lastSeq < anchor.seq else { return }
            firstBreak = Break(kind: .truncated, seq: lastSeq + 1, message: "the log ends at row \(lastSeq) but row \(anchor.seq) was anchored")
        }
    }
}

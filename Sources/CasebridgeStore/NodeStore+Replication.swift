public import CasebridgeCore
import Foundation

/// Trust store, serving pulls, and the storage half of applying replicated entries.
extension NodeStore {
    // MARK: Trust store

    public struct PeerRow: Sendable, Codable {
        public var nodeId: String
        public var agency: String
        public var endpoint: String?
        public var status: String
        public var card: TrustCard
        public var addedAt: String
    }

    /// Adds or updates a peer from its trust card (keys are added; existing keys keep their validity unless the card
    /// narrows it). Refuses this node's own card.
    public func upsertPeer(_ card: TrustCard, audit: (event: AuditEvent, chain: AuditChain)? = nil) throws {
        let cardJSON = String(decoding: try JSONEncoder.sorted.encode(card), as: UTF8.self)
        try db.transaction {
            if let audit { try appendAudit(audit.event, chain: audit.chain, inTransaction: true) }
            if let me = try nodeId(), me == card.nodeId {
                throw StoreError(code: "trust.self", reason: "this is the node's own card; add other nodes' cards")
            }
            try db.execute(
                """
                INSERT INTO casebridge.peers (node_id, agency, endpoint, status, card) VALUES ($1, $2, $3, 'active', $4::jsonb)
                ON CONFLICT (node_id) DO UPDATE SET agency = EXCLUDED.agency, endpoint = EXCLUDED.endpoint,
                  status = 'active', card = EXCLUDED.card, updated_at = now()
                """, [card.nodeId, card.agency, card.endpoint, cardJSON])
            for k in card.signingKeys {
                let existing = try db.execute("SELECT origin FROM casebridge.signing_keys WHERE key_id = $1::bytea", ["\\x" + k.keyId]).scalar
                if let existing, existing != card.nodeId {
                    throw StoreError(code: "trust.key-conflict", reason: "key \(k.keyId) already belongs to `\(existing)`")
                }
                try db.execute(
                    """
                    INSERT INTO casebridge.signing_keys (key_id, origin, public_key, valid_from_seq, valid_until_seq)
                    VALUES ($1::bytea, $2, $3::bytea, $4, $5)
                    ON CONFLICT (key_id) DO UPDATE SET valid_from_seq = EXCLUDED.valid_from_seq, valid_until_seq = EXCLUDED.valid_until_seq
                    """, ["\\x" + k.keyId, card.nodeId, "\\x" + k.publicKey, String(k.validFromSeq), k.validUntilSeq.map { String($0) }])
            }
        }
    }

    /// Marks a peer removed: its TLS certificate is no longer admitted and its entries are no longer accepted.
    /// Entries already applied stay (the trust-lifecycle issue adds quarantine). Returns false when unknown.
    public func removePeer(nodeId: String, audit: (event: AuditEvent, chain: AuditChain)? = nil) throws -> Bool {
        try db.transaction {
            let n = try db.execute(
                "UPDATE casebridge.peers SET status = 'removed', updated_at = now() WHERE node_id = $1 AND status <> 'removed'", [nodeId]).affected
            if n > 0, let audit { try appendAudit(audit.event, chain: audit.chain, inTransaction: true) }
            return n > 0
        }
    }

    /// Active peers this node pulls from and notifies (those with an endpoint), without decoding their cards: the
    /// scheduler asks several times a second.
    public func peerEndpoints() throws -> [(nodeId: String, endpoint: String)] {
        try db.execute(
            "SELECT node_id, endpoint FROM casebridge.peers WHERE status = 'active' AND endpoint IS NOT NULL ORDER BY node_id"
        ).rows.compactMap { r in r[0].flatMap { id in r[1].map { (id, $0) } } }
    }

    public func peers(includeRemoved: Bool = false) throws -> [PeerRow] {
        let rows = try db.execute(
            """
            SELECT node_id, agency, endpoint, status, card::text, \(isoUTCSeconds("added_at"))
            FROM casebridge.peers \(includeRemoved ? "" : "WHERE status = 'active'") ORDER BY node_id
            """).rows
        return try rows.map { r in
            PeerRow(
                nodeId: r[0]!, agency: r[1]!, endpoint: r[2], status: r[3]!,
                card: try JSONDecoder().decode(TrustCard.self, from: Data(r[4]!.utf8)), addedAt: r[5]!)
        }
    }

    /// Whether `nodeId` is an active peer (the federation API admits only those).
    public func isActivePeer(_ nodeId: String) throws -> Bool {
        try db.execute("SELECT 1 FROM casebridge.peers WHERE node_id = $1 AND status = 'active'", [nodeId]).rows.count == 1
    }

    /// A signing key of a trusted origin with its seq range and, when revoked, the seq its quarantine starts at.
    public struct TrustedKey: Sendable {
        public var keyId: [UInt8]
        public var publicKey: [UInt8]
        public var from: UInt64
        public var until: UInt64?
        public var revokedFrom: UInt64?
    }

    /// Signing keys of every origin whose entries this node accepts: itself and its active peers.
    public func trustedKeys() throws -> [String: [TrustedKey]] {
        let rows = try db.execute(
            """
            SELECT k.origin, k.key_id, k.public_key, k.valid_from_seq, k.valid_until_seq, r.from_seq FROM casebridge.signing_keys k
            LEFT JOIN casebridge.key_revocations r ON r.origin = k.origin AND r.key_id = k.key_id
            WHERE k.origin IN (SELECT node_id FROM casebridge.node UNION SELECT node_id FROM casebridge.peers WHERE status = 'active')
            """).rows
        var out: [String: [TrustedKey]] = [:]
        for r in rows {
            out[r[0]!, default: []].append(TrustedKey(
                keyId: PostgresText.bytea(r[1]) ?? [], publicKey: PostgresText.bytea(r[2]) ?? [], from: UInt64(r[3]!) ?? 1,
                until: r[4].flatMap { UInt64($0) }, revokedFrom: r[5].flatMap { UInt64($0) }))
        }
        return out
    }

    // MARK: Applying entries

    /// A current version of a record as stored (body loaded on demand).
    public struct StoredVersion: Sendable {
        public var recordId: String
        public var origin: String
        public var seq: UInt64
        public var version: VersionVector
        public var deleted: Bool
        public var owners: [String]

        public init(recordId: String, origin: String, seq: UInt64, version: VersionVector, deleted: Bool, owners: [String]) {
            self.recordId = recordId
            self.origin = origin
            self.seq = seq
            self.version = version
            self.deleted = deleted
            self.owners = owners
        }
    }

    /// Takes the lock that serializes every writer of replicated state (inside a transaction).
    public func lockApply() throws {
        try db.execute("SELECT pg_advisory_xact_lock(7346001)")
    }

    /// Runs `body`'s statements (inside a transaction) with sequential scans off, so that they find their rows
    /// through the indexes: statements that name a batch of rows by key (`record_id = ANY(...)`).
    ///
    /// A batch looks up its 2,000 records by id. With its default costs PostgreSQL read the whole records table
    /// instead once the batch was more than a few tenths of a percent of it: 22 ms per batch at 100,000 records
    /// against 6 ms of index probes, and growing with the table (`random_page_cost` 1.1, the usual SSD value, still
    /// chose it at 60,000). Turning sequential scans off for the whole apply transaction is not an option: its
    /// other statements read small tables, where it made the planner take far worse plans (143 ms per batch for
    /// the signing keys).
    func byKeys<T>(_ body: () throws -> T) throws -> T {
        try db.execute("SET LOCAL enable_seqscan = off")
        defer { _ = try? db.execute("SET LOCAL enable_seqscan = on") }
        return try body()
    }

    /// The current versions of `recordIds`: from record_versions, else the single row of records.
    ///
    /// record_versions holds rows only for records with siblings or co-owners, and `writeApplied` marks exactly
    /// those in their display row (`siblings` > 1 or `owners` not empty): the display rows are read first and
    /// record_versions only for the records they mark, so a batch of new or single-version records costs one probe
    /// per record instead of two.
    public func currentVersions(_ recordIds: Set<String>) throws -> [String: [StoredVersion]] {
        guard !recordIds.isEmpty else { return [:] }
        var out: [String: [StoredVersion]] = [:]
        var display: [String: StoredVersion] = [:]
        var marked: [String] = []
        for r in try byKeys({ try db.execute(
            "SELECT record_id, origin, seq, version::text, deleted, owners::text, siblings FROM casebridge.records WHERE record_id = ANY($1::text[])",
            [Self.encodeTextArray(Array(recordIds))]).rows }) {
            let v = try Self.storedVersion(r)
            if (Int(r[6] ?? "1") ?? 1) > 1 || !v.owners.isEmpty {
                marked.append(v.recordId)
                display[v.recordId] = v
            } else {
                out[v.recordId] = [v]
            }
        }
        guard !marked.isEmpty else { return out }
        for r in try byKeys({ try db.execute(
            "SELECT record_id, origin, seq, version::text, deleted, owners::text FROM casebridge.record_versions WHERE record_id = ANY($1::text[])",
            [Self.encodeTextArray(marked)]).rows }) {
            out[r[0]!, default: []].append(try Self.storedVersion(r))
        }
        // A marked record without version rows (a mark left behind) is its display row.
        for (id, v) in display where out[id] == nil { out[id] = [v] }
        return out
    }

    /// The join of every current version of each record in `recordIds` (siblings included): what a new version
    /// written here must dominate so that it replaces them all. Records without a current version are absent.
    public func joinedCurrentVersions(_ recordIds: Set<String>) throws -> [String: VersionVector] {
        try currentVersions(recordIds).mapValues { versions in
            versions.reduce(VersionVector()) { $0.merged(with: $1.version) }
        }
    }

    /// After this node wrote, for each record in `recordIds`, a version that dominates every current one (inside
    /// that transaction): the display row just written is the record's only current version, so its sibling rows
    /// go and its marks are reset (one version, no co-owners: this node's own bodies list none).
    public func collapseToDisplayVersion(_ recordIds: [String]) throws {
        guard !recordIds.isEmpty else { return }
        let ids = Self.encodeTextArray(recordIds)
        try db.execute("DELETE FROM casebridge.record_versions WHERE record_id = ANY($1::text[])", [ids])
        try db.execute(
            "UPDATE casebridge.records SET siblings = 1, owners = '{}' WHERE record_id = ANY($1::text[]) AND (siblings <> 1 OR owners <> '{}')",
            [ids])
    }

    /// A version from a row of `record_id, origin, seq, version::text, deleted, owners::text`.
    private static func storedVersion(_ r: [String?]) throws -> StoredVersion {
        StoredVersion(
            recordId: r[0]!, origin: r[1]!, seq: UInt64(r[2]!) ?? 0, version: try decodeVector(r[3]!), deleted: r[4] == "t",
            owners: decodeTextArray(r[5]))
    }

    /// Stored entries at the given positions (for telling duplicates from equivocation, and sibling bodies).
    public func storedEntries(_ positions: [(origin: String, seq: UInt64)]) throws -> [String: [UInt64: SignedEntry]] {
        var out: [String: [UInt64: SignedEntry]] = [:]
        let byOrigin = Dictionary(grouping: positions, by: \.origin)
        for (origin, ps) in byOrigin {
            let seqs = "{" + ps.map { String($0.seq) }.joined(separator: ",") + "}"
            for r in try db.executeBinary(
                "SELECT seq, header, body, signature FROM casebridge.origin_log WHERE origin = $1 AND seq = ANY($2::bigint[])",
                [origin, seqs]) {
                out[origin, default: [:]][UInt64(PostgresConnection.int8(r[0]) ?? 0)] = SignedEntry(
                    header: r[1] ?? [], body: r[2], signature: r[3] ?? [])
            }
        }
        return out
    }

    /// Replaces the current versions of a record (record_versions) and its display row and tokens.
    public struct RecordStateWrite: Sendable {
        public var recordId: String
        public var versions: [StoredVersion]
        /// The display row: the preferred version (a live one when any), with its published fields.
        public var row: RecordRow
        public var owners: [String]
        /// Tokens of every live current version.
        public var tokens: [TokenRow]

        public init(recordId: String, versions: [StoredVersion], row: RecordRow, owners: [String], tokens: [TokenRow]) {
            self.recordId = recordId
            self.versions = versions
            self.row = row
            self.owners = owners
            self.tokens = tokens
        }
    }

    /// Writes the result of applying a batch (inside the caller's transaction, after `lockApply`).
    public func writeApplied(
        entries: [(origin: String, seq: UInt64, kind: EntryKind, recordId: String, entry: SignedEntry)],
        records: [RecordStateWrite], vector: [String: UInt64]
    ) throws {
        var lap = ContinuousClock.now
        func mark(_ name: String) {
            let now = ContinuousClock.now
            writeTimings.append("\(name)=\(Int((now - lap).milliseconds))ms")
            lap = now
        }
        writeTimings = []
        try preferFastCompression()
        // The log, grouped by origin.
        for (origin, es) in Dictionary(grouping: entries, by: \.origin) {
            try appendLog(origin: origin, es.sorted { $0.seq < $1.seq }.map { ($0.seq, $0.kind, $0.recordId, $0.entry) })
        }
        mark("log")
        if !records.isEmpty {
            // Records new to this node have no sibling rows and no display row to reset.
            let replaced = records.filter { !$0.row.isNew }.map(\.recordId)
            let ids = Self.encodeTextArray(replaced)
            if !replaced.isEmpty { try byKeys { try db.execute("DELETE FROM casebridge.record_versions WHERE record_id = ANY($1::text[])", [ids]) } }
            try db.copyIn("COPY casebridge.record_versions (record_id, origin, seq, version, deleted, owners) FROM STDIN") { send in
                var enc = CopyEncoder()
                // A record with one version and no co-owners needs no row here: its display row in
                // casebridge.records is its state (see currentVersions).
                for r in records where r.versions.count > 1 || r.versions.contains(where: { !$0.owners.isEmpty }) {
                    for v in r.versions {
                        enc.text(v.recordId); enc.text(v.origin); enc.int(v.seq)
                        enc.text(utf8: v.version.canonicalJSON)
                        enc.bool(v.deleted); enc.text(Self.encodeTextArray(v.owners))
                        enc.endRow()
                    }
                    if enc.buffer.count > 1 << 20 { try send(&enc.buffer) }
                }
                try send(&enc.buffer)
            }
            mark("versions")
            try upsertRecords(records.map(\.row), tokenGroups: records.map(\.tokens))
            mark("records+tokens")
            // Sibling counts and owners of the display rows (upsertRecords writes the rest).
            if !replaced.isEmpty {
                try byKeys { try db.execute(
                    "UPDATE casebridge.records SET siblings = 1, owners = '{}' WHERE record_id = ANY($1::text[]) AND (siblings <> 1 OR owners <> '{}')",
                    [ids]) }
            }
            for r in records where r.versions.count != 1 || !r.owners.isEmpty {
                try db.execute(
                    "UPDATE casebridge.records SET siblings = $2, owners = $3::text[] WHERE record_id = $1",
                    [r.recordId, String(r.versions.count), Self.encodeTextArray(r.owners)])
            }
        }
        for (origin, seq) in vector { try setVector(origin: origin, seq: seq) }
        let advanced = Set(entries.map(\.origin))
        for origin in advanced {
            try db.execute(
                """
                INSERT INTO casebridge.origin_status (origin, last_applied) VALUES ($1, now())
                ON CONFLICT (origin) DO UPDATE SET last_applied = now()
                """, [origin])
        }
    }

    public func recordRejection(peer: String, origin: String?, seq: UInt64?, reason: String, message: String) throws {
        // A bad entry is served again on every pull until the peer drops it: record it once per peer.
        try db.execute(
            """
            INSERT INTO casebridge.sync_rejections (peer, origin, seq, reason, message)
            SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (
              SELECT 1 FROM casebridge.sync_rejections WHERE peer = $1 AND origin IS NOT DISTINCT FROM $2
                AND seq IS NOT DISTINCT FROM $3::bigint AND reason = $4)
            """,
            [peer, origin, seq.map { String($0) }, reason, message])
    }

    public func recordEquivocation(peer: String, origin: String, seq: UInt64, heldDigest: [UInt8], entry: SignedEntry) throws {
        try db.execute(
            """
            INSERT INTO casebridge.equivocations (origin, seq, held_digest, header, body, signature, peer)
            VALUES ($1, $2, $3::bytea, $4::bytea, $5::bytea, $6::bytea, $7) ON CONFLICT DO NOTHING
            """,
            [origin, String(seq), PostgresText.byteaLiteral(heldDigest), PostgresText.byteaLiteral(entry.header),
             entry.body.map(PostgresText.byteaLiteral), PostgresText.byteaLiteral(entry.signature), peer])
    }

    // MARK: Sync bookkeeping

    public func notePull(peer: String, success: Bool, error: String?, theirVector: [String: UInt64]?, applied: Int) throws {
        let vjson = try theirVector.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
        try db.execute(
            """
            INSERT INTO casebridge.peer_status AS p (peer, last_attempt, last_success, last_error, last_error_at, their_vector, pulls, errors, entries_applied)
            VALUES ($1, now(), CASE WHEN $2 THEN now() END, $3, CASE WHEN $2 THEN NULL ELSE now() END, coalesce($4::jsonb, '{}'), 1,
                    CASE WHEN $2 THEN 0 ELSE 1 END, $5)
            ON CONFLICT (peer) DO UPDATE SET last_attempt = now(),
              last_success = CASE WHEN $2 THEN now() ELSE p.last_success END,
              last_error = CASE WHEN $2 THEN p.last_error ELSE $3 END,
              last_error_at = CASE WHEN $2 THEN p.last_error_at ELSE now() END,
              their_vector = coalesce($4::jsonb, p.their_vector), pulls = p.pulls + 1,
              errors = p.errors + CASE WHEN $2 THEN 0 ELSE 1 END, entries_applied = p.entries_applied + $5
            """, [peer, success ? "true" : "false", error, vjson, String(applied)])
    }

    public struct PeerStatusRow: Sendable {
        public var peer: String
        public var lastAttempt: String?
        public var lastSuccess: String?
        public var lastError: String?
        public var lastErrorAt: String?
        public var theirVector: [String: UInt64]
        public var pulls: Int
        public var errors: Int
        public var entriesApplied: Int
    }

    public func peerStatus() throws -> [String: PeerStatusRow] {
        var out: [String: PeerStatusRow] = [:]
        for r in try db.execute(
            """
            SELECT peer, \(isoUTCSeconds("last_attempt")), \(isoUTCSeconds("last_success")), last_error, \(isoUTCSeconds("last_error_at")),
              their_vector::text, pulls, errors, entries_applied
            FROM casebridge.peer_status
            """).rows {
            let v = (try? JSONDecoder().decode([String: UInt64].self, from: Data((r[5] ?? "{}").utf8))) ?? [:]
            out[r[0]!] = PeerStatusRow(
                peer: r[0]!, lastAttempt: r[1], lastSuccess: r[2], lastError: r[3], lastErrorAt: r[4], theirVector: v,
                pulls: Int(r[6] ?? "0") ?? 0, errors: Int(r[7] ?? "0") ?? 0, entriesApplied: Int(r[8] ?? "0") ?? 0)
        }
        return out
    }

    /// Per origin: entries held (the vector) and when the last one was applied here.
    public func originFreshness() throws -> [String: (seq: UInt64, lastApplied: String?)] {
        var out: [String: (seq: UInt64, lastApplied: String?)] = [:]
        for r in try db.execute(
            """
            SELECT v.origin, v.seq, \(isoUTCSeconds("s.last_applied"))
            FROM casebridge.vector v LEFT JOIN casebridge.origin_status s ON s.origin = v.origin
            """).rows {
            out[r[0]!] = (UInt64(r[1]!) ?? 0, r[2])
        }
        return out
    }

    public func rejections(limit: Int = 100) throws -> [(peer: String, origin: String?, seq: UInt64?, reason: String, message: String, at: String)] {
        try db.execute(
            """
            SELECT peer, origin, seq, reason, message, \(isoUTCSeconds("at"))
            FROM casebridge.sync_rejections ORDER BY id DESC LIMIT $1
            """, [String(limit)]).rows.map { r in (r[0]!, r[1], r[2].flatMap { UInt64($0) }, r[3]!, r[4]!, r[5]!) }
    }

    static func decodeTextArray(_ s: String?) -> [String] {
        guard let s, s.count > 2 else { return [] }
        // Node ids are [a-z0-9-]: no quoting needed in PostgreSQL's array text output.
        return s.dropFirst().dropLast().split(separator: ",").map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
    }

    /// A PostgreSQL text[] literal: every element quoted, `\\` and `"` escaped. Byte by byte (record id lists of
    /// every applied batch go through here).
    public static func encodeTextArray(_ a: [String]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(2 + a.reduce(0) { $0 + $1.utf8.count + 3 })
        out.append(UInt8(ascii: "{"))
        for (i, s) in a.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            for b in s.utf8 {
                if b == UInt8(ascii: "\\") || b == UInt8(ascii: "\"") { out.append(UInt8(ascii: "\\")) }
                out.append(b)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}

public import CasebridgeCore

/// Signing-key rotation and revocation as the store keeps them, quarantine, and the publishing fence.
extension NodeStore {
    /// SQL for the key id of a stored entry: it sits 52 bytes from the end of every header (key id 16, body hash 32,
    /// body length 4; docs/protocol.md §1.2).
    static let headerKeyIdSQL = "substring(header FROM length(header) - 51 FOR 16)"

    // MARK: Rotation and revocation

    /// Applies a key rotation of `origin` (inside the apply or publish transaction): every other key of the origin
    /// that is still open at `fromSeq` stops at `fromSeq - 1`; the new key signs from `fromSeq`.
    public func applyRotation(origin: String, keyId: [UInt8], publicKey: [UInt8], fromSeq: UInt64, statementSeq: UInt64) throws {
        try db.execute(
            """
            UPDATE casebridge.signing_keys SET valid_until_seq = $3 - 1
            WHERE origin = $1 AND key_id <> $2::bytea AND (valid_until_seq IS NULL OR valid_until_seq >= $3)
            """, [origin, PostgresText.byteaLiteral(keyId), String(fromSeq)])
        try db.execute(
            """
            INSERT INTO casebridge.signing_keys (key_id, origin, public_key, valid_from_seq, introduced_seq)
            VALUES ($1::bytea, $2, $3::bytea, $4, $5) ON CONFLICT (key_id) DO NOTHING
            """, [PostgresText.byteaLiteral(keyId), origin, PostgresText.byteaLiteral(publicKey), String(fromSeq), String(statementSeq)])
    }

    /// Records a revocation and quarantines, retroactively, the record and tombstone entries of `origin` that `keyId`
    /// signed at seq >= `fromSeq` (and before the revocation itself). Returns the record ids whose state must be
    /// rebuilt from the entries left.
    public func applyRevocation(origin: String, keyId: [UInt8], fromSeq: UInt64, statementSeq: UInt64, reason: String) throws -> [String] {
        try db.execute(
            """
            INSERT INTO casebridge.key_revocations (origin, key_id, from_seq, statement_seq, reason) VALUES ($1, $2::bytea, $3, $4, $5)
            ON CONFLICT (origin, key_id) DO UPDATE SET from_seq = least(casebridge.key_revocations.from_seq, EXCLUDED.from_seq)
            """, [origin, PostgresText.byteaLiteral(keyId), String(fromSeq), String(statementSeq), reason])
        let rows = try db.execute(
            """
            UPDATE casebridge.origin_log SET quarantined_at = now()
            WHERE origin = $1 AND seq >= $2 AND seq < $3 AND kind IN (1, 2) AND quarantined_at IS NULL
              AND \(Self.headerKeyIdSQL) = $4::bytea
            RETURNING record_id
            """, [origin, String(fromSeq), String(statementSeq), PostgresText.byteaLiteral(keyId)]).rows
        return Array(Set(rows.compactMap { $0[0] })).sorted()
    }

    /// Marks entries just appended as quarantined (signed by a key already revoked for their seq).
    public func markQuarantined(_ positions: [(origin: String, seq: UInt64)]) throws {
        for (origin, ps) in Dictionary(grouping: positions, by: \.origin) {
            try db.execute(
                "UPDATE casebridge.origin_log SET quarantined_at = now() WHERE origin = $1 AND seq = ANY($2::bigint[])",
                [origin, "{" + ps.map { String($0.seq) }.joined(separator: ",") + "}"])
        }
    }

    /// How many entries of `origin` that `keyId` signed at seq >= `fromSeq` are quarantined.
    public func quarantinedCount(origin: String, keyId: [UInt8], fromSeq: UInt64) throws -> Int {
        Int(try db.execute(
            """
            SELECT count(*) FROM casebridge.origin_log
            WHERE origin = $1 AND seq >= $2 AND quarantined_at IS NOT NULL AND \(Self.headerKeyIdSQL) = $3::bytea
            """, [origin, String(fromSeq), PostgresText.byteaLiteral(keyId)]).scalar ?? "0") ?? 0
    }

    /// The record and tombstone entries of `recordIds` that are not quarantined, in (origin, seq) order: what a
    /// record's state is rebuilt from after a revocation.
    public func unquarantinedEntries(recordIds: [String]) throws -> [(origin: String, seq: UInt64, kind: EntryKind, recordId: String, entry: SignedEntry)] {
        guard !recordIds.isEmpty else { return [] }
        return try db.execute(
            """
            SELECT origin, seq, kind, record_id, header, body, signature FROM casebridge.origin_log
            WHERE record_id = ANY($1::text[]) AND kind IN (1, 2) AND quarantined_at IS NULL ORDER BY origin, seq
            """, [Self.encodeTextArray(recordIds)]).rows.map { r in
            (r[0]!, UInt64(r[1]!) ?? 0, EntryKind(rawValue: UInt8(r[2]!) ?? 1) ?? .record, r[3]!,
             SignedEntry(header: PostgresText.bytea(r[4]) ?? [], body: PostgresText.bytea(r[5]), signature: PostgresText.bytea(r[6]) ?? []))
        }
    }

    /// The highest version any entry of `recordId` ever carried, quarantined ones included: a re-publication must
    /// dominate even what a thief signed.
    public func maxLoggedVersion(recordId: String) throws -> VersionVector {
        var v = VersionVector()
        for r in try db.execute("SELECT header FROM casebridge.origin_log WHERE record_id = $1", [recordId]).rows {
            if let h = try? EntryHeader(decoding: PostgresText.bytea(r[0]) ?? []) { v = v.merged(with: h.version) }
        }
        return v
    }

    /// Removes every trace of records no unquarantined entry supports (their only versions were forged).
    public func deleteRecordState(_ recordIds: [String]) throws {
        guard !recordIds.isEmpty else { return }
        let ids = Self.encodeTextArray(recordIds)
        try deleteTokens(recordIds: ids)
        try db.execute("DELETE FROM casebridge.record_versions WHERE record_id = ANY($1::text[])", [ids])
        try db.execute("DELETE FROM casebridge.records WHERE record_id = ANY($1::text[])", [ids])
    }

    public struct QuarantineRow: Sendable, Codable {
        public var origin: String
        public var seq: UInt64
        public var kind: String
        public var recordId: String
        public var keyId: String
        public var quarantinedAt: String
    }

    /// Quarantined entries (newest first), optionally of one origin.
    public func quarantined(origin: String? = nil, limit: Int = 1000) throws -> [QuarantineRow] {
        try db.execute(
            """
            SELECT origin, seq, kind, record_id, encode(\(Self.headerKeyIdSQL), 'hex'),
              \(isoUTCSeconds("quarantined_at"))
            FROM casebridge.origin_log WHERE quarantined_at IS NOT NULL AND ($1::text IS NULL OR origin = $1)
            ORDER BY origin, seq LIMIT $2
            """, [origin, String(limit)]).rows.map { r in
            QuarantineRow(
                origin: r[0]!, seq: UInt64(r[1]!) ?? 0, kind: (UInt8(r[2]!).flatMap(EntryKind.init(rawValue:)))?.description ?? r[2]!,
                recordId: r[3]!, keyId: r[4]!, quarantinedAt: r[5]!)
        }
    }

    public struct RevocationRow: Sendable, Codable {
        public var origin: String
        public var keyId: String
        public var fromSeq: UInt64
        public var statementSeq: UInt64
        public var reason: String
        public var revokedAt: String
    }

    public func revocations() throws -> [RevocationRow] {
        try db.execute(
            """
            SELECT origin, encode(key_id, 'hex'), from_seq, statement_seq, reason,
              \(isoUTCSeconds("revoked_at"))
            FROM casebridge.key_revocations ORDER BY origin, revoked_at
            """).rows.map { r in
            RevocationRow(origin: r[0]!, keyId: r[1]!, fromSeq: UInt64(r[2]!) ?? 0, statementSeq: UInt64(r[3]!) ?? 0, reason: r[4]!, revokedAt: r[5]!)
        }
    }

    // MARK: Publishing fence (rollback protection)

    public struct PublishFence: Sendable, Codable {
        public var fenced: Bool
        public var reason: String
        public var raisedAt: String
        public var witnessHead: UInt64?
        public var liftedAt: String?
        public var liftedBy: String?
        public var confirmedHead: UInt64?
    }

    public func publishFence() throws -> PublishFence? {
        try db.execute(
            """
            SELECT fenced, reason, \(isoUTCSeconds("raised_at")), witness_head,
              \(isoUTCSeconds("lifted_at")), lifted_by, confirmed_head
            FROM casebridge.publish_fence
            """).rows.first.map { r in
            PublishFence(
                fenced: r[0] == "t", reason: r[1]!, raisedAt: r[2]!, witnessHead: r[3].flatMap { UInt64($0) }, liftedAt: r[4], liftedBy: r[5],
                confirmedHead: r[6].flatMap { UInt64($0) })
        }
    }

    /// Raises the fence: this node signs nothing until it is lifted.
    public func raiseFence(reason: String, witnessHead: UInt64?) throws {
        try db.execute(
            """
            INSERT INTO casebridge.publish_fence (fenced, reason, witness_head) VALUES (true, $1, $2)
            ON CONFLICT (singleton) DO UPDATE SET fenced = true, reason = EXCLUDED.reason, raised_at = now(),
              witness_head = greatest(casebridge.publish_fence.witness_head, EXCLUDED.witness_head), lifted_at = NULL, lifted_by = NULL
            """, [reason, witnessHead.map { String($0) }])
    }

    /// Lifts the fence (a peer confirmed this node's head, or an admin forced it). Returns false when not raised.
    @discardableResult
    public func liftFence(head: UInt64, by: String) throws -> Bool {
        try db.execute(
            "UPDATE casebridge.publish_fence SET fenced = false, lifted_at = now(), lifted_by = $1, confirmed_head = $2 WHERE fenced",
            [by, String(head)]).affected > 0
    }
}

extension NodeStore {
    // MARK: Pseudonymization key epochs

    /// Records an origin's announcement that it holds the key of `epoch` (inside the apply or publish transaction).
    public func recordOriginEpoch(origin: String, epoch: Int, fingerprint: String, seq: UInt64) throws {
        try db.execute(
            """
            INSERT INTO casebridge.origin_epochs (origin, epoch, fingerprint, announced_seq) VALUES ($1, $2, $3, $4)
            ON CONFLICT (origin, epoch) DO NOTHING
            """, [origin, String(epoch), fingerprint, String(seq)])
    }

    public struct LocalEpoch: Sendable, Codable {
        public var epoch: Int
        public var fingerprint: String
        public var state: String
    }

    /// This node's epochs (empty before the first rotation: the key file's epoch is the only one).
    public func localEpochs() throws -> [LocalEpoch] {
        try db.execute("SELECT epoch, fingerprint, state FROM casebridge.pseudonym_epochs ORDER BY epoch").rows.map {
            LocalEpoch(epoch: Int($0[0]!) ?? 0, fingerprint: $0[1]!, state: $0[2]!)
        }
    }

    public func setLocalEpoch(_ epoch: Int, fingerprint: String, state: String) throws {
        try db.execute(
            """
            INSERT INTO casebridge.pseudonym_epochs (epoch, fingerprint, state, retired_at) VALUES ($1, $2, $3, CASE WHEN $3 = 'retired' THEN now() END)
            ON CONFLICT (epoch) DO UPDATE SET state = EXCLUDED.state, retired_at = EXCLUDED.retired_at
            """, [String(epoch), fingerprint, state])
    }

    public struct EpochProgress: Sendable, Codable {
        public var origin: String
        /// Epochs the origin announced, with their key fingerprints.
        public var announced: [Int: String]
        /// Live records of the origin held here, per epoch.
        public var liveRecords: [Int: Int]
    }

    /// Per trusted origin (this node and its active peers): announced epochs and live records per epoch.
    public func epochProgress() throws -> [EpochProgress] {
        let origins = try db.execute(
            "SELECT node_id FROM casebridge.node UNION SELECT node_id FROM casebridge.peers WHERE status = 'active' ORDER BY 1").rows.compactMap { $0[0] }
        var out: [String: EpochProgress] = [:]
        for o in origins { out[o] = EpochProgress(origin: o, announced: [:], liveRecords: [:]) }
        for r in try db.execute("SELECT origin, epoch, fingerprint FROM casebridge.origin_epochs").rows {
            out[r[0]!]?.announced[Int(r[1]!) ?? 0] = r[2]!
        }
        for r in try db.execute(
            "SELECT origin, epoch, count(*) FROM casebridge.records WHERE NOT deleted AND epoch IS NOT NULL GROUP BY origin, epoch").rows {
            out[r[0]!]?.liveRecords[Int(r[1]!) ?? 0] = Int(r[2]!) ?? 0
        }
        return origins.compactMap { out[$0] }
    }

    /// This node's live records still tokenized under an epoch below `epoch`, with their current version.
    public func ownRecordsBelowEpoch(origin: String, epoch: Int, limit: Int) throws -> [(recordId: String, version: VersionVector)] {
        try db.execute(
            """
            SELECT record_id, version::text FROM casebridge.records
            WHERE origin = $1 AND NOT deleted AND epoch < $2 ORDER BY record_id LIMIT $3
            """, [origin, String(epoch), String(limit)]).rows.map { ($0[0]!, try Self.decodeVector($0[1]!)) }
    }

    /// Removes every trace of epochs below `epoch` held here: their tokens, and the bodies of record entries
    /// tokenized under them (the signed headers stay, like an expunged entry's). Returns (tokens, bodies) removed.
    public func retireEpochs(below epoch: Int) throws -> (tokens: Int, bodies: Int) {
        let tokens = try db.execute("DELETE FROM casebridge.tokens WHERE epoch < $1", [String(epoch)]).affected
        let bodies = try db.execute(
            """
            UPDATE casebridge.origin_log SET body = NULL
            WHERE kind = 1 AND body IS NOT NULL AND (convert_from(body, 'UTF8')::jsonb ->> 'epoch')::int < $1
            """, [String(epoch)]).affected
        try db.execute(
            "UPDATE casebridge.pseudonym_epochs SET state = 'retired', retired_at = now() WHERE epoch < $1 AND state <> 'retired'", [String(epoch)])
        return (tokens, bodies)
    }
}

public import CasebridgeCore
import Foundation

/// The node's database: identity, origin log, published records and tokens, private cases.
///
/// Owns one `PostgresConnection`; not shared across tasks.
public final class NodeStore {
    /// The underlying connection, for transactions spanning several calls.
    public let db: PostgresConnection
    /// Phase timings of the last `writeApplied` (for debug logs).
    public internal(set) var writeTimings: [String] = []
    /// This node's record-id prefix once known (a node id never changes; see `registerNode`).
    private var cachedLocalPrefix: String?

    /// Connects with a libpq conninfo string or URI.
    public init(conninfo: String, database: String? = nil) throws(PostgresError) {
        db = try PostgresConnection(conninfo: conninfo, database: database)
    }

    // MARK: Identity

    /// Records this node's identity and signing key; refuses to change an existing node id.
    public func registerNode(nodeId: String, agency: String, keyId: [UInt8], publicKey: [UInt8]) throws {
        try db.transaction {
            if let existing = try db.execute("SELECT node_id FROM casebridge.node").scalar, existing != nodeId {
                throw StoreError(code: "node.mismatch", reason: "this database belongs to node `\(existing)`, not `\(nodeId)`")
            }
            try db.execute(
                """
                INSERT INTO casebridge.node (node_id, agency) VALUES ($1, $2)
                ON CONFLICT (singleton) DO UPDATE SET agency = EXCLUDED.agency
                """, [nodeId, agency])
            try db.execute(
                """
                INSERT INTO casebridge.signing_keys (key_id, origin, public_key) VALUES ($1::bytea, $2, $3::bytea)
                ON CONFLICT (key_id) DO NOTHING
                """, [PostgresText.byteaLiteral(keyId), nodeId, PostgresText.byteaLiteral(publicKey)])
            try claimLocalTokens(selfId: nodeId)
        }
        cachedLocalPrefix = nodeId + "/"
    }

    /// The node id this database belongs to, if initialized.
    public func nodeId() throws -> String? {
        try db.execute("SELECT node_id FROM casebridge.node").scalar
    }

    /// Public keys known for `origin`: (key id, public key, first seq, last seq or nil).
    public func signingKeys(origin: String) throws -> [(keyId: [UInt8], publicKey: [UInt8], from: UInt64, until: UInt64?)] {
        try db.execute(
            "SELECT key_id, public_key, valid_from_seq, valid_until_seq FROM casebridge.signing_keys WHERE origin = $1",
            [origin]
        ).rows.map { r in
            (PostgresText.bytea(r[0]) ?? [], PostgresText.bytea(r[1]) ?? [], UInt64(r[2] ?? "1") ?? 1, r[3].flatMap { UInt64($0) })
        }
    }

    // MARK: Origin log

    /// Takes the transaction-scoped lock on this node's origin log and returns its head seq (0 when empty).
    /// Call inside a transaction; concurrent writers wait, so seqs are never reused.
    public func lockOriginHead(origin: String) throws -> UInt64 {
        try db.execute("SELECT pg_advisory_xact_lock(hashtextextended('casebridge.origin:' || $1, 0))", [origin])
        let head = try db.execute("SELECT coalesce(max(seq), 0) FROM casebridge.origin_log WHERE origin = $1", [origin]).scalar
        return UInt64(head ?? "0") ?? 0
    }

    /// The entries of `origin` from `fromSeq` on, in seq order.
    public func entries(origin: String, fromSeq: UInt64 = 1, limit: Int = 1000) throws -> [(seq: UInt64, entry: SignedEntry)] {
        try db.executeBinary(
            "SELECT seq, header, body, signature FROM casebridge.origin_log WHERE origin = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
            [origin, String(fromSeq), String(limit)]
        ).map { r in
            (UInt64(PostgresConnection.int8(r[0]) ?? 0), SignedEntry(header: r[1] ?? [], body: r[2], signature: r[3] ?? []))
        }
    }

    /// This node's knowledge vector (origin -> highest contiguous seq held).
    public func vector() throws -> VersionVector {
        var v = VersionVector()
        for r in try db.execute("SELECT origin, seq FROM casebridge.vector").rows {
            if let o = r[0], let s = r[1].flatMap({ UInt64($0) }) { v[o] = s }
        }
        return v
    }

    // MARK: Import

    /// What the node already holds for a case reference.
    public struct ExistingCase: Sendable {
        public var recordId: String
        public var rawHash: [UInt8]
        public var bodyHash: [UInt8]?
        public var version: VersionVector?
        public var deleted: Bool
        public var privateDeleted: Bool
        /// The record has siblings or co-owners (`version` is then only the display row's; see
        /// `joinedCurrentVersions`).
        public var hasSiblings = false
    }

    /// Looks up the stored state of `caseRefs` (inside the import transaction).
    ///
    /// `recordsWithoutCase` receives the references that have no private case but a published record (whose id is
    /// `recordIdPrefix` + reference): a purged case keeps its tombstone row.
    public func existingCases(
        _ caseRefs: [String], recordIdPrefix: String, recordsWithoutCase: inout Set<String>
    ) throws -> [String: ExistingCase] {
        // No key on the temporary table: the references are unique already (the importer refuses duplicates), and
        // maintaining one cost 0.25 s per 100,000 references while the client waited; ANALYZE gives the planner
        // its size instead.
        try db.execute("CREATE TEMP TABLE tmp_refs (case_ref text) ON COMMIT DROP")
        try db.copyIn("COPY tmp_refs (case_ref) FROM STDIN") { send in
            var enc = CopyEncoder()
            for ref in caseRefs {
                enc.text(ref)
                enc.endRow()
                if enc.buffer.count > 1 << 20 { try send(&enc.buffer) }
            }
            try send(&enc.buffer)
        }
        try db.execute("ANALYZE tmp_refs")
        // A case without its private row may still have a record (a purged case keeps its tombstone row).
        let rows = try db.execute(
            """
            SELECT t.case_ref, c.record_id, c.raw_hash, r.body_hash, r.version::text, r.deleted, c.deleted_at IS NOT NULL,
                   coalesce(r.siblings > 1 OR r.owners <> '{}', false)
            FROM tmp_refs t LEFT JOIN private.cases c ON c.case_ref = t.case_ref
            LEFT JOIN casebridge.records r ON r.record_id = coalesce(c.record_id, $1 || t.case_ref)
            WHERE c.case_ref IS NOT NULL OR r.record_id IS NOT NULL
            """, [recordIdPrefix]).rows
        var out: [String: ExistingCase] = [:]
        out.reserveCapacity(rows.count)
        for r in rows {
            guard let ref = r[0] else { continue }
            guard let rid = r[1] else {
                recordsWithoutCase.insert(ref)
                continue
            }
            out[ref] = ExistingCase(
                recordId: rid, rawHash: PostgresText.bytea(r[2]) ?? [], bodyHash: PostgresText.bytea(r[3]),
                version: try r[4].map(Self.decodeVector), deleted: r[5] == "t", privateDeleted: r[6] == "t", hasSiblings: r[7] == "t")
        }
        try db.execute("DROP TABLE tmp_refs")
        return out
    }

    /// A private case row to insert or update.
    public struct PrivateCaseRow: Sendable {
        public var caseRef: String
        public var recordId: String
        /// The case's JSON as UTF-8 bytes.
        public var jsonUTF8: [UInt8]
        public var rawHash: [UInt8]

        public init(caseRef: String, recordId: String, jsonUTF8: [UInt8], rawHash: [UInt8]) {
            self.caseRef = caseRef
            self.recordId = recordId
            self.jsonUTF8 = jsonUTF8
            self.rawHash = rawHash
        }
    }

    /// The current state of a published record.
    public struct RecordRow: Sendable {
        public var recordId: String
        public var origin: String
        public var seq: UInt64
        public var caseRef: String
        public var version: VersionVector
        public var deleted: Bool
        public var bodyHash: [UInt8]
        public var record: PublishedRecord?
        /// The caller checked, inside this transaction, that no row of this record exists yet (and so no token or
        /// sibling row): it is copied straight in, with nothing to replace. False is always safe.
        public var isNew: Bool

        public init(
            recordId: String, origin: String, seq: UInt64, caseRef: String, version: VersionVector, deleted: Bool, bodyHash: [UInt8],
            record: PublishedRecord?, isNew: Bool = false
        ) {
            self.recordId = recordId
            self.origin = origin
            self.seq = seq
            self.caseRef = caseRef
            self.version = version
            self.deleted = deleted
            self.bodyHash = bodyHash
            self.record = record
            self.isNew = isNew
        }
    }

    /// A token row of a live record.
    public struct TokenRow: Sendable {
        public var token: [UInt8]
        public var epoch: Int
        public var recordId: String
        public var kind: String
        public var subject: Int
        public var role: String?

        public init(token: [UInt8], epoch: Int, recordId: String, kind: String, subject: Int, role: String?) {
            self.token = token
            self.epoch = epoch
            self.recordId = recordId
            self.kind = kind
            self.subject = subject
            self.role = role
        }
    }

    /// Upserts private cases (inside a transaction).
    public func upsertPrivateCases(_ rows: some Sequence<PrivateCaseRow>) throws {
        try db.execute("CREATE TEMP TABLE tmp_cases (case_ref text, record_id text, data json, raw_hash bytea) ON COMMIT DROP")
        let n = try db.copyIn("COPY tmp_cases (case_ref, record_id, data, raw_hash) FROM STDIN") { send in
            try Self.encodePrivateCases(rows, send: send)
        }
        if n > 0 {
            try db.execute(
                """
                INSERT INTO private.cases (case_ref, record_id, data, raw_hash)
                SELECT case_ref, record_id, data, raw_hash FROM tmp_cases
                ON CONFLICT (case_ref) DO UPDATE
                SET data = EXCLUDED.data, raw_hash = EXCLUDED.raw_hash, updated_at = now(), deleted_at = NULL
                """)
        }
        try db.execute("DROP TABLE tmp_cases")
    }

    /// Inserts private cases that are known to be new (inside a transaction), streaming them straight into the
    /// table. A case reference that already exists fails the statement, and with it the transaction.
    public func insertPrivateCases(_ rows: some Sequence<PrivateCaseRow>) throws {
        try db.copyIn("COPY private.cases (case_ref, record_id, data, raw_hash) FROM STDIN") { send in
            try Self.encodePrivateCases(rows, send: send)
        }
    }

    private static func encodePrivateCases(_ rows: some Sequence<PrivateCaseRow>, send: (inout [UInt8]) throws(PostgresError) -> Void) throws {
        var enc = CopyEncoder(capacity: 1 << 21)
        for r in rows {
            enc.text(r.caseRef); enc.text(r.recordId); enc.text(utf8: r.jsonUTF8); enc.bytea(r.rawHash)
            enc.endRow()
            if enc.buffer.count > 1 << 20 { try send(&enc.buffer) }
        }
        try send(&enc.buffer)
    }

    /// Appends entries to the origin log (inside a transaction). `entries` may be produced lazily: each row is
    /// sent as it comes, so the server stores earlier entries while later ones are still being signed.
    public func appendLog(origin: String, _ entries: some Sequence<(seq: UInt64, kind: EntryKind, recordId: String, entry: SignedEntry)>) throws {
        try preferFastCompression()
        try db.copyIn("COPY casebridge.origin_log (origin, seq, kind, record_id, header, body, signature) FROM STDIN WITH (FORMAT binary)") { send in
            var enc = BinaryCopyEncoder(capacity: 1 << 21)
            for e in entries {
                enc.row(fields: 7)
                enc.text(origin); enc.int8(Int64(e.seq)); enc.int2(Int(e.kind.rawValue)); enc.text(e.recordId)
                enc.bytea(e.entry.header)
                if let body = e.entry.body { enc.bytea(body) } else { enc.null() }
                enc.bytea(e.entry.signature)
                if enc.buffer.count > 1 << 20 { try send(&enc.buffer) }
            }
            enc.finish()
            try send(&enc.buffer)
        }
    }

    /// Whether the server offers LZ4 TOAST compression (nil until asked).
    private var serverHasLZ4: Bool?

    /// Makes the rest of the transaction compress TOASTed values with LZ4 when the server has it.
    ///
    /// Signed bodies hold mostly hex tokens, which pglz (the default) tries and fails to compress at a high CPU
    /// cost; LZ4 gives up fast. Reading is unaffected: PostgreSQL records the method with each value.
    func preferFastCompression() throws {
        if serverHasLZ4 == nil {
            serverHasLZ4 = try db.execute(
                "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)").rows.count == 1
        }
        if serverHasLZ4 == true { try db.execute("SET LOCAL default_toast_compression = 'lz4'") }
    }

    /// Token loads at least this large into a table holding fewer rows rebuild the table's indexes instead of
    /// inserting into them (see `docs/performance.md`).
    public static let tokenBulkLoadThreshold = 50_000
    /// The same for new record rows.
    public static let recordBulkLoadThreshold = 10_000

    /// Prepares `table` (schema-qualified) for a load of `rows` rows in this transaction: when that is at least
    /// `threshold` and the table holds fewer rows than that, drops its indexes, including the primary-key and unique
    /// constraints behind some of them, and returns the statements that restore them, to run after the load (which
    /// then checks the constraints over every row at once). Building a B-tree by one sort costs a fraction of as many
    /// insertions: 100,000 records go in 0.4 s without indexes, 1.4 s with them, and their indexes build in 0.15 s
    /// (`docs/performance.md`, "Update 2026-12-08"). The dropped indexes lock the table until commit, so this is
    /// kept for loads that at least double a table (a node's first import). A table that another table's foreign
    /// key references is left as it is, and so is every table outside a transaction block (the indexes would be gone
    /// for good if the load then failed).
    ///
    /// `sizedBy` is the table whose size decides (default: `table`): a token partition is sized by the whole token
    /// table, because every query over `casebridge.tokens` (search, alert scans, the replicator's deletions) waits for
    /// a partition whose indexes are gone. A node that already holds other origins' tokens then inserts its first
    /// import into the indexes instead of locking searches out for the length of the import.
    func dropIndexesForBulkLoad(_ table: String, rows: Int, threshold: Int, sizedBy: String? = nil) throws -> [String] {
        guard rows >= threshold, db.inTransaction else { return [] }
        let probe = try db.execute(
            """
            SELECT (SELECT count(*) FROM (SELECT 1 FROM \(sizedBy ?? table) LIMIT $1) t),
                   EXISTS (SELECT 1 FROM pg_constraint WHERE confrelid = $2::regclass)
            """, [String(rows), table]).rows.first
        guard let held = probe?[0].flatMap({ Int($0) }), held < rows, probe?[1] == "f" else { return [] }
        var restore: [String] = []
        let constraints = try db.execute(
            """
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = $1::regclass AND contype IN ('p', 'u') ORDER BY conname
            """, [table]).rows
        for c in constraints {
            guard let name = c[0], let def = c[1] else { continue }
            try db.execute("ALTER TABLE \(table) DROP CONSTRAINT \(Self.quoteIdentifier(name))")
            restore.append("ALTER TABLE \(table) ADD CONSTRAINT \(Self.quoteIdentifier(name)) \(def)")
        }
        // What is left are plain indexes (the constraints took theirs with them); an index some other constraint
        // owns stays.
        let indexes = try db.execute(
            """
            SELECT x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid) FROM pg_index x
            WHERE x.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            ORDER BY 1
            """, [table]).rows
        for i in indexes {
            guard let name = i[0], let def = i[1] else { continue }
            try db.execute("DROP INDEX \(name)")
            restore.append(def)
        }
        return restore
    }

    /// Replaces the state and tokens of the given records (inside a transaction).
    public func upsertRecords(_ records: [RecordRow], tokens: [TokenRow]) throws {
        try upsertRecords(records, tokenGroups: [tokens])
    }

    /// Replaces the state and tokens of the given records (inside a transaction), with the token rows in groups
    /// (typically one per record, as the caller holds them: no flattening copy of every row).
    public func upsertRecords(_ records: [RecordRow], tokenGroups: [[TokenRow]]) throws {
        guard !records.isEmpty else { return }
        let fresh = records.filter(\.isNew)
        let replaced = records.filter { !$0.isNew }
        let columns = "record_id, origin, seq, case_ref, version, deleted, body_hash, agency, case_type, status, jurisdiction, opened, contact, epoch"
        func copyRows(_ rows: [RecordRow], into table: String) throws {
            try db.copyIn("COPY \(table) (\(columns)) FROM STDIN") { send in
                var enc = CopyEncoder(capacity: 1 << 21)
                for r in rows {
                    enc.text(r.recordId); enc.text(r.origin); enc.int(r.seq); enc.text(r.caseRef)
                    enc.text(utf8: r.version.canonicalJSON)
                    enc.bool(r.deleted); enc.bytea(r.bodyHash)
                    enc.text(r.record?.agency); enc.text(r.record?.caseType); enc.text(r.record?.status)
                    enc.text(r.record?.jurisdiction); enc.text(r.record?.opened)
                    enc.text(utf8: r.record?.contact.canonicalJSON)
                    if let e = r.record?.epoch { enc.int(e) } else { enc.null() }
                    enc.endRow()
                    if enc.buffer.count > 1 << 20 { try send(&enc.buffer) }
                }
                try send(&enc.buffer)
            }
        }
        // New records go straight into the table (a row that exists after all fails the primary key, and the
        // transaction with it).
        if !fresh.isEmpty {
            let restore = try dropIndexesForBulkLoad("casebridge.records", rows: fresh.count, threshold: Self.recordBulkLoadThreshold)
            try copyRows(fresh, into: "casebridge.records")
            for statement in restore { try db.execute(statement) }
        }
        if !replaced.isEmpty {
            try db.execute(
                """
                CREATE TEMP TABLE tmp_records (record_id text, origin text, seq bigint, case_ref text, version jsonb,
                  deleted boolean, body_hash bytea, agency text, case_type text, status text, jurisdiction text,
                  opened date, contact jsonb, epoch integer) ON COMMIT DROP
                """)
            try copyRows(replaced, into: "tmp_records")
            // The old token rows go first: they are found through the display row's seq, which the upsert replaces.
            try deleteTokens(recordIds: Self.encodeTextArray(replaced.map(\.recordId)))
            try db.execute(
                """
                INSERT INTO casebridge.records AS r (\(columns))
                SELECT \(columns) FROM tmp_records
                ON CONFLICT (record_id) DO UPDATE SET origin = EXCLUDED.origin, seq = EXCLUDED.seq,
                  case_ref = EXCLUDED.case_ref, version = EXCLUDED.version, deleted = EXCLUDED.deleted,
                  body_hash = EXCLUDED.body_hash,
                  agency = coalesce(EXCLUDED.agency, r.agency), case_type = coalesce(EXCLUDED.case_type, r.case_type),
                  status = coalesce(EXCLUDED.status, r.status), jurisdiction = coalesce(EXCLUDED.jurisdiction, r.jurisdiction),
                  opened = coalesce(EXCLUDED.opened, r.opened), contact = coalesce(EXCLUDED.contact, r.contact),
                  epoch = coalesce(EXCLUDED.epoch, r.epoch), updated_at = now()
                """)
            try db.execute("DROP TABLE tmp_records")
        }
        let tokenCount = tokenGroups.reduce(0) { $0 + $1.count }
        guard tokenCount > 0 else { return }
        // Each token row carries the seq of its record's row (see `deleteTokens`). Rows go in the order of that seq:
        // insertions into the record-seq indexes then walk their right edge in order instead of landing on a random
        // leaf each; the remote partition's token index is a hash index, which costs the same in any order (schema
        // 9). Callers mostly hand the rows in that order already; a record's rows stay in their order. Rows of this
        // node's own records go into `tokens_local`, the others into `tokens_remote` (schema 12), each partition
        // copied into directly.
        let localPrefix = try localRecordPrefix()
        var seqOf: [String: UInt64] = [:]
        seqOf.reserveCapacity(records.count)
        for r in records { seqOf[r.recordId] = r.seq }
        var order: [(seq: UInt64, group: Int32, index: Int32, local: Bool)] = []
        order.reserveCapacity(tokenCount)
        var sorted = true
        var previous: UInt64 = 0
        var localCount = 0
        for (g, rows) in tokenGroups.enumerated() {
            var lastRecord: String? = nil
            var lastSeq: UInt64 = 0
            var lastLocal = false
            for i in rows.indices {
                if rows[i].recordId != lastRecord {
                    lastRecord = rows[i].recordId
                    guard let seq = seqOf[rows[i].recordId] else {
                        throw PostgresError(kind: .client, message: "a token row names a record that is not written with it")
                    }
                    lastSeq = seq
                    lastLocal = localPrefix.map { rows[i].recordId.hasPrefix($0) } ?? false
                }
                if lastSeq < previous { sorted = false }
                previous = lastSeq
                if lastLocal { localCount += 1 }
                order.append((lastSeq, Int32(g), Int32(i), lastLocal))
            }
        }
        var sortedOrder = false
        for (table, count, local) in [("tokens_local", localCount, true), ("tokens_remote", tokenCount - localCount, false)] where count > 0 {
            // A large load into a small partition: building its indexes afterwards is several times cheaper than a
            // million index insertions.
            let rebuild = try dropIndexesForBulkLoad(
                "casebridge.\(table)", rows: count, threshold: Self.tokenBulkLoadThreshold, sizedBy: "casebridge.tokens")
            // A bulk load without indexes has nothing to order for.
            if !sorted && !sortedOrder && rebuild.isEmpty {
                order.sort { ($0.seq, $0.group, $0.index) < ($1.seq, $1.group, $1.index) }
                sortedOrder = true
            }
            try db.copyIn("COPY casebridge.\(table) (token, epoch, record_id, kind, subject, role, record_seq) FROM STDIN WITH (FORMAT binary)") { send in
                var enc = BinaryCopyEncoder(capacity: 1 << 21)
                try tokenGroups.withUnsafeBufferPointer { groups in
                    for o in order where o.local == local {
                        try groups[Int(o.group)].withUnsafeBufferPointer { rows in
                            let t = rows.baseAddress! + Int(o.index)
                            enc.row(fields: 7)
                            enc.bytea(t.pointee.token); enc.int4(t.pointee.epoch); enc.text(t.pointee.recordId); enc.text(t.pointee.kind)
                            enc.int2(t.pointee.subject); enc.text(t.pointee.role); enc.int8(Int64(o.seq))
                            if enc.buffer.count > 1 << 20 { try send(&enc.buffer) }
                        }
                    }
                }
                enc.finish()
                try send(&enc.buffer)
            }
            for def in rebuild { try db.execute(def) }
        }
    }

    /// `<node id>/`, the prefix of this node's own record ids (nil before the node is registered); read once.
    func localRecordPrefix() throws -> String? {
        if let cachedLocalPrefix { return cachedLocalPrefix }
        guard let id = try nodeId() else { return nil }
        cachedLocalPrefix = id + "/"
        return cachedLocalPrefix
    }

    /// Deletes the token rows of the records in `ids` (a text[] literal; inside a transaction, before their rows
    /// change). A record's token rows carry the seq its row had when they were written (`upsertRecords` writes both
    /// together), so they are found through the partitions' record-seq indexes, one probe per record.
    func deleteTokens(recordIds ids: String) throws {
        try byKeys { try db.execute(
            """
            DELETE FROM casebridge.tokens t USING casebridge.records r
            WHERE r.record_id = ANY($1::text[]) AND t.record_seq = r.seq AND t.record_id = r.record_id
            """, [ids]) }
    }

    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Sets the knowledge vector entry for `origin` (inside a transaction).
    public func setVector(origin: String, seq: UInt64) throws {
        try db.execute(
            """
            INSERT INTO casebridge.vector (origin, seq) VALUES ($1, $2)
            ON CONFLICT (origin) DO UPDATE SET seq = greatest(casebridge.vector.seq, EXCLUDED.seq)
            """, [origin, String(seq)])
    }

    /// Marks a private case deleted (kept for the agency; purge is separate).
    public func markPrivateDeleted(caseRef: String) throws {
        try db.execute("UPDATE private.cases SET deleted_at = now(), updated_at = now() WHERE case_ref = $1", [caseRef])
    }

    // MARK: Reading

    /// The private case for `caseRef`: its stored JSON and whether it is deleted.
    public func privateCase(caseRef: String) throws -> (recordId: String, json: String, deleted: Bool)? {
        guard let r = try db.execute(
            "SELECT record_id, data::text, deleted_at IS NOT NULL FROM private.cases WHERE case_ref = $1", [caseRef]
        ).rows.first, let rid = r[0], let json = r[1] else { return nil }
        return (rid, json, r[2] == "t")
    }

    /// The head entry of a record (its latest version or tombstone) with its stored state.
    public func recordHead(recordId: String) throws -> (origin: String, seq: UInt64, deleted: Bool, version: VersionVector, entry: SignedEntry)? {
        guard let r = try db.execute(
            """
            SELECT r.origin, r.seq, r.deleted, r.version::text, l.header, l.body, l.signature
            FROM casebridge.records r JOIN casebridge.origin_log l ON l.origin = r.origin AND l.seq = r.seq
            WHERE r.record_id = $1
            """, [recordId]
        ).rows.first else { return nil }
        return (
            r[0] ?? "", UInt64(r[1] ?? "0") ?? 0, r[2] == "t", try Self.decodeVector(r[3] ?? "{}"),
            SignedEntry(header: PostgresText.bytea(r[4]) ?? [], body: PostgresText.bytea(r[5]), signature: PostgresText.bytea(r[6]) ?? [])
        )
    }

    /// A live record hit by one or more tokens.
    public struct TokenMatch: Sendable {
        public var recordId: String
        public var origin: String
        public var caseRef: String
        public var agency: String?
        public var caseType: String?
        public var status: String?
        public var jurisdiction: String?
        public var contactJSON: String?
        public var updatedAt: String
        /// When this node last applied an entry of the record's origin (nil for its own records).
        public var originLastApplied: String? = nil
        /// Number of concurrent current versions (more than 1: a conflict for humans to resolve).
        public var siblings: Int = 1
        /// Token kinds that matched, with the subject index each matched in.
        public var matches: [(kind: String, subject: Int)]
    }

    /// Finds live records holding any of `tokens`.
    public func findTokens(_ tokens: [[UInt8]]) throws -> [TokenMatch] {
        guard !tokens.isEmpty else { return [] }
        let array = "{" + tokens.map { PostgresText.byteaLiteral($0).replacingOccurrences(of: "\\", with: "\\\\") }.map { "\"\($0)\"" }.joined(separator: ",") + "}"
        let rows = try db.execute(
            """
            SELECT t.record_id, t.kind, t.subject, r.origin, r.case_ref, r.agency, r.case_type, r.status,
                   r.jurisdiction, r.contact::text, \(isoUTCSeconds("r.updated_at")),
                   \(isoUTCSeconds("s.last_applied")), r.siblings
            FROM casebridge.tokens t JOIN casebridge.records r ON r.record_id = t.record_id
            LEFT JOIN casebridge.origin_status s ON s.origin = r.origin
            WHERE t.token = ANY($1::bytea[]) AND NOT r.deleted
            ORDER BY t.record_id
            """, [array]).rows
        var byRecord: [String: TokenMatch] = [:]
        var order: [String] = []
        for r in rows {
            guard let rid = r[0] else { continue }
            let m = (kind: r[1] ?? "", subject: Int(r[2] ?? "0") ?? 0)
            if byRecord[rid] == nil {
                order.append(rid)
                byRecord[rid] = TokenMatch(
                    recordId: rid, origin: r[3] ?? "", caseRef: r[4] ?? "", agency: r[5], caseType: r[6], status: r[7],
                    jurisdiction: r[8], contactJSON: r[9], updatedAt: r[10] ?? "", originLastApplied: r[11],
                    siblings: Int(r[12] ?? "1") ?? 1, matches: [])
            }
            byRecord[rid]!.matches.append(m)
        }
        return order.compactMap { byRecord[$0] }
    }

    /// Row counts of the main tables, for status output.
    public func counts() throws -> (privateCases: Int, records: Int, tokens: Int, logEntries: Int) {
        let r = try db.execute(
            """
            SELECT (SELECT count(*) FROM private.cases WHERE deleted_at IS NULL), (SELECT count(*) FROM casebridge.records WHERE NOT deleted),
                   (SELECT count(*) FROM casebridge.tokens), (SELECT count(*) FROM casebridge.origin_log)
            """).rows.first ?? []
        return (Self.int(r, 0), Self.int(r, 1), Self.int(r, 2), Self.int(r, 3))
    }

    /// Column `i` of a result row as an integer (0 when missing or NULL).
    private static func int(_ row: [String?], _ i: Int) -> Int {
        Int((i < row.count ? row[i] : nil) ?? "0") ?? 0
    }

    /// The server's buffer cache and what the token indexes need of it.
    public struct CacheSizes: Sendable {
        /// `shared_buffers`, in bytes (0 when unknown).
        public var sharedBuffers: Int
        /// The token table's indexes, in bytes.
        public var tokenIndexes: Int

        public init(sharedBuffers: Int, tokenIndexes: Int) {
            self.sharedBuffers = sharedBuffers
            self.tokenIndexes = tokenIndexes
        }

        /// What to tell an admin when the token indexes outgrow the buffer cache (nil while they fit).
        ///
        /// Every replicated or imported record inserts ~14 token rows at random places in the token indexes, and
        /// every search probes them at random: once they no longer fit `shared_buffers`, each insertion reads and
        /// evicts pages. Measured: replication of 1,000,000 entries from empty ran at 5,203 entries/s with
        /// PostgreSQL's default 128 MB and 7,434/s with 2 GB (docs/performance.md).
        public var advice: String? {
            guard sharedBuffers > 0, tokenIndexes > sharedBuffers else { return nil }
            return "the token indexes (\(Self.megabytes(tokenIndexes))) no longer fit PostgreSQL's buffer cache "
                + "(shared_buffers \(Self.megabytes(sharedBuffers))): replication, import and search slow down as they grow; "
                + "raise shared_buffers above \(Self.megabytes(tokenIndexes * 2)) (PostgreSQL's own advice is a quarter of the "
                + "server's memory) and restart PostgreSQL"
        }

        /// `bytes` in whole megabytes, rounded up ("1 MB" for a few pages).
        public static func megabytes(_ bytes: Int) -> String { "\((bytes + (1 << 20) - 1) >> 20) MB" }
    }

    /// The server's buffer cache (`shared_buffers`) and the size of the token table's indexes.
    public func cacheSizes() throws -> CacheSizes {
        let r = try db.execute(
            """
            SELECT pg_size_bytes(current_setting('shared_buffers')),
                   coalesce((SELECT sum(pg_relation_size(indexrelid)) FROM pg_index
                             WHERE indrelid IN ('casebridge.tokens_local'::regclass, 'casebridge.tokens_remote'::regclass)), 0)
            """).rows.first ?? []
        return CacheSizes(sharedBuffers: Self.int(r, 0), tokenIndexes: Self.int(r, 1))
    }

    static func decodeVector(_ json: String) throws -> VersionVector {
        VersionVector(try JSONDecoder().decode([String: UInt64].self, from: Data(json.utf8)))
    }
}

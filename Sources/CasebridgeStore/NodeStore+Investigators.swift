public import CasebridgeCore
import Foundation

/// SQL that formats a timestamptz as UTC ISO 8601 with milliseconds.
func isoUTC(_ column: String) -> String {
    "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
}

/// SQL that formats a timestamptz as UTC ISO 8601 to the second.
func isoUTCSeconds(_ column: String) -> String {
    "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
}

extension NodeStore {
    // MARK: Users

    /// A local API user as stored (never the token, only its hash).
    public struct UserRow: Sendable, Codable {
        public var name: String
        public var role: String
        public var tokenHash: [UInt8]?
        public var tokenExpiresAt: String?
        public var expired: Bool
        public var disabled: Bool
        public var failedAttempts: Int
        public var lockedUntil: String?
        public var locked: Bool
        public var lastLogin: String?
        /// Whether `lastLogin` is unset or more than a minute old (a successful login then updates it).
        public var loginStale: Bool
        public var createdAt: String
    }

    static let userColumns = """
        name, role, token_hash, \(isoUTC("token_expires_at")), coalesce(token_expires_at <= now(), true), disabled,
        failed_attempts, \(isoUTC("locked_until")), coalesce(locked_until > now(), false), \(isoUTC("last_login")),
        \(isoUTC("created_at")), coalesce(last_login < now() - interval '1 minute', true)
        """

    static func userRow(_ r: [String?]) -> UserRow {
        UserRow(
            name: r[0] ?? "", role: r[1] ?? "", tokenHash: PostgresText.bytea(r[2]), tokenExpiresAt: r[3], expired: r[4] == "t",
            disabled: r[5] == "t", failedAttempts: Int(r[6] ?? "0") ?? 0, lockedUntil: r[7], locked: r[8] == "t",
            lastLogin: r[9], loginStale: r[11] == "t", createdAt: r[10] ?? "")
    }

    /// Adds a user; false when the name is taken.
    public func addUser(name: String, role: String, tokenHash: [UInt8], validSeconds: Int) throws -> Bool {
        try db.execute(
            """
            INSERT INTO private.users (name, role, token_hash, token_expires_at)
            VALUES ($1, $2, $3::bytea, now() + make_interval(secs => $4::double precision))
            ON CONFLICT (name) DO NOTHING
            """, [name, role, PostgresText.byteaLiteral(tokenHash), String(validSeconds)]).affected == 1
    }

    /// The user named `name`.
    public func user(name: String) throws -> UserRow? {
        try db.execute("SELECT \(Self.userColumns) FROM private.users WHERE name = $1", [name]).rows.first.map(Self.userRow)
    }

    /// Every user, by name.
    public func users() throws -> [UserRow] {
        try db.execute("SELECT \(Self.userColumns) FROM private.users ORDER BY name").rows.map(Self.userRow)
    }

    /// Replaces a user's token (and clears a lock); false when there is no such user.
    public func resetUserToken(name: String, tokenHash: [UInt8], validSeconds: Int) throws -> Bool {
        try db.execute(
            """
            UPDATE private.users SET token_hash = $2::bytea, token_expires_at = now() + make_interval(secs => $3::double precision),
              failed_attempts = 0, locked_until = NULL, updated_at = now() WHERE name = $1
            """, [name, PostgresText.byteaLiteral(tokenHash), String(validSeconds)]).affected == 1
    }

    /// Disables or re-enables a user; false when there is no such user.
    public func setUserDisabled(name: String, _ disabled: Bool) throws -> Bool {
        try db.execute(
            "UPDATE private.users SET disabled = $2, updated_at = now() WHERE name = $1", [name, disabled ? "true" : "false"]
        ).affected == 1
    }

    /// Counts a failed attempt; locks the account for `lockSeconds` when it reaches `maxFailures`. Returns whether
    /// the account is now locked.
    public func recordFailedLogin(name: String, maxFailures: Int, lockSeconds: Int) throws -> Bool {
        try db.execute(
            """
            UPDATE private.users SET
              failed_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= now() THEN 1 ELSE failed_attempts + 1 END,
              locked_until = CASE
                WHEN locked_until IS NOT NULL AND locked_until > now() THEN locked_until
                WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= now() THEN 1 ELSE failed_attempts + 1 END) >= $2
                  THEN now() + make_interval(secs => $3::double precision)
                ELSE NULL END
            WHERE name = $1
            RETURNING coalesce(locked_until > now(), false)
            """, [name, String(maxFailures), String(lockSeconds)]).scalar == "t"
    }

    /// Records a successful login: clears the failure count and sets the last login time.
    public func recordLogin(name: String) throws {
        try db.execute("UPDATE private.users SET failed_attempts = 0, locked_until = NULL, last_login = now() WHERE name = $1", [name])
    }

    // MARK: Audit

    /// Appends `event` to the audit log (inside or outside a transaction: it takes the chain lock for the rest
    /// of the current transaction, or runs in its own).
    @discardableResult
    public func appendAudit(_ event: AuditEvent, chain: AuditChain, inTransaction: Bool = false) throws -> AuditRow {
        func body() throws -> AuditRow {
            try db.execute("SELECT pg_advisory_xact_lock(hashtextextended('casebridge.audit', 0))")
            // The time comes from the database, like every other timestamp the node keeps.
            let r = try db.execute(
                """
                SELECT \(isoUTC("clock_timestamp()")), l.seq, l.hash
                FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT seq, hash FROM private.audit_log ORDER BY seq DESC LIMIT 1) l ON true
                """).rows[0]
            let prevSeq = UInt64(r[1] ?? "0") ?? 0
            let prevHash = PostgresText.bytea(r[2]) ?? AuditChain.genesis
            let row = chain.chain(event, seq: prevSeq + 1, at: r[0] ?? "", prevHash: prevHash)
            try db.execute(
                "INSERT INTO private.audit_log (seq, at, actor, action, entry, prev_hash, hash) VALUES ($1, $2::timestamptz, $3, $4, $5, $6::bytea, $7::bytea)",
                [String(row.seq), row.at, row.actor, row.action, row.entry, PostgresText.byteaLiteral(row.prevHash), PostgresText.byteaLiteral(row.hash)])
            return row
        }
        return inTransaction ? try body() : try db.transaction(body)
    }

    /// Audit rows with seq > `afterSeq` (and at or after `since`, when given), in seq order.
    public func auditRows(afterSeq: UInt64 = 0, since: String? = nil, limit: Int = 10_000) throws -> [AuditRow] {
        try db.execute(
            """
            SELECT seq, \(isoUTC("at")), actor, action, entry, prev_hash, hash FROM private.audit_log
            WHERE seq > $1 AND ($2::timestamptz IS NULL OR at >= $2::timestamptz) ORDER BY seq LIMIT $3
            """, [String(afterSeq), since, String(limit)]
        ).rows.map { r in
            AuditRow(
                seq: UInt64(r[0] ?? "0") ?? 0, at: r[1] ?? "", actor: r[2] ?? "", action: r[3] ?? "", entry: r[4] ?? "",
                prevHash: PostgresText.bytea(r[5]) ?? [], hash: PostgresText.bytea(r[6]) ?? [])
        }
    }

    // MARK: Watches

    /// A watch as listed (never the identifier: its kind and the purpose).
    public struct WatchRow: Sendable, Codable {
        public var id: Int64
        public var owner: String
        public var kind: String
        public var purpose: String
        public var createdAt: String
    }

    /// Adds a watch on `token` and returns its id.
    public func addWatch(owner: String, kind: String, token: [UInt8], epoch: Int, purpose: String) throws -> Int64 {
        Int64(try db.execute(
            "INSERT INTO private.watches (owner, kind, token, epoch, purpose) VALUES ($1, $2, $3::bytea, $4, $5) RETURNING id",
            [owner, kind, PostgresText.byteaLiteral(token), String(epoch), purpose]).scalar ?? "0") ?? 0
    }

    /// Active watches, of one owner or of everyone.
    public func watches(owner: String?) throws -> [WatchRow] {
        try db.execute(
            """
            SELECT id, owner, kind, purpose, \(isoUTC("created_at")) FROM private.watches
            WHERE removed_at IS NULL AND ($1::text IS NULL OR owner = $1) ORDER BY id
            """, [owner]
        ).rows.map { WatchRow(id: Int64($0[0] ?? "0") ?? 0, owner: $0[1] ?? "", kind: $0[2] ?? "", purpose: $0[3] ?? "", createdAt: $0[4] ?? "") }
    }

    /// Removes a watch (of `owner`, unless nil); false when there is no such active watch.
    public func removeWatch(id: Int64, owner: String?) throws -> Bool {
        try db.execute(
            "UPDATE private.watches SET removed_at = now() WHERE id = $1 AND removed_at IS NULL AND ($2::text IS NULL OR owner = $2)",
            [String(id), owner]).affected == 1
    }

    // MARK: Alerts

    /// An alert as listed: who to call and what matched, never identifier values.
    public struct AlertRow: Sendable, Codable {
        public var id: Int64
        public var kind: String
        public var caseRef: String?
        public var watchId: Int64?
        public var otherOrigin: String?
        public var otherCaseRef: String?
        public var otherAgency: String?
        public var otherContact: PublishedContact?
        public var matched: [String]
        public var jurisdictions: [String]?
        public var records: [String]?
        public var raisedAt: String
        public var ackedAt: String?
        public var ackedBy: String?
    }

    static let alertColumns = """
        id, kind, case_ref, watch_id, other_origin, other_case_ref, other_agency, other_contact::text, matched, jurisdictions,
        records, \(isoUTC("raised_at")), \(isoUTC("acked_at")), acked_by
        """

    static func alertRow(_ r: [String?]) -> AlertRow {
        AlertRow(
            id: Int64(r[0] ?? "0") ?? 0, kind: r[1] ?? "", caseRef: r[2], watchId: r[3].flatMap { Int64($0) }, otherOrigin: r[4],
            otherCaseRef: r[5], otherAgency: r[6],
            otherContact: r[7].flatMap { try? JSONDecoder().decode(PublishedContact.self, from: Data($0.utf8)) },
            matched: decodeTextArray(r[8]), jurisdictions: r[9].map { decodeTextArray($0) }, records: r[10].map { decodeTextArray($0) },
            raisedAt: r[11] ?? "", ackedAt: r[12], ackedBy: r[13])
    }

    /// Alerts, newest first; only unacknowledged ones unless `all`. Watch alerts of other users' watches are left
    /// out when `watchOwner` is given.
    public func alerts(all: Bool, watchOwner: String?, limit: Int = 500) throws -> [AlertRow] {
        try db.execute(
            """
            SELECT \(Self.alertColumns) FROM private.alerts a
            WHERE ($1 OR acked_at IS NULL)
              AND ($2::text IS NULL OR a.kind <> 'watch' OR EXISTS (SELECT 1 FROM private.watches w WHERE w.id = a.watch_id AND w.owner = $2))
            ORDER BY id DESC LIMIT $3
            """, [all ? "true" : "false", watchOwner, String(limit)]
        ).rows.map(Self.alertRow)
    }

    /// Acknowledges an alert; false when there is no such open alert.
    public func ackAlert(id: Int64, by user: String) throws -> Bool {
        try db.execute(
            "UPDATE private.alerts SET acked_at = now(), acked_by = $2 WHERE id = $1 AND acked_at IS NULL", [String(id), user]
        ).affected == 1
    }

    /// Alerts not yet handed to the forwarding hook, oldest first.
    public func undeliveredAlerts(limit: Int = 50) throws -> [AlertRow] {
        try db.execute("SELECT \(Self.alertColumns) FROM private.alerts WHERE delivered_at IS NULL ORDER BY id LIMIT $1", [String(limit)])
            .rows.map(Self.alertRow)
    }

    /// Records the outcome of forwarding an alert.
    public func markAlertDelivered(id: Int64, error: String?) throws {
        if let error {
            try db.execute("UPDATE private.alerts SET delivery_error = $2 WHERE id = $1", [String(id), error])
        } else {
            try db.execute("UPDATE private.alerts SET delivered_at = now(), delivery_error = NULL WHERE id = $1", [String(id)])
        }
    }

    /// Alert settings the scan uses.
    public struct AlertScanSettings: Sendable {
        /// Token kinds strong enough to raise a deconfliction or movement alert on their own.
        public var strongKinds: [String]
        public var movementJurisdictions: Int
        public var movementWindowDays: Int

        public init(strongKinds: [String], movementJurisdictions: Int = 3, movementWindowDays: Int = 365) {
            self.strongKinds = strongKinds
            self.movementJurisdictions = movementJurisdictions
            self.movementWindowDays = movementWindowDays
        }
    }

    /// The `LIKE` pattern of this node's own record ids (node ids are a-z, 0-9 and `-`, so it needs no escaping).
    static func localPattern(_ selfId: String) -> String {
        precondition(EntryHeader.isValidNodeId(selfId))
        return "'\(selfId)/%'"
    }

    /// Moves token rows of this node's own records written before the node was registered into `tokens_local`
    /// (schema 12; idempotent, and a no-op on a fresh database).
    func claimLocalTokens(selfId: String) throws {
        try db.execute("UPDATE casebridge.tokens SET local = true WHERE NOT local AND record_id LIKE \(Self.localPattern(selfId))")
    }

    /// Raises the alerts that changes to `recordIds` call for: deconfliction between this node's cases and other
    /// origins' records, watch hits, movement. Returns the ids of new (or re-raised) alerts.
    ///
    /// Every alert involves one of this node's own cases (or one of its watches), so the scan starts from the
    /// changed records' strong tokens and probes only the token index of this node's own records (`tokens_local`,
    /// for changes from peers) or that of other origins' records (`tokens_remote`, for this node's own changes):
    /// its cost follows the number of changed tokens and actual matches, not how often a token occurs elsewhere in
    /// the federation.
    ///
    /// `groups` holds the changed token rows in groups (one per record, as an import or a batch of replicated
    /// records holds them).
    @discardableResult
    public func scanAlerts(changedGroups groups: [[TokenRow]], selfId: String, settings: AlertScanSettings) throws -> [Int64] {
        guard groups.contains(where: { !$0.isEmpty }) else { return [] }
        let local = Self.localPattern(selfId)
        let strong = Self.encodeTextArray(settings.strongKinds)
        let prefix = selfId + "/"
        var hasLocal = false, hasRemote = false
        for rows in groups {
            var last: String? = nil
            for t in rows where t.recordId != last {
                last = t.recordId
                if t.recordId.hasPrefix(prefix) { hasLocal = true } else { hasRemote = true }
            }
            if hasLocal && hasRemote { break }
        }
        // What can match at all, from three index probes: another origin's changed tokens only against a live case of
        // this node, this node's changed tokens only against a record of another origin (one held in the vector),
        // any token against a watch. A first import into a node that holds nobody else's records, or a batch from a
        // peer at a node without cases of its own, stops here.
        let probe = try db.execute(
            """
            SELECT EXISTS (SELECT 1 FROM casebridge.records WHERE origin = $1 AND NOT deleted),
                   EXISTS (SELECT 1 FROM casebridge.vector WHERE origin <> $1 AND seq > 0),
                   EXISTS (SELECT 1 FROM private.watches WHERE removed_at IS NULL)
            """, [selfId]).rows.first
        let remoteHalf = hasRemote && probe?[0] == "t"
        let localHalf = hasLocal && probe?[1] == "t"
        let watching = probe?[2] == "t"
        guard remoteHalf || localHalf || watching else { return [] }
        // The changed records' tokens come from the caller (it just wrote them): no join to find them again.
        try db.execute("CREATE TEMP TABLE scan_tok (token bytea, kind text, record_id text) ON COMMIT DROP")
        try db.copyIn("COPY scan_tok FROM STDIN WITH (FORMAT binary)") { send in
            var enc = BinaryCopyEncoder(capacity: 1 << 20)
            for rows in groups {
                for t in rows {
                    enc.row(fields: 3)
                    enc.bytea(t.token); enc.text(t.kind); enc.text(t.recordId)
                    if enc.buffer.count > 1 << 20 { try send(&enc.buffer) }
                }
            }
            enc.finish()
            try send(&enc.buffer)
        }
        try db.execute("ANALYZE scan_tok")
        // Pairs (changed record, other origin's record) sharing a strong token, one side this node's own. Each half
        // runs only when it can match, so the planner never weighs a scan of the whole token table for nothing.
        try db.execute("CREATE TEMP TABLE scan_shared (token bytea, kind text, changed_id text, other_id text) ON COMMIT DROP")
        if remoteHalf {
            try db.execute(
                """
                INSERT INTO scan_shared
                SELECT c.token, c.kind, c.record_id, l.record_id
                FROM scan_tok c JOIN casebridge.tokens_local l ON l.token = c.token AND l.record_id LIKE \(local) AND l.record_id <> c.record_id
                WHERE c.record_id NOT LIKE \(local) AND c.kind = ANY($1::text[])
                """, [strong])
        }
        if localHalf {
            try db.execute(
                """
                INSERT INTO scan_shared
                SELECT c.token, c.kind, c.record_id, o.record_id
                FROM scan_tok c JOIN casebridge.tokens_remote o ON o.token = c.token AND o.record_id NOT LIKE \(local)
                WHERE c.record_id LIKE \(local) AND c.kind = ANY($1::text[])
                """, [strong])
        }
        let shared = Int(try db.execute("SELECT count(*) FROM scan_shared").scalar ?? "0") ?? 0
        var raised: [Int64] = []
        // Deconfliction: one side local, the other another origin's, both live.
        if shared > 0 { raised += try db.execute(
            """
            WITH pairs AS (
              SELECT CASE WHEN s.changed_id LIKE \(local) THEN s.changed_id ELSE s.other_id END AS local_id,
                     CASE WHEN s.changed_id LIKE \(local) THEN s.other_id ELSE s.changed_id END AS other_id,
                     array_agg(DISTINCT s.kind ORDER BY s.kind) AS matched
              FROM scan_shared s
              WHERE (s.changed_id LIKE \(local)) <> (s.other_id LIKE \(local))
              GROUP BY 1, 2
            )
            INSERT INTO private.alerts AS a (kind, dedupe_key, case_ref, other_record, other_origin, other_case_ref, other_agency, other_contact, matched)
            SELECT 'deconfliction', 'd:' || p.local_id || '|' || p.other_id, lr.case_ref, p.other_id, o.origin, o.case_ref, o.agency, o.contact, p.matched
            FROM pairs p
            JOIN casebridge.records lr ON lr.record_id = p.local_id AND NOT lr.deleted AND NOT lr.purged
            JOIN casebridge.records o ON o.record_id = p.other_id AND NOT o.deleted AND NOT o.purged
            ON CONFLICT (dedupe_key) DO UPDATE SET matched = EXCLUDED.matched, other_contact = EXCLUDED.other_contact,
              other_agency = EXCLUDED.other_agency, raised_at = now(), acked_at = NULL, acked_by = NULL, delivered_at = NULL
              WHERE NOT (a.matched @> EXCLUDED.matched)
            RETURNING id
            """).rows.compactMap { $0[0].flatMap { Int64($0) } } }
        // Watches: any live record, local or remote, holding a watched token.
        if watching { raised += try db.execute(Self.watchAlerts(tokens: "scan_tok", where: "w.removed_at IS NULL")).rows.compactMap { $0[0].flatMap { Int64($0) } } }
        // Movement: a token shared with one of this node's cases, in live records of enough jurisdictions.
        if shared > 0 { raised += try db.execute(
            """
            WITH tok AS (SELECT DISTINCT token FROM scan_shared),
            spread AS (
              SELECT t.token, array_agg(DISTINCT r.jurisdiction ORDER BY r.jurisdiction) AS j,
                     array_agg(DISTINCT t.kind ORDER BY t.kind) AS kinds, array_agg(DISTINCT r.record_id ORDER BY r.record_id) AS recs
              FROM tok JOIN casebridge.tokens t ON t.token = tok.token
              JOIN casebridge.records r ON r.record_id = t.record_id
              WHERE NOT r.deleted AND NOT r.purged AND r.jurisdiction IS NOT NULL
                AND coalesce(r.opened, r.updated_at::date) >= current_date - $2::integer
              GROUP BY t.token HAVING count(DISTINCT r.jurisdiction) >= $1::integer
            )
            INSERT INTO private.alerts (kind, dedupe_key, matched, jurisdictions, records)
            SELECT 'movement', 'm:' || md5(token) || '|' || array_to_string(j, ','), kinds, j, recs FROM spread
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """, [String(settings.movementJurisdictions), String(settings.movementWindowDays)]
        ).rows.compactMap { $0[0].flatMap { Int64($0) } } }
        try db.execute("DROP TABLE scan_shared")
        try db.execute("DROP TABLE scan_tok")
        return raised
    }

    /// Raises watch alerts for every live record already holding the token of watch `id`.
    @discardableResult
    public func scanWatch(id: Int64) throws -> [Int64] {
        try db.execute(Self.watchAlerts(tokens: "casebridge.tokens", where: "w.id = $1 AND w.removed_at IS NULL"), [String(id)])
            .rows.compactMap { $0[0].flatMap { Int64($0) } }
    }

    /// The statement that raises a watch alert per (watch, live record) pair where `tokens` (a table with token,
    /// kind, record_id) holds a watched token, for the watches `condition` selects. Returns the new alert ids.
    static func watchAlerts(tokens: String, where condition: String) -> String {
        """
        INSERT INTO private.alerts (kind, dedupe_key, watch_id, other_record, other_origin, other_case_ref, other_agency, other_contact, matched)
        SELECT 'watch', 'w:' || w.id || '|' || r.record_id, w.id, r.record_id, r.origin, r.case_ref, r.agency, r.contact,
               array_agg(DISTINCT t.kind ORDER BY t.kind)
        FROM private.watches w
        JOIN \(tokens) t ON t.token = w.token
        JOIN casebridge.records r ON r.record_id = t.record_id AND NOT r.deleted AND NOT r.purged
        WHERE \(condition)
        GROUP BY w.id, r.record_id, r.origin, r.case_ref, r.agency, r.contact
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING id
        """
    }

    // MARK: Retention

    /// A case due for review (28 CFR 23.20(h)).
    public struct ReviewRow: Sendable, Codable {
        public var caseRef: String
        public var reviewBy: String
        public var updatedAt: String
        public var revalidated: Bool
        public var deleted: Bool
    }

    /// The SQL for a case's effective review date: the later of an explicit revalidation and its last update plus
    /// the retention period.
    static func reviewBy(years: Int) -> String {
        "greatest(coalesce(c.review_by, '-infinity'::date), (c.updated_at + make_interval(years => \(years)))::date)"
    }

    /// Cases whose review date falls within `withinDays` from today (or has passed), earliest first.
    public func reviewsDue(withinDays: Int, retentionYears: Int, limit: Int = 10_000) throws -> [ReviewRow] {
        try db.execute(
            """
            SELECT c.case_ref, \(Self.reviewBy(years: retentionYears))::text, \(isoUTC("c.updated_at")), c.review_by IS NOT NULL,
                   c.deleted_at IS NOT NULL
            FROM private.cases c
            WHERE \(Self.reviewBy(years: retentionYears)) <= current_date + $1::integer
            ORDER BY 2, 1 LIMIT $2
            """, [String(withinDays), String(limit)]
        ).rows.map { ReviewRow(caseRef: $0[0] ?? "", reviewBy: $0[1] ?? "", updatedAt: $0[2] ?? "", revalidated: $0[3] == "t", deleted: $0[4] == "t") }
    }

    /// Sets a case's review date to `years` from today; returns the new date, nil when there is no such case.
    public func revalidate(caseRef: String, years: Int) throws -> String? {
        try db.execute(
            "UPDATE private.cases SET review_by = (current_date + make_interval(years => $2::integer))::date WHERE case_ref = $1 RETURNING review_by::text",
            [caseRef, String(years)]).scalar
    }
}

extension NodeStore.AlertScanSettings {
    /// Identifier kinds that identify a person or thing on their own (a shared name or birth date alone does not
    /// raise an alert).
    public static let strongKinds = ["phone", "email", "document", "handle", "plate", "name+dob"]

    /// The settings a node's configuration names.
    public init(_ settings: InvestigatorSettings) {
        self.init(strongKinds: Self.strongKinds, movementJurisdictions: settings.movementJurisdictions, movementWindowDays: settings.movementWindowDays)
    }

    /// Strong kinds, three jurisdictions, one year.
    public static let standard = NodeStore.AlertScanSettings(strongKinds: strongKinds)
}

extension NodeStore {
    // MARK: Purge

    /// Expunges the records in `purged` and any record among `touched` that an earlier purge expunged: drops its
    /// tokens, the bodies of its record entries (headers and signatures stay: the log remains verifiable) and the
    /// published attributes of its display row, and marks it purged. Inside the transaction that applied the entries.
    public func expunge(purged: [String], touched: [String]) throws {
        var targets = Set(purged)
        if !touched.isEmpty {
            targets.formUnion(try byKeys { try db.execute(
                "SELECT record_id FROM casebridge.records WHERE purged AND record_id = ANY($1::text[])", [Self.encodeTextArray(touched)]
            ).rows.compactMap { $0[0] } })
        }
        guard !targets.isEmpty else { return }
        let t = Self.encodeTextArray(Array(targets))
        try deleteTokens(recordIds: t)
        try db.execute(
            "UPDATE casebridge.origin_log SET body = NULL WHERE record_id = ANY($1::text[]) AND kind = 1 AND body IS NOT NULL", [t])
        try db.execute(
            """
            UPDATE casebridge.records SET case_type = NULL, status = NULL, jurisdiction = NULL, opened = NULL, contact = NULL,
              deleted = true, purged = true WHERE record_id = ANY($1::text[])
            """, [t])
    }

    /// Whether a record was purged.
    public func isPurged(recordId: String) throws -> Bool {
        try db.execute("SELECT purged FROM casebridge.records WHERE record_id = $1", [recordId]).scalar == "t"
    }

    /// Deletes a private case for good (after its purge tombstone is written).
    public func deletePrivateCase(caseRef: String) throws {
        try db.execute("DELETE FROM private.cases WHERE case_ref = $1", [caseRef])
    }
}

extension NodeStore {
    // MARK: Frozen origins (equivocation)

    /// Origins frozen and not yet resolved.
    public func frozenOrigins() throws -> Set<String> {
        Set(try db.execute("SELECT origin FROM casebridge.frozen_origins WHERE resolved_at IS NULL").rows.compactMap { $0[0] })
    }

    /// Freezes `origin` (again, if it was resolved before) and raises an equivocation alert (inside a transaction).
    public func freezeOrigin(_ origin: String, seq: UInt64, reason: String) throws {
        try db.execute(
            """
            INSERT INTO casebridge.frozen_origins (origin, seq, reason) VALUES ($1, $2, $3)
            ON CONFLICT (origin) DO UPDATE SET seq = EXCLUDED.seq, reason = EXCLUDED.reason, frozen_at = now(),
              resolved_at = NULL, resolved_by = NULL, resolution = NULL
            """, [origin, String(seq), reason])
        try db.execute(
            """
            INSERT INTO private.alerts (kind, dedupe_key, other_origin, other_agency, matched)
            SELECT 'equivocation', 'e:' || $1 || '|' || $2, $1, (SELECT agency FROM casebridge.peers WHERE node_id = $1), '{}'
            ON CONFLICT (dedupe_key) DO NOTHING
            """, [origin, String(seq)])
    }

    /// Lifts a freeze; false when `origin` is not frozen.
    public func unfreezeOrigin(_ origin: String, by actor: String, resolution: String) throws -> Bool {
        try db.execute(
            "UPDATE casebridge.frozen_origins SET resolved_at = now(), resolved_by = $2, resolution = $3 WHERE origin = $1 AND resolved_at IS NULL",
            [origin, actor, resolution]).affected == 1
    }

    /// A freeze as listed.
    public struct FrozenRow: Sendable, Codable {
        public var origin: String
        public var seq: UInt64
        public var reason: String
        public var frozenAt: String
        public var resolvedAt: String?
        public var resolvedBy: String?
        public var resolution: String?
    }

    /// Every freeze, current ones first.
    public func frozenList() throws -> [FrozenRow] {
        try db.execute(
            """
            SELECT origin, seq, reason, \(isoUTC("frozen_at")), \(isoUTC("resolved_at")), resolved_by, resolution
            FROM casebridge.frozen_origins ORDER BY resolved_at IS NOT NULL, frozen_at DESC
            """
        ).rows.map { FrozenRow(origin: $0[0] ?? "", seq: UInt64($0[1] ?? "0") ?? 0, reason: $0[2] ?? "", frozenAt: $0[3] ?? "", resolvedAt: $0[4], resolvedBy: $0[5], resolution: $0[6]) }
    }

    /// One piece of equivocation evidence: the entry this node holds and the conflicting one, both as stored.
    public struct EvidenceRow: Sendable {
        public var id: Int64
        public var origin: String
        public var seq: UInt64
        public var peer: String
        public var detectedAt: String
        public var held: SignedEntry?
        public var conflicting: SignedEntry
    }

    /// Equivocation evidence, of one origin or all, oldest first.
    public func equivocationEvidence(origin: String?) throws -> [EvidenceRow] {
        try db.execute(
            """
            SELECT e.id, e.origin, e.seq, e.peer, \(isoUTC("e.detected_at")), e.header, e.body, e.signature, l.header, l.body, l.signature
            FROM casebridge.equivocations e LEFT JOIN casebridge.origin_log l ON l.origin = e.origin AND l.seq = e.seq
            WHERE $1::text IS NULL OR e.origin = $1 ORDER BY e.id
            """, [origin]
        ).rows.map { r in
            EvidenceRow(
                id: Int64(r[0] ?? "0") ?? 0, origin: r[1] ?? "", seq: UInt64(r[2] ?? "0") ?? 0, peer: r[3] ?? "", detectedAt: r[4] ?? "",
                held: r[8] == nil ? nil : SignedEntry(header: PostgresText.bytea(r[8]) ?? [], body: PostgresText.bytea(r[9]), signature: PostgresText.bytea(r[10]) ?? []),
                conflicting: SignedEntry(header: PostgresText.bytea(r[5]) ?? [], body: PostgresText.bytea(r[6]), signature: PostgresText.bytea(r[7]) ?? []))
        }
    }
}

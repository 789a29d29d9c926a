import CasebridgeCore
import CasebridgeStore
import CasebridgeTestSupport
import Testing

/// Token rows are found by the seq of their record's row (`tokens_record_seq`), not by a record-id index.
@Suite struct TokenStoreTests {
    static func row(_ recordId: String, seq: UInt64, deleted: Bool = false) -> NodeStore.RecordRow {
        let origin = String(recordId.prefix { $0 != "/" })
        return .init(
            recordId: recordId, origin: origin, seq: seq, caseRef: String(recordId.drop { $0 != "/" }.dropFirst()),
            version: VersionVector([origin: seq]), deleted: deleted, bodyHash: [1, 2, 3], record: nil)
    }

    static func token(_ byte: UInt8, _ recordId: String) -> NodeStore.TokenRow {
        .init(token: [UInt8](repeating: byte, count: 32), epoch: 1, recordId: recordId, kind: "phone", subject: 0, role: nil)
    }

    /// The token bytes (first byte of each) of `recordId`, sorted.
    static func tokens(_ db: PostgresConnection, _ recordId: String) throws -> [Int] {
        try db.execute("SELECT get_byte(token, 0) FROM casebridge.tokens WHERE record_id = $1 ORDER BY 1", [recordId]).rows.map { Int($0[0]!)! }
    }

    @Test func replacingDeletingAndExpungingTouchExactlyTheirRecordsTokens() throws {
        let t = try TestDatabase("tokenseq")
        defer { t.drop() }
        let store = try t.migratedStore()
        // Two origins' records at the same seq, sharing a token: the seq alone does not tell them apart.
        try store.db.transaction {
            try store.upsertRecords(
                [Self.row("a/A-1", seq: 5), Self.row("b/B-1", seq: 5), Self.row("a/A-2", seq: 6)],
                tokens: [Self.token(1, "a/A-1"), Self.token(2, "a/A-1"), Self.token(1, "b/B-1"), Self.token(3, "b/B-1"), Self.token(9, "a/A-2")])
        }
        #expect(try Self.tokens(store.db, "a/A-1") == [1, 2])
        // A new version of a/A-1 replaces its tokens and nobody else's.
        try store.db.transaction {
            try store.upsertRecords([Self.row("a/A-1", seq: 7)], tokens: [Self.token(4, "a/A-1")])
        }
        #expect(try Self.tokens(store.db, "a/A-1") == [4])
        #expect(try Self.tokens(store.db, "b/B-1") == [1, 3])
        #expect(try Self.tokens(store.db, "a/A-2") == [9])
        // A tombstone leaves the record without tokens.
        try store.db.transaction { try store.upsertRecords([Self.row("b/B-1", seq: 8, deleted: true)], tokens: []) }
        #expect(try Self.tokens(store.db, "b/B-1") == [])
        #expect(try Self.tokens(store.db, "a/A-1") == [4])
        // Removing a record's state and expunging one drop their tokens only.
        try store.db.transaction { try store.deleteRecordState(["a/A-2"]) }
        #expect(try Self.tokens(store.db, "a/A-2") == [])
        try store.db.transaction { try store.expunge(purged: ["a/A-1"], touched: []) }
        #expect(try store.db.execute("SELECT count(*) FROM casebridge.tokens").scalar == "0")
        // Token rows of a record not written with them are refused, and the transaction with them.
        #expect(throws: PostgresError.self) {
            try store.db.transaction { try store.upsertRecords([Self.row("a/A-3", seq: 9)], tokens: [Self.token(5, "a/A-4")]) }
        }
        #expect(try store.db.execute("SELECT count(*) FROM casebridge.records WHERE record_id = 'a/A-3'").scalar == "0")
    }

    @Test func migrationKeysExistingTokenRowsByTheirRecordsSeq() throws {
        let t = try TestDatabase("tokenmig")
        defer { t.drop() }
        let db = try t.connect()
        try Migrator.migrate(db, migrations: Migration.all.filter { $0.version < 8 })
        try db.execute(
            """
            INSERT INTO casebridge.records (record_id, origin, seq, case_ref, version, body_hash)
            VALUES ('a/A-1', 'a', 3, 'A-1', '{"a":3}', '\\x01'), ('b/B-1', 'b', 4, 'B-1', '{"b":4}', '\\x01')
            """)
        try db.execute(
            """
            INSERT INTO casebridge.tokens (token, epoch, record_id, kind, subject)
            VALUES ('\\x01', 1, 'a/A-1', 'phone', 0), ('\\x02', 1, 'a/A-1', 'email', 0), ('\\x03', 1, 'b/B-1', 'phone', 0),
                   ('\\x04', 1, 'gone/G-1', 'phone', 0)
            """)
        try Migrator.migrate(db)
        let rows = try db.execute("SELECT record_id, record_seq FROM casebridge.tokens ORDER BY token").rows
        #expect(rows.map { [$0[0]!, $0[1]!] } == [["a/A-1", "3"], ["a/A-1", "3"], ["b/B-1", "4"]])
        #expect(try db.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'tokens_record'").scalar == "0")
        let store = try t.store()
        try store.db.transaction { try store.deleteRecordState(["a/A-1"]) }
        #expect(try db.execute("SELECT count(*) FROM casebridge.tokens").scalar == "1")
    }

    @Test func tokenGroupsInAnyOrderGetTheirRecordsSeq() throws {
        let t = try TestDatabase("tokengroups")
        defer { t.drop() }
        let store = try t.migratedStore()
        // Groups out of seq order, one group holding rows of two records, one empty group.
        try store.db.transaction {
            try store.upsertRecords(
                [Self.row("a/A-9", seq: 9), Self.row("a/A-2", seq: 2), Self.row("b/B-5", seq: 5)],
                tokenGroups: [[Self.token(1, "a/A-9"), Self.token(2, "a/A-9")], [], [Self.token(3, "b/B-5"), Self.token(4, "a/A-2")]])
        }
        let rows = try store.db.execute("SELECT record_id, record_seq, get_byte(token, 0) FROM casebridge.tokens ORDER BY 3").rows
        #expect(rows.map { "\($0[0]!)@\($0[1]!):\($0[2]!)" } == ["a/A-9@9:1", "a/A-9@9:2", "b/B-5@5:3", "a/A-2@2:4"])
        // A token row whose record is not written with it is refused, and nothing of the call stays.
        #expect(throws: PostgresError.self) {
            try store.db.transaction {
                try store.upsertRecords([Self.row("a/A-3", seq: 3)], tokenGroups: [[Self.token(5, "a/A-3")], [Self.token(6, "z/Z-1")]])
            }
        }
        #expect(try store.db.execute("SELECT count(*) FROM casebridge.records WHERE record_id = 'a/A-3'").scalar == "0")
    }

    /// Which partition each record's token rows are in: `record@L` or `record@R`, sorted.
    static func partitions(_ db: PostgresConnection) throws -> [String] {
        try db.execute(
            """
            SELECT record_id || '@L' FROM casebridge.tokens_local UNION ALL SELECT record_id || '@R' FROM casebridge.tokens_remote
            ORDER BY 1
            """).rows.map { $0[0]! }
    }

    static func indexes(_ db: PostgresConnection, _ table: String) throws -> [String] {
        try db.execute(
            """
            SELECT i.relname || ':' || am.amname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
            WHERE x.indrelid = ('casebridge.' || $1)::regclass ORDER BY 1
            """, [table]).rows.map { $0[0]! }
    }

    @Test func ownRecordsTokensGoToTheLocalPartitionOthersToTheRemoteOne() throws {
        let t = try TestDatabase("tokenparts")
        defer { t.drop() }
        let store = try t.migratedStore()
        // Written before the node is registered: nothing is local yet.
        try store.db.transaction {
            try store.upsertRecords([Self.row("a/A-1", seq: 1), Self.row("b/B-1", seq: 1)], tokens: [Self.token(1, "a/A-1"), Self.token(1, "b/B-1")])
        }
        #expect(try Self.partitions(store.db) == ["a/A-1@R", "b/B-1@R"])
        // Registering as `a` claims a's rows; `ab/...` only shares the letter.
        try store.registerNode(nodeId: "a", agency: "A", keyId: [UInt8](repeating: 7, count: 16), publicKey: [UInt8](repeating: 8, count: 32))
        #expect(try Self.partitions(store.db) == ["a/A-1@L", "b/B-1@R"])
        try store.db.transaction {
            try store.upsertRecords(
                [Self.row("a/A-2", seq: 2), Self.row("ab/X-1", seq: 1), Self.row("b/B-2", seq: 2)],
                tokenGroups: [[Self.token(2, "a/A-2"), Self.token(3, "ab/X-1")], [Self.token(2, "b/B-2")]])
        }
        #expect(try Self.partitions(store.db) == ["a/A-1@L", "a/A-2@L", "ab/X-1@R", "b/B-1@R", "b/B-2@R"])
        // Search reads both partitions: token 1 is held by a local and a remote record.
        #expect(try store.findTokens([[UInt8](repeating: 1, count: 32)]).count == 2)
        // A new version of a local record replaces its rows in the local partition only.
        try store.db.transaction { try store.upsertRecords([Self.row("a/A-1", seq: 3)], tokens: [Self.token(4, "a/A-1")]) }
        #expect(try Self.tokens(store.db, "a/A-1") == [4])
        #expect(try Self.partitions(store.db) == ["a/A-1@L", "a/A-2@L", "ab/X-1@R", "b/B-1@R", "b/B-2@R"])
        // Each partition has its own token index: a B-tree for own records (bulk-built), a hash index for the others.
        #expect(try Self.indexes(store.db, "tokens_local") == ["tokens_local_record_seq:btree", "tokens_local_token:btree"])
        #expect(try Self.indexes(store.db, "tokens_remote") == ["tokens_remote_record_seq:btree", "tokens_remote_token:hash"])
    }

    @Test func bulkLoadRebuildsOnlyThePartitionItFills() throws {
        let t = try TestDatabase("tokenbulk")
        defer { t.drop() }
        let store = try t.migratedStore()
        try store.registerNode(nodeId: "a", agency: "A", keyId: [UInt8](repeating: 7, count: 16), publicKey: [UInt8](repeating: 8, count: 32))
        try store.db.transaction {
            try store.upsertRecords([Self.row("b/B-1", seq: 1)], tokens: [Self.token(9, "b/B-1")])
        }
        func indexOids(_ table: String) throws -> [[String?]] {
            try store.db.execute("SELECT indexrelid FROM pg_index WHERE indrelid = ('casebridge.' || $1)::regclass ORDER BY 1", [table]).rows
        }
        let remoteIndexes = try indexOids("tokens_remote")
        let localIndexes = try indexOids("tokens_local")
        // Enough local rows to take the bulk path (indexes dropped, COPY, indexes rebuilt) in one transaction.
        let n = NodeStore.tokenBulkLoadThreshold / 10 + 1
        let records = (1...n).map { Self.row("a/A-\($0)", seq: UInt64($0)) }
        let groups = (1...n).map { i in (0..<10).map { k in
            NodeStore.TokenRow(token: [UInt8(truncatingIfNeeded: i), UInt8(truncatingIfNeeded: i >> 8), UInt8(k)] + [UInt8](repeating: 5, count: 29), epoch: 1,
                               recordId: "a/A-\(i)", kind: "phone", subject: 0, role: nil) } }
        try store.db.transaction { try store.upsertRecords(records, tokenGroups: groups) }
        #expect(try store.db.execute("SELECT count(*) FROM casebridge.tokens_local").scalar == String(n * 10))
        #expect(try Self.indexes(store.db, "tokens_local") == ["tokens_local_record_seq:btree", "tokens_local_token:btree"])
        // The local partition's indexes were rebuilt (new index objects), the remote partition's left alone.
        #expect(try indexOids("tokens_local") != localIndexes)
        #expect(try indexOids("tokens_remote") == remoteIndexes)
        let probe = groups[n / 2][3].token
        #expect(try store.findTokens([probe]).map(\.recordId) == ["a/A-\(n / 2 + 1)"])
    }

    @Test func aNodeHoldingOtherOriginsTokensInsertsItsFirstImportIntoTheIndexes() throws {
        let t = try TestDatabase("tokenbulkheld")
        defer { t.drop() }
        let store = try t.migratedStore()
        try store.registerNode(nodeId: "a", agency: "A", keyId: [UInt8](repeating: 7, count: 16), publicKey: [UInt8](repeating: 8, count: 32))
        let n = NodeStore.tokenBulkLoadThreshold / 10 + 1
        // Other origins' token rows, more than the load will bring: searches must not wait for an import's index builds.
        try store.db.execute(
            """
            INSERT INTO casebridge.tokens_remote (token, epoch, record_id, kind, subject, record_seq)
            SELECT sha256(g::text::bytea), 1, 'b/B-' || g, 'phone', 0, g FROM generate_series(1, $1::integer) g
            """, [String(n * 10 + 1)])
        let oids = "SELECT indexrelid FROM pg_index WHERE indrelid = 'casebridge.tokens_local'::regclass ORDER BY 1"
        let before = try store.db.execute(oids).rows
        let records = (1...n).map { Self.row("a/A-\($0)", seq: UInt64($0)) }
        let groups = (1...n).map { i in (0..<10).map { k in
            NodeStore.TokenRow(token: [UInt8(truncatingIfNeeded: i), UInt8(truncatingIfNeeded: i >> 8), UInt8(k)] + [UInt8](repeating: 6, count: 29), epoch: 1,
                               recordId: "a/A-\(i)", kind: "phone", subject: 0, role: nil) } }
        try store.db.transaction { try store.upsertRecords(records, tokenGroups: groups) }
        #expect(try store.db.execute(oids).rows == before)
        #expect(try store.db.execute("SELECT count(*) FROM casebridge.tokens_local").scalar == String(n * 10))
    }

    @Test func bulkLoadOfRecordsRestoresTheirKeyAndIndexesAndChecksTheKey() throws {
        let t = try TestDatabase("recordbulk")
        defer { t.drop() }
        let store = try t.migratedStore()
        func definitions() throws -> [String] {
            try store.db.execute(
                """
                SELECT pg_get_indexdef(indexrelid) || coalesce(' / ' || (SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
                  WHERE c.conindid = x.indexrelid), '')
                FROM pg_index x WHERE indrelid = 'casebridge.records'::regclass ORDER BY 1
                """).rows.map { $0[0]! }
        }
        func oids() throws -> [[String?]] {
            try store.db.execute("SELECT indexrelid FROM pg_index WHERE indrelid = 'casebridge.records'::regclass ORDER BY 1").rows
        }
        let before = try definitions()
        #expect(before.contains { $0.contains("records_pkey") && $0.hasSuffix("PRIMARY KEY (record_id)") })
        let oidsBefore = try oids()
        let n = NodeStore.recordBulkLoadThreshold
        // New rows (as an import writes them): straight into the table.
        func fresh(_ id: String, _ seq: Int) -> NodeStore.RecordRow {
            var r = Self.row(id, seq: UInt64(seq))
            r.isNew = true
            return r
        }
        // A duplicate record id in a bulk load: the restored primary key refuses it, and nothing of the call stays.
        let duplicated = (1...n).map { fresh("a/A-\($0 == n ? 1 : $0)", $0) }
        // The restored key refuses it (not an insertion into a live key: the bulk path ran).
        let refused = #expect(throws: PostgresError.self) { try store.db.transaction { try store.upsertRecords(duplicated, tokens: []) } }
        #expect(refused?.message.contains("could not create unique index") == true, "\(String(describing: refused))")
        #expect(try store.db.execute("SELECT count(*) FROM casebridge.records").scalar == "0")
        #expect(try definitions() == before && oids() == oidsBefore)
        // A good bulk load: every row in, the same key and indexes back (built anew).
        try store.db.transaction { try store.upsertRecords((1...n).map { fresh("a/A-\($0)", $0) }, tokens: []) }
        #expect(try store.db.execute("SELECT count(*) FROM casebridge.records").scalar == String(n))
        #expect(try definitions() == before)
        #expect(try oids() != oidsBefore)
        // A smaller load into the now larger table keeps the indexes; the key still holds.
        let oidsAfter = try oids()
        try store.db.transaction { try store.upsertRecords([fresh("a/A-\(n + 1)", n + 1)], tokens: []) }
        #expect(try oids() == oidsAfter)
        #expect(throws: PostgresError.self) { try store.db.transaction { try store.upsertRecords([fresh("a/A-2", 99)], tokens: []) } }
    }

    @Test func outsideATransactionABulkLoadKeepsTheIndexes() throws {
        let t = try TestDatabase("bulknotx")
        defer { t.drop() }
        let store = try t.migratedStore()
        let oids = "SELECT indexrelid FROM pg_index WHERE indrelid = 'casebridge.records'::regclass ORDER BY 1"
        let before = try store.db.execute(oids).rows
        #expect(!store.db.inTransaction)
        let rows = (1...NodeStore.recordBulkLoadThreshold).map { i -> NodeStore.RecordRow in
            var r = Self.row("a/A-\(i)", seq: UInt64(i))
            r.isNew = true
            return r
        }
        try store.upsertRecords(rows, tokens: [])
        #expect(try store.db.execute(oids).rows == before)
        #expect(try store.db.execute("SELECT count(*) FROM casebridge.records").scalar == String(rows.count))
        try store.db.transaction { #expect(store.db.inTransaction) }
    }

    @Test func migrationSplitsTokenRowsByTheNodesOwnRecords() throws {
        let t = try TestDatabase("tokensplit")
        defer { t.drop() }
        let db = try t.connect()
        try Migrator.migrate(db, migrations: Migration.all.filter { $0.version < 12 })
        try db.execute("INSERT INTO casebridge.node (node_id, agency) VALUES ('a', 'A')")
        try db.execute(
            """
            INSERT INTO casebridge.records (record_id, origin, seq, case_ref, version, body_hash)
            VALUES ('a/A-1', 'a', 3, 'A-1', '{"a":3}', '\\x01'), ('b/B-1', 'b', 4, 'B-1', '{"b":4}', '\\x01')
            """)
        try db.execute(
            """
            INSERT INTO casebridge.tokens (token, epoch, record_id, kind, subject, record_seq)
            VALUES ('\\x01', 1, 'a/A-1', 'phone', 0, 3), ('\\x02', 1, 'a/A-1', 'email', 0, 3), ('\\x03', 1, 'b/B-1', 'phone', 0, 4)
            """)
        try Migrator.migrate(db)
        #expect(try Self.partitions(db) == ["a/A-1@L", "a/A-1@L", "b/B-1@R"])
        #expect(try db.execute("SELECT count(*) FROM pg_class WHERE relname = 'tokens_before_12'").scalar == "0")
        #expect(try Self.indexes(db, "tokens_local") == ["tokens_local_record_seq:btree", "tokens_local_token:btree"])
        #expect(try Self.indexes(db, "tokens_remote") == ["tokens_remote_record_seq:btree", "tokens_remote_token:hash"])
        let store = try t.store()
        try store.db.transaction { try store.deleteRecordState(["a/A-1"]) }
        #expect(try Self.partitions(db) == ["b/B-1@R"])
    }

    @Test func currentVersionsOfABatchAreReadByIndex() throws {
        let t = try TestDatabase("currentidx")
        defer { t.drop() }
        let store = try t.migratedStore()
        try store.db.execute(
            """
            INSERT INTO casebridge.records (record_id, origin, seq, case_ref, version, body_hash)
            SELECT 'o/C-' || g, 'o', g, 'C-' || g, jsonb_build_object('o', g), '\\x01'::bytea FROM generate_series(1, 60000) g
            """)
        try store.db.execute("ANALYZE casebridge.records")
        // A batch of 2,000 records among 60,000: PostgreSQL's default costs would read the whole table.
        let ids = Set((1...2000).map { "o/C-\($0 * 29)" })
        // The counters include this session's earlier, not yet reported statements (the migrations): compare.
        func scans() throws -> (seq: Int, index: Int) {
            let r = try store.db.execute(
                "SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relid = 'casebridge.records'::regclass").rows.first
            return (Int(r?[0] ?? "") ?? -1, Int(r?[1] ?? "") ?? -1)
        }
        try store.db.transaction {
            let before = try scans()
            let found = try store.currentVersions(ids)
            #expect(found.count == 2000 && found["o/C-58"]?.first?.seq == 58)
            let after = try scans()
            #expect(after.seq == before.seq && before.seq >= 0)
            #expect(after.index > before.index)
        }
    }

    @Test func cacheAdviceOnlyWhenTheTokenIndexesOutgrowTheBufferCache() throws {
        let t = try TestDatabase("cachesizes")
        defer { t.drop() }
        let store = try t.migratedStore()
        let sizes = try store.cacheSizes()
        #expect(sizes.sharedBuffers >= 128 << 10)  // PostgreSQL's floor is 128 kB; the test cluster has its default
        #expect(sizes.tokenIndexes > 0)  // the hash index's meta and bucket pages, the seq index's meta page
        #expect(sizes.advice == nil)

        #expect(NodeStore.CacheSizes(sharedBuffers: 128 << 20, tokenIndexes: 128 << 20).advice == nil)
        #expect(NodeStore.CacheSizes(sharedBuffers: 0, tokenIndexes: 500 << 20).advice == nil)  // unknown cache: no guess
        let advice = try #require(NodeStore.CacheSizes(sharedBuffers: 128 << 20, tokenIndexes: (420 << 20) + 1).advice)
        #expect(advice.contains("token indexes (421 MB)") && advice.contains("shared_buffers 128 MB"))
        #expect(advice.contains("above 841 MB"))
    }
}

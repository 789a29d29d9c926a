import CasebridgeStore
import CasebridgeTestSupport
import Foundation
import Testing

@Suite struct MigrationTests {
    @Test func embeddedMigrationsMatchTheSQLFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("Schemas/migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count == Migration.all.count, "run Deploy/tools/embed-migrations.sh")
        for (file, m) in zip(files, Migration.all.sorted { $0.version < $1.version }) {
            let sql = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            #expect(Int(file.prefix(while: { $0.isNumber })) == m.version)
            let norm = { (s: String) in s.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            #expect(norm(sql) == norm(m.sql), "migration \(file) differs from the embedded copy; run Deploy/tools/embed-migrations.sh")
        }
    }

    @Test func migrateIsIdempotentAndRefusesNewerSchemas() throws {
        let t = try TestDatabase("migrate")
        defer { t.drop() }
        let db = try t.connect()
        #expect(try Migrator.status(db).current == 0)
        #expect(throws: StoreError.self) { try Migrator.requireCurrent(db) }
        let first = try Migrator.migrate(db)
        #expect(first.count == Migration.all.count)
        #expect(try Migrator.migrate(db).isEmpty)
        try Migrator.requireCurrent(db)
        #expect(try db.execute("SELECT count(*) FROM casebridge.schema_migrations").scalar == String(Migration.all.count))
        // A newer build wrote version latest+1: this build must refuse to run or migrate.
        try db.execute("INSERT INTO casebridge.schema_migrations (version, name, checksum) VALUES ($1, 'future', 'x')", [String(Migration.latestVersion + 1)])
        let e = try #require(throws: StoreError.self) { try Migrator.requireCurrent(db) }
        #expect(e.code == "schema.too-new")
        #expect(throws: StoreError.self) { try Migrator.migrate(db) }
    }

    @Test func failedMigrationLeavesNothingHalfApplied() throws {
        let t = try TestDatabase("migfail")
        defer { t.drop() }
        let db = try t.connect()
        try Migrator.migrate(db)
        let bad = Migration(version: Migration.latestVersion + 1, name: "broken", sql: "CREATE TABLE casebridge.half (x int); SELECT no_such_function();")
        #expect(throws: PostgresError.self) { try Migrator.migrate(db, migrations: Migration.all + [bad]) }
        #expect(try db.execute("SELECT to_regclass('casebridge.half') IS NULL").scalar == "t")
        #expect(try Migrator.status(db).current == Migration.latestVersion)
    }

    @Test func connectionErrorsAreReportedAsUnavailable() throws {
        let e = try #require(throws: PostgresError.self) { try PostgresConnection(conninfo: "host=/nonexistent-socket-dir port=1 connect_timeout=2") }
        #expect(e.isUnavailable)
    }

    @Test func serverErrorsKeepRowValuesOutOfTheDescription() throws {
        let t = try TestDatabase("pgerr")
        defer { t.drop() }
        let db = try t.connect()
        try db.execute("CREATE TABLE u (v text PRIMARY KEY)")
        try db.execute("INSERT INTO u VALUES ($1)", ["+14155550123"])
        let e = try #require(throws: PostgresError.self) { try db.execute("INSERT INTO u VALUES ($1)", ["+14155550123"]) }
        #expect(e.sqlState == "23505")
        #expect(!e.description.contains("4155550123"))
        #expect(e.debugDescription.contains("4155550123"))
    }

    @Test func copyEncoderEscapesEverything() throws {
        let t = try TestDatabase("copy")
        defer { t.drop() }
        let db = try t.connect()
        try db.execute("CREATE TABLE c (a text, b bytea, n bigint)")
        let nasty = "tab\tnew\nline\r\\back\\N é 🙂"
        try db.copyIn("COPY c FROM STDIN") { send in
            var e = CopyEncoder()
            e.text(nasty); e.bytea([0, 1, 255, 92]); e.int(-5); e.endRow()
            e.text(nil); e.bytea(nil); e.int(UInt64.max / 2); e.endRow()
            try send(&e.buffer)
        }
        let rows = try db.execute("SELECT a, b, n FROM c ORDER BY n").rows
        #expect(rows[0][0] == nasty)
        #expect(PostgresText.bytea(rows[0][1]) == [0, 1, 255, 92])
        #expect(rows[1][0] == nil)
        #expect(rows[1][1] == nil)
    }
}

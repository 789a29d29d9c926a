/// One versioned schema change (a SQL file under `Schemas/migrations/`, embedded at build time).
public struct Migration: Sendable, Hashable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// FNV-1a 64 of the SQL text, recorded when applied so that an edited migration is noticed.
    public var checksum: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in sql.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return String(h, radix: 16)
    }

    /// The highest schema version this build knows.
    public static var latestVersion: Int { all.map(\.version).max() ?? 0 }
}

/// Applies pending migrations, each in its own transaction, under an advisory lock so concurrent
/// migrators wait for each other. Safe to run any number of times.
public enum Migrator {
    static let lockKey = "4850232431170381157"  // arbitrary, fixed

    /// Schema state of a database.
    public struct Status: Sendable {
        /// Highest applied version (0 for an empty database).
        public var current: Int
        /// Highest version this build knows.
        public var latest: Int
        /// Versions known to this build and not yet applied.
        public var pending: [Int]
    }

    /// Applies every pending migration and returns the ones applied now.
    @discardableResult
    public static func migrate(_ db: PostgresConnection, migrations: [Migration] = Migration.all) throws -> [Migration] {
        try db.execute("SELECT pg_advisory_lock($1::bigint)", [lockKey])
        defer { _ = try? db.execute("SELECT pg_advisory_unlock($1::bigint)", [lockKey]) }
        try db.transaction {
            try db.execute("CREATE SCHEMA IF NOT EXISTS casebridge")
            try db.execute("""
                CREATE TABLE IF NOT EXISTS casebridge.schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """)
        }
        let applied = try appliedVersions(db)
        let latest = migrations.map(\.version).max() ?? 0
        if let newest = applied.keys.max(), newest > latest {
            throw StoreError.schemaTooNew(database: newest, known: latest)
        }
        for (version, checksum) in applied {
            if let m = migrations.first(where: { $0.version == version }), m.checksum != checksum {
                throw StoreError(code: "schema.checksum", reason: "migration \(version) (\(m.name)) was changed after it was applied; restore the original file")
            }
        }
        var done: [Migration] = []
        for m in migrations.sorted(by: { $0.version < $1.version }) where applied[m.version] == nil {
            try db.transaction {
                try db.execute(m.sql)
                try db.execute(
                    "INSERT INTO casebridge.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [String(m.version), m.name, m.checksum])
            }
            done.append(m)
        }
        return done
    }

    /// The schema state, without changing anything.
    public static func status(_ db: PostgresConnection, migrations: [Migration] = Migration.all) throws -> Status {
        let exists = try db.execute("SELECT to_regclass('casebridge.schema_migrations') IS NOT NULL").scalar == "t"
        let applied = exists ? try appliedVersions(db) : [:]
        let latest = migrations.map(\.version).max() ?? 0
        return Status(
            current: applied.keys.max() ?? 0, latest: latest,
            pending: migrations.map(\.version).filter { applied[$0] == nil }.sorted())
    }

    /// Throws unless the database is at exactly the schema this build knows: a node refuses to run against
    /// a newer schema (written by a newer build) or an unmigrated one.
    public static func requireCurrent(_ db: PostgresConnection) throws {
        let s = try status(db)
        if s.current > s.latest { throw StoreError.schemaTooNew(database: s.current, known: s.latest) }
        if !s.pending.isEmpty {
            throw StoreError(code: "schema.pending", reason: "database schema is at version \(s.current), this build needs \(s.latest); run `casebridge db migrate`")
        }
    }

    private static func appliedVersions(_ db: PostgresConnection) throws -> [Int: String] {
        var out: [Int: String] = [:]
        for row in try db.execute("SELECT version, checksum FROM casebridge.schema_migrations").rows {
            if let v = row[0].flatMap({ Int($0) }) { out[v] = row[1] ?? "" }
        }
        return out
    }
}

/// A storage-level error that is not PostgreSQL's own (schema state, integrity).
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var reason: String

    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }

    static func schemaTooNew(database: Int, known: Int) -> StoreError {
        StoreError(code: "schema.too-new", reason: "database schema version \(database) is newer than this build knows (\(known)); upgrade casebridge")
    }
}

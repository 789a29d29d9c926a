public import CasebridgeStore
import Foundation

/// A fresh PostgreSQL database for one test, created from `CASEBRIDGE_TEST_DATABASE` (a libpq conninfo of a
/// maintenance database; `Deploy/local/test.sh` sets it) and dropped by `drop()`.
public final class TestDatabase {
    public let name: String
    public let admin: String

    /// Whether a test database server is configured.
    public static var isConfigured: Bool { ProcessInfo.processInfo.environment["CASEBRIDGE_TEST_DATABASE"] != nil }

    /// The maintenance conninfo.
    public static var adminConninfo: String { ProcessInfo.processInfo.environment["CASEBRIDGE_TEST_DATABASE"] ?? "" }

    public init(_ label: String = "t") throws {
        admin = Self.adminConninfo
        let clean = label.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(20)
        name = "cbtest_\(clean)_\(UInt32.random(in: 0...UInt32.max))"
        let c = try PostgresConnection(conninfo: admin)
        try c.execute("CREATE DATABASE \(name)")
    }

    /// A conninfo for this database.
    public var conninfo: String { "\(admin) dbname=\(name)" }

    /// A new connection to this database.
    public func connect() throws -> PostgresConnection { try PostgresConnection(conninfo: admin, database: name) }

    /// A store on this database.
    public func store() throws -> NodeStore { try NodeStore(conninfo: admin, database: name) }

    /// A store on this database with every migration applied.
    public func migratedStore() throws -> NodeStore {
        let store = try store()
        try Migrator.migrate(store.db)
        return store
    }

    public func drop() {
        if let c = try? PostgresConnection(conninfo: admin) {
            _ = try? c.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }
}

import CLibpq
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection. It honours everything libpq users expect: conninfo strings and URIs, `PG*`
/// environment variables, `.pgpass`, service files and `sslmode`.
///
/// Not thread-safe: owned by one task at a time (the type is not `Sendable`). libpq calls block, so servers run
/// it off the event loop.
public final class PostgresConnection {
    private let conn: OpaquePointer

    /// Connects with a libpq conninfo string or URI; an empty string uses the `PG*` environment.
    public convenience init(conninfo: String) throws(PostgresError) {
        try self.init(conninfo: conninfo, database: nil)
    }

    /// Connects with `conninfo`, overriding its database name with `database` when given.
    public init(conninfo: String, database: String?) throws(PostgresError) {
        var keys = ["dbname"]
        var values = [conninfo]
        if let database {
            keys.append("dbname")
            values.append(database)
        }
        let conn = Self.withCStrings(keys) { k in
            Self.withCStrings(values) { v in
                var kk = Array(UnsafeBufferPointer(start: k, count: keys.count)) + [nil]
                var vv = Array(UnsafeBufferPointer(start: v, count: values.count)) + [nil]
                return PQconnectdbParams(&kk, &vv, 1)
            }
        }
        guard let c = conn else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(c) == CONNECTION_OK else {
            // libpq's connection message names host/port/user, never data rows; keep it in the description.
            let msg = String(cString: PQerrorMessage(c)).trimmingTrailingNewlines()
            PQfinish(c)
            throw PostgresError(kind: .connection, message: msg)
        }
        self.conn = c
        _ = try? execute("SET client_min_messages = warning")
    }

    deinit { PQfinish(conn) }

    /// The database name of this connection.
    public var databaseName: String { String(cString: PQdb(conn)) }

    /// Runs `sql` with text parameters (`$1`, `$2`...; nil is NULL) and returns all rows as text.
    @discardableResult
    public func execute(_ sql: String, _ params: [String?] = []) throws(PostgresError) -> PostgresRows {
        let result: OpaquePointer?
        if params.isEmpty {
            result = PQexec(conn, sql)
        } else {
            result = Self.withCStrings(params) { ptrs in
                PQexecParams(conn, sql, Int32(params.count), nil, ptrs, nil, nil, 0)
            }
        }
        return try consume(result)
    }

    /// Runs `sql` with text parameters and returns all rows in PostgreSQL's binary output format: bytea columns as
    /// their bytes (no hex on the server, half the transfer, no decoding here), integers big-endian.
    public func executeBinary(_ sql: String, _ params: [String?] = []) throws(PostgresError) -> [[[UInt8]?]] {
        let result = Self.withCStrings(params) { ptrs in
            PQexecParams(conn, sql, Int32(params.count), nil, ptrs, nil, nil, 1)
        }
        guard let result else { throw PostgresError(kind: .connection, message: errorMessage()) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK else { throw failure(result) }
        let nrows = PQntuples(result), ncols = PQnfields(result)
        var rows: [[[UInt8]?]] = []
        rows.reserveCapacity(Int(nrows))
        for r in 0..<nrows {
            var row: [[UInt8]?] = []
            row.reserveCapacity(Int(ncols))
            for c in 0..<ncols {
                if PQgetisnull(result, r, c) == 1 {
                    row.append(nil)
                } else {
                    let n = Int(PQgetlength(result, r, c))
                    let p = UnsafeRawPointer(PQgetvalue(result, r, c)!)
                    row.append([UInt8](UnsafeRawBufferPointer(start: p, count: n)))
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// A big-endian int8 column of `executeBinary`.
    public static func int8(_ b: [UInt8]?) -> Int64? {
        guard let b, b.count == 8 else { return nil }
        return b.reduce(0) { $0 << 8 | Int64($1) }
    }

    /// Runs a `COPY ... FROM STDIN` statement, feeding it the text-format data that `write` produces in chunks.
    /// Returns the number of rows copied.
    @discardableResult
    public func copyIn(_ sql: String, _ write: (_ send: (inout [UInt8]) throws(PostgresError) -> Void) throws -> Void) throws -> Int {
        let start = PQexec(conn, sql)
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try consume(start)
            throw PostgresError(kind: .client, message: "COPY did not start")
        }
        PQclear(start)
        var failed: (any Error)? = nil
        do {
            try write { (buffer: inout [UInt8]) throws(PostgresError) in
                guard !buffer.isEmpty else { return }
                let rc = buffer.withUnsafeBufferPointer { p in
                    p.withMemoryRebound(to: CChar.self) { PQputCopyData(conn, $0.baseAddress, Int32($0.count)) }
                }
                buffer.removeAll(keepingCapacity: true)
                if rc != 1 {
                    throw PostgresError(kind: .connection, message: self.errorMessage())
                }
            }
        } catch {
            failed = error
        }
        let endRC = failed == nil ? PQputCopyEnd(conn, nil) : PQputCopyEnd(conn, "aborted by client")
        if endRC != 1 { throw PostgresError(kind: .connection, message: errorMessage()) }
        var rows = 0
        var serverError: PostgresError? = nil
        while let r = PQgetResult(conn) {
            if PQresultStatus(r) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(r))) ?? 0
                PQclear(r)
            } else {
                do { _ = try consume(r) } catch { serverError = serverError ?? error }
            }
        }
        if let failed { throw failed }
        if let serverError { throw serverError }
        return rows
    }

    /// Whether a transaction block is open on this connection (and has not failed).
    public var inTransaction: Bool { PQtransactionStatus(conn) == PQTRANS_INTRANS }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    private func errorMessage() -> String {
        String(cString: PQerrorMessage(conn)).trimmingTrailingNewlines()
    }

    private func consume(_ result: OpaquePointer?) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw PostgresError(kind: .connection, message: errorMessage())
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(columns: [], rows: [], affected: Int(String(cString: PQcmdTuples(result))) ?? 0)
        case PGRES_TUPLES_OK:
            let nrows = Int(PQntuples(result))
            let ncols = Int(PQnfields(result))
            var columns: [String] = []
            columns.reserveCapacity(ncols)
            for c in 0..<ncols { columns.append(String(cString: PQfname(result, Int32(c)))) }
            var rows: [[String?]] = []
            rows.reserveCapacity(nrows)
            for r in 0..<nrows {
                var row: [String?] = []
                row.reserveCapacity(ncols)
                for c in 0..<ncols {
                    if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                        row.append(nil)
                    } else {
                        row.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                    }
                }
                rows.append(row)
            }
            return PostgresRows(columns: columns, rows: rows, affected: nrows)
        default:
            throw failure(result)
        }
    }

    /// The error a result that is not a success stands for.
    private func failure(_ result: OpaquePointer) -> PostgresError {
        let state = Self.field(result, Int32(UInt8(ascii: "C")))
        let primary = Self.field(result, Int32(UInt8(ascii: "M")))
        let detail = Self.field(result, Int32(UInt8(ascii: "D")))
        let message = primary.isEmpty ? String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines() : primary
        if PQstatus(conn) != CONNECTION_OK {
            return PostgresError(kind: .connection, sqlState: state, message: message, detail: detail)
        }
        return PostgresError(kind: .server, sqlState: state, message: message, detail: detail)
    }

    private static func field(_ result: OpaquePointer, _ code: Int32) -> String {
        guard let p = PQresultErrorField(result, code) else { return "" }
        return String(cString: p)
    }

    private static func withCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        var owned: [UnsafeMutablePointer<CChar>?] = strings.map { s in s.map { strdup($0)! } }
        defer { for p in owned { free(p) } }
        return owned.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) { body($0) }
        }
    }
}

/// Rows returned by a query, as text (PostgreSQL's text output format).
public struct PostgresRows: Sendable {
    public var columns: [String]
    public var rows: [[String?]]
    /// Rows affected by a command (from the command tag), or rows returned.
    public var affected: Int

    /// The first column of the first row, if any.
    public var scalar: String? { rows.first?.first ?? nil }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = self
        while s.last == "\n" || s.last == " " { s.removeLast() }
        return s
    }
}

/// A PostgreSQL or libpq failure.
///
/// `description` holds only the SQLSTATE and the server's primary message, which for Casebridge's queries never
/// contains row values; the server's DETAIL (which can quote values, e.g. a duplicate key) is kept in
/// `debugDescription` only, so it never reaches ordinary logs.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Why the operation failed.
    public enum Kind: String, Sendable {
        /// Could not connect or the connection broke.
        case connection
        /// The server refused a statement.
        case server
        /// A client-side protocol problem (COPY, result shape).
        case client
    }

    public var kind: Kind
    /// SQLSTATE, e.g. `23505`; empty for connection errors.
    public var sqlState: String
    public var message: String
    var detail: String
    public var file: String
    public var line: Int

    public init(kind: Kind, sqlState: String = "", message: String, detail: String = "", file: String = #fileID, line: Int = #line) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.file = file
        self.line = line
    }

    public var description: String {
        sqlState.isEmpty ? "PostgreSQL \(kind.rawValue) error: \(message)" : "PostgreSQL error \(sqlState): \(message)"
    }

    public var debugDescription: String { "\(description) [\(detail)] at \(file):\(line)" }

    /// True for errors that mean the database is unreachable rather than a statement failing.
    public var isUnavailable: Bool {
        kind == .connection || sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P03" || sqlState == "3D000"
    }
}

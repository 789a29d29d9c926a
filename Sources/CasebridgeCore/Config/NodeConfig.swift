/// A node's configuration (`casebridge.toml`). Paths are resolved relative to the file's folder.
public struct NodeConfig: Sendable, Hashable {
    public var nodeId: String
    public var agency: String
    /// ISO 3166-1 alpha-2 region used to read national phone numbers.
    public var defaultRegion: String
    /// libpq conninfo string or URI; empty means libpq's `PG*` environment and defaults.
    public var database: String
    public var signingKeyPath: String
    public var pseudonymKeyPath: String
    /// Subject roles published with a subject's tokens; other roles are published without a role.
    public var publishRoles: Set<SubjectRole>
    /// How to read ambiguous dates of birth when a case does not say (`dobFormat`); nil rejects them.
    public var dateOrder: DateOrder?
    public var logFormat: LogFormat
    public var logLevel: String

    /// Log line format.
    public enum LogFormat: String, Sendable, Hashable, CaseIterable {
        case text, json
    }

    /// The roles published by default: suspects and associates. Victims' and witnesses' roles stay private.
    public static let defaultPublishRoles: Set<SubjectRole> = [.suspect, .associate]

    public init(
        nodeId: String, agency: String, defaultRegion: String, database: String, signingKeyPath: String,
        pseudonymKeyPath: String, publishRoles: Set<SubjectRole> = NodeConfig.defaultPublishRoles,
        dateOrder: DateOrder? = nil, logFormat: LogFormat = .text, logLevel: String = "info"
    ) {
        self.nodeId = nodeId
        self.agency = agency
        self.defaultRegion = defaultRegion
        self.database = database
        self.signingKeyPath = signingKeyPath
        self.pseudonymKeyPath = pseudonymKeyPath
        self.publishRoles = publishRoles
        self.dateOrder = dateOrder
        self.logFormat = logFormat
        self.logLevel = logLevel
    }

    /// Parses a configuration file's text. `directory` resolves relative key paths.
    public init(toml text: String, source: String, directory: String) throws(ConfigError) {
        let doc = try TOMLDocument(parsing: text, source: source)
        func required(_ key: String) throws(ConfigError) -> String {
            guard let v = try doc.string(key, source: source), !v.isEmpty else {
                throw ConfigError(source: source, reason: "missing required setting `\(key)`")
            }
            return v
        }
        func resolve(_ p: String) -> String {
            p.hasPrefix("/") ? p : (directory.hasSuffix("/") ? directory + p : directory + "/" + p)
        }
        let known: Set<String> = [
            "node.id", "node.agency", "node.default_region", "database.conninfo", "keys.signing", "keys.pseudonym",
            "policy.publish_roles", "import.date_order", "log.format", "log.level",
        ]
        for (key, entry) in doc.values where !known.contains(key) {
            throw ConfigError(source: source, line: entry.line, reason: "unknown setting `\(key)`")
        }
        nodeId = try required("node.id")
        guard EntryHeader.isValidNodeId(nodeId) else {
            throw ConfigError(source: source, line: doc.values["node.id"]?.line, reason: "`node.id` must be 1-63 characters of a-z, 0-9 and -")
        }
        agency = try required("node.agency")
        defaultRegion = try required("node.default_region")
        database = try doc.string("database.conninfo", source: source) ?? ""
        signingKeyPath = resolve(try required("keys.signing"))
        pseudonymKeyPath = resolve(try required("keys.pseudonym"))
        if let roles = try doc.strings("policy.publish_roles", source: source) {
            var set: Set<SubjectRole> = []
            for r in roles {
                guard let role = SubjectRole(rawValue: r) else {
                    throw ConfigError(source: source, line: doc.values["policy.publish_roles"]?.line, reason: "unknown role in `policy.publish_roles` (use suspect, victim, witness, associate)")
                }
                set.insert(role)
            }
            publishRoles = set
        } else {
            publishRoles = Self.defaultPublishRoles
        }
        if let order = try doc.string("import.date_order", source: source), !order.isEmpty {
            guard let o = DateOrder(rawValue: order) else {
                throw ConfigError(source: source, line: doc.values["import.date_order"]?.line, reason: "`import.date_order` must be mdy, dmy or ymd")
            }
            dateOrder = o
        } else {
            dateOrder = nil
        }
        let lf = try doc.string("log.format", source: source) ?? "text"
        guard let format = LogFormat(rawValue: lf) else {
            throw ConfigError(source: source, line: doc.values["log.format"]?.line, reason: "`log.format` must be text or json")
        }
        logFormat = format
        logLevel = try doc.string("log.level", source: source) ?? "info"
    }

    /// The configuration as TOML, with key paths written as given.
    public func rendered(signingKeyPath: String, pseudonymKeyPath: String) -> String {
        let q = TOMLDocument.quote
        return """
            # Casebridge node configuration. Environment overrides: CASEBRIDGE_DATABASE, CASEBRIDGE_LOG_FORMAT, CASEBRIDGE_LOG_LEVEL.

            [node]
            id = \(q(nodeId))
            agency = \(q(agency))
            # Region used to read national phone numbers (ISO 3166-1 alpha-2).
            default_region = \(q(defaultRegion))

            [database]
            # libpq conninfo or URI; empty uses PGHOST, PGPORT, PGDATABASE, ~/.pgpass and friends.
            conninfo = \(q(database))

            [keys]
            # Secret files (mode 0600), relative to this file's folder.
            signing = \(q(signingKeyPath))
            pseudonym = \(q(pseudonymKeyPath))

            [policy]
            # Subject roles published beside a subject's tokens; other roles are published without a role.
            publish_roles = [\(publishRoles.map(\.rawValue).sorted().map(q).joined(separator: ", "))]

            [import]
            # How to read ambiguous dates of birth such as 03/04/1990: "mdy", "dmy", "ymd", or "" to reject them.
            date_order = \(q(dateOrder?.rawValue ?? ""))

            [log]
            format = \(q(logFormat.rawValue))
            level = \(q(logLevel))

            """
    }
}

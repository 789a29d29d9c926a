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
    /// Listeners, TLS material and sync limits (`[federation]`, `[local]`, `[sync]`).
    public var federation: FederationSettings = FederationSettings()
    /// Local users, alerts, retention (`[access]`, `[alerts]`, `[retention]`).
    public var investigators: InvestigatorSettings = InvestigatorSettings()

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
            "federation.listen", "federation.endpoint", "federation.certificate", "federation.key", "federation.ca",
            "federation.max_request_bytes", "federation.max_entries", "federation.max_bytes", "federation.max_seconds", "local.listen",
            "federation.certificate_check_seconds", "federation.certificate_warn_days",
            "sync.interval_seconds", "sync.epoch_step_seconds", "sync.request_timeout_seconds", "sync.max_entries", "sync.max_bytes", "sync.apply_batch",
            "access.token_days", "access.max_failures", "access.lock_minutes", "alerts.hook", "alerts.movement_jurisdictions",
            "alerts.movement_window_days", "retention.review_years", "audit.anchor_minutes",
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
        var f = FederationSettings()
        func address(_ key: String, _ fallback: FederationSettings.Address) throws(ConfigError) -> FederationSettings.Address {
            guard let v = try doc.string(key, source: source), !v.isEmpty else { return fallback }
            guard let a = FederationSettings.Address(v) else {
                throw ConfigError(source: source, line: doc.values[key]?.line, reason: "`\(key)` must be HOST:PORT, e.g. 127.0.0.1:7443")
            }
            return a
        }
        func positive(_ key: String, _ fallback: Int) throws(ConfigError) -> Int {
            guard let v = try doc.integer(key, source: source) else { return fallback }
            guard v > 0 else { throw ConfigError(source: source, line: doc.values[key]?.line, reason: "`\(key)` must be a positive integer") }
            return v
        }
        f.listen = try address("federation.listen", f.listen)
        f.endpoint = try doc.string("federation.endpoint", source: source) ?? f.defaultEndpoint
        f.certificatePath = resolve(try doc.string("federation.certificate", source: source) ?? "tls/node.pem")
        f.keyPath = resolve(try doc.string("federation.key", source: source) ?? "tls/node.key")
        f.caPath = resolve(try doc.string("federation.ca", source: source) ?? "tls/ca.pem")
        f.maxRequestBytes = try positive("federation.max_request_bytes", f.maxRequestBytes)
        f.serveMaxEntries = try positive("federation.max_entries", f.serveMaxEntries)
        f.serveMaxBytes = try positive("federation.max_bytes", f.serveMaxBytes)
        f.serveMaxSeconds = try positive("federation.max_seconds", f.serveMaxSeconds)
        f.certificateCheckSeconds = try positive("federation.certificate_check_seconds", f.certificateCheckSeconds)
        f.certificateWarnDays = try positive("federation.certificate_warn_days", f.certificateWarnDays)
        f.localListen = try address("local.listen", f.localListen)
        f.syncIntervalSeconds = try positive("sync.interval_seconds", f.syncIntervalSeconds)
        f.epochStepSeconds = try positive("sync.epoch_step_seconds", f.epochStepSeconds)
        f.requestTimeoutSeconds = try positive("sync.request_timeout_seconds", f.requestTimeoutSeconds)
        f.pullMaxEntries = try positive("sync.max_entries", f.pullMaxEntries)
        f.pullMaxBytes = try positive("sync.max_bytes", f.pullMaxBytes)
        f.applyBatch = try positive("sync.apply_batch", f.applyBatch)
        federation = f
        var inv = InvestigatorSettings()
        inv.tokenDays = try positive("access.token_days", inv.tokenDays)
        inv.maxFailures = try positive("access.max_failures", inv.maxFailures)
        inv.lockMinutes = try positive("access.lock_minutes", inv.lockMinutes)
        if let hook = try doc.string("alerts.hook", source: source), !hook.isEmpty { inv.alertHook = hook }
        inv.movementJurisdictions = try positive("alerts.movement_jurisdictions", inv.movementJurisdictions)
        guard inv.movementJurisdictions >= 2 else {
            throw ConfigError(source: source, line: doc.values["alerts.movement_jurisdictions"]?.line, reason: "`alerts.movement_jurisdictions` must be at least 2")
        }
        inv.movementWindowDays = try positive("alerts.movement_window_days", inv.movementWindowDays)
        inv.reviewYears = try positive("retention.review_years", inv.reviewYears)
        inv.auditAnchorMinutes = try positive("audit.anchor_minutes", inv.auditAnchorMinutes)
        investigators = inv
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

            [federation]
            # Federation API (mutual TLS, peers only). The endpoint is what this node's trust card advertises.
            listen = \(q(federation.listen.description))
            endpoint = \(q(federation.endpoint))
            # TLS material from `casebridge cert issue` (relative to this file's folder).
            certificate = \(q(federation.certificatePathAsWritten))
            key = \(q(federation.keyPathAsWritten))
            ca = \(q(federation.caPathAsWritten))
            # How often the running node checks the certificate and key files for a renewal (SIGHUP reloads at once).
            certificate_check_seconds = \(federation.certificateCheckSeconds)
            # Warn in the log this many days before this node's or a peer's certificate expires.
            certificate_warn_days = \(federation.certificateWarnDays)
            # Largest JSON request body accepted; larger requests get 413 before the body is read.
            max_request_bytes = \(federation.maxRequestBytes)
            # Most entries and bytes served in one pull answer.
            max_entries = \(federation.serveMaxEntries)
            max_bytes = \(federation.serveMaxBytes)
            # Longest time spent answering one pull; the answer then ends with `more` and the peer pulls again.
            max_seconds = \(federation.serveMaxSeconds)

            [local]
            # Local API for this agency's users and monitoring (/metrics). Keep it on loopback.
            listen = \(q(federation.localListen.description))

            [sync]
            interval_seconds = \(federation.syncIntervalSeconds)
            request_timeout_seconds = \(federation.requestTimeoutSeconds)
            max_entries = \(federation.pullMaxEntries)
            max_bytes = \(federation.pullMaxBytes)
            # Entries applied per transaction while a pull streams in.
            apply_batch = \(federation.applyBatch)

            [access]
            # Local API tokens expire after this many days; this many consecutive failures lock an account.
            token_days = \(investigators.tokenDays)
            max_failures = \(investigators.maxFailures)
            lock_minutes = \(investigators.lockMinutes)

            [alerts]
            # Command run (by /bin/sh) for each new alert, with the alert as JSON on stdin; "" for none.
            hook = \(q(investigators.alertHook ?? ""))
            # A movement alert: one subject identifier in cases of this many jurisdictions within the window.
            movement_jurisdictions = \(investigators.movementJurisdictions)
            movement_window_days = \(investigators.movementWindowDays)

            [retention]
            # 28 CFR 23.20(h): a case is due for review this many years after its last update or revalidation.
            review_years = \(investigators.reviewYears)

            [audit]
            # How often the audit chain head is signed into this node's origin log.
            anchor_minutes = \(investigators.auditAnchorMinutes)

            """
    }
}

/// Listeners, TLS material and sync limits of a node.
public struct FederationSettings: Sendable, Hashable {
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses `HOST:PORT` (`[v6]:PORT` for IPv6).
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
                return nil
            }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public var listen = Address(host: "127.0.0.1", port: 7443)
    public var endpoint = "https://127.0.0.1:7443"
    /// The endpoint a node advertises when none is configured: its federation listener (IPv6 hosts in brackets).
    public var defaultEndpoint: String { "https://\(listen)" }
    public var certificatePath = "tls/node.pem"
    public var keyPath = "tls/node.key"
    public var caPath = "tls/ca.pem"
    /// Seconds between checks of the TLS files for a renewed certificate (`federation.certificate_check_seconds`).
    public var certificateCheckSeconds = 5
    /// Days before expiry from which the node warns about a certificate (`federation.certificate_warn_days`).
    public var certificateWarnDays = 7
    public var maxRequestBytes = 64 * 1024
    /// Answers hold whole apply batches (30 x `applyBatch`) so the receiver never commits a remainder batch, and
    /// enough of them that the pipeline drain at the end of each answer (the last commit runs with nothing to verify
    /// beside it, the next answer's first batch is verified with the database idle) is paid rarely. Answers are
    /// streamed in pages on both sides, so their size costs no memory.
    public var serveMaxEntries = 60_000
    public var serveMaxBytes = 128 << 20
    public var serveMaxSeconds = 20
    public var localListen = Address(host: "127.0.0.1", port: 7080)
    public var syncIntervalSeconds = 5
    /// How often `serve` advances a pseudonym-epoch transition (switch, re-publish, retire).
    public var epochStepSeconds = 5
    public var requestTimeoutSeconds = 30
    public var pullMaxEntries = 60_000
    public var pullMaxBytes = 128 << 20
    public var applyBatch = 2000
    /// Paths as written in a new configuration file (relative to its folder).
    public var certificatePathAsWritten = "tls/node.pem"
    public var keyPathAsWritten = "tls/node.key"
    public var caPathAsWritten = "tls/ca.pem"

    public init() {}
}

/// Local users, alerts and retention settings of a node.
public struct InvestigatorSettings: Sendable, Hashable {
    public var tokenDays = 90
    public var maxFailures = 5
    public var lockMinutes = 15
    /// Shell command run for each new alert (alert JSON on stdin).
    public var alertHook: String?
    public var movementJurisdictions = 3
    public var movementWindowDays = 365
    public var reviewYears = 5
    public var auditAnchorMinutes = 60

    public init() {}
}

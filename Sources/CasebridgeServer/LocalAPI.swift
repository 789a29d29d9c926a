public import CasebridgeCore
public import CasebridgeNode
import CasebridgeCrypto
public import CasebridgeStore
public import CasebridgeTrust
public import Foundation
public import Hummingbird
public import Logging
import NIOCore

/// `casebridge peers status`: per peer its endpoint, last success and error, and per origin how far behind this
/// node is compared with what the peer last said it holds.
public struct PeersStatus: Sendable, Codable {
    public struct OriginLag: Sendable, Codable {
        public var origin: String
        public var theirSeq: UInt64
        public var ourSeq: UInt64
        public var behind: UInt64
    }

    public struct Peer: Sendable, Codable {
        public var nodeId: String
        public var agency: String
        public var endpoint: String?
        public var status: String
        public var lastAttempt: String?
        public var lastSuccess: String?
        public var lastError: String?
        public var lastErrorAt: String?
        public var pulls: Int
        public var errors: Int
        public var entriesApplied: Int
        public var origins: [OriginLag]
        /// The certificates this peer last presented: as a client (its requests here) and as a server (our pulls).
        public var certificates: [CertificateStatus]?
    }

    /// A TLS certificate and how long it remains valid.
    public struct CertificateStatus: Sendable, Codable {
        /// `self`, or for a peer's certificate `client` or `server` (the role it presented it in).
        public var role: String
        public var serial: String
        public var notAfter: String
        /// Whole days until `notAfter` (negative once expired).
        public var daysToExpiry: Int
        /// When this node last saw it (peers' certificates only).
        public var seenAt: String?
        /// Whether the installed revocation list revokes it.
        public var revoked: Bool
    }

    /// The installed certificate revocation list.
    public struct RevocationListStatus: Sendable, Codable {
        public var sequence: UInt64
        public var issuedAt: String
        public var installedAt: String
        public var source: String
        public var revoked: Int
    }

    public struct Origin: Sendable, Codable {
        public var origin: String
        public var seq: UInt64
        public var lastApplied: String?
    }

    public var nodeId: String
    public var peers: [Peer]
    /// What this node holds per origin, and when it last applied an entry of it.
    public var origins: [Origin]
    /// This node's own TLS certificate (as served, or as in its certificate file for the CLI).
    public var certificate: CertificateStatus?
    /// The installed certificate revocation list, if any.
    public var revocationList: RevocationListStatus?

    /// The status from the database; `ownCertificate` is this node's TLS certificate.
    public static func make(store: NodeStore, ownCertificate: CertificateInfo? = nil, now: Date = Date()) throws -> PeersStatus {
        let me = try store.nodeId() ?? "?"
        let fresh = try store.originFreshness()
        let ours = fresh.mapValues(\.seq)
        let status = try store.peerStatus()
        let iso = ISO8601DateFormatter()
        let revoked = Set(try store.revokedCertificates().map(\.serial))
        var seen: [String: [CertificateStatus]] = [:]
        for c in try store.peerCertificates() {
            let days = iso.date(from: c.notAfter).map { TLSIdentityStore.daysLeft(until: $0, now: now) } ?? 0
            seen[c.peer, default: []].append(
                CertificateStatus(role: c.role, serial: c.serial, notAfter: c.notAfter, daysToExpiry: days, seenAt: c.seenAt, revoked: revoked.contains(c.serial)))
        }
        let peers = try store.peers(includeRemoved: true).map { p -> Peer in
            let s = status[p.nodeId]
            let theirs = s?.theirVector ?? [:]
            let lags = theirs.keys.sorted().map { o in
                OriginLag(origin: o, theirSeq: theirs[o]!, ourSeq: ours[o] ?? 0, behind: theirs[o]! > (ours[o] ?? 0) ? theirs[o]! - (ours[o] ?? 0) : 0)
            }
            return Peer(
                nodeId: p.nodeId, agency: p.agency, endpoint: p.endpoint, status: p.status, lastAttempt: s?.lastAttempt,
                lastSuccess: s?.lastSuccess, lastError: s?.lastError, lastErrorAt: s?.lastErrorAt, pulls: s?.pulls ?? 0,
                errors: s?.errors ?? 0, entriesApplied: s?.entriesApplied ?? 0, origins: lags, certificates: seen[p.nodeId])
        }
        let origins = fresh.keys.sorted().map { Origin(origin: $0, seq: fresh[$0]!.seq, lastApplied: fresh[$0]!.lastApplied) }
        let own = ownCertificate.map {
            CertificateStatus(
                role: "self", serial: $0.serial, notAfter: iso.string(from: $0.notAfter),
                daysToExpiry: TLSIdentityStore.daysLeft(until: $0.notAfter, now: now), seenAt: nil, revoked: revoked.contains($0.serial))
        }
        let list = try store.revocationList().map {
            RevocationListStatus(sequence: $0.sequence, issuedAt: $0.issuedAt, installedAt: $0.installedAt, source: $0.source, revoked: revoked.count)
        }
        return PeersStatus(nodeId: me, peers: peers, origins: origins, certificate: own, revocationList: list)
    }
}

/// Request context of the local API: the authenticated user, once the token middleware has run.
public struct LocalContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: UserAccounts.Principal?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        principal = nil
    }
}

/// Authenticates every `/v1/` request with its bearer token (401 otherwise). `/healthz` and `/metrics` are open.
struct TokenAuthMiddleware: RouterMiddleware {
    typealias Context = LocalContext
    let pool: StorePool
    let accounts: UserAccounts

    func handle(_ request: Request, context: LocalContext, next: (Request, LocalContext) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/v1/") else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            var e = APIError(.unauthorized, "unauthorized", "send `Authorization: Bearer <token>` (run `casebridge login`)")
            e.headers[.wwwAuthenticate] = "Bearer realm=\"casebridge\""
            throw e
        }
        let token = String(header.dropFirst(7))
        let accounts = self.accounts
        let result = try await pool.withStore { try accounts.authenticate(token, store: $0) }
        switch result {
        case .success(let p):
            var c = context
            c.principal = p
            c.logger[metadataKey: "user"] = "\(p.user)"
            return try await next(request, c)
        case .failure(let d):
            var e: APIError
            switch d {
            case .locked: e = APIError(.unauthorized, "account-locked", "too many failed attempts: the account is locked for a while")
            case .disabled: e = APIError(.unauthorized, "account-disabled", "the account is disabled; ask an admin")
            case .expired: e = APIError(.unauthorized, "token-expired", "the token has expired; ask an admin for `casebridge users reset-token`")
            case .malformed, .unknown, .wrong: e = APIError(.unauthorized, "invalid-token", "the token is not valid")
            }
            e.headers[.wwwAuthenticate] = "Bearer realm=\"casebridge\", error=\"invalid_token\""
            throw e
        }
    }
}

/// The local API: health and metrics (open, loopback), and the investigators' API (`/v1/...`, bearer tokens,
/// roles as in `AccessPolicy`, every decision audited).
public struct LocalAPI: Sendable {
    public let pool: StorePool
    public let metrics: NodeMetrics
    public let context: NodeContext
    public let logger: Logger
    /// Largest request body accepted.
    public var maxRequestBytes = 64 * 1024
    /// The TLS identity the federation API presents (its expiry is shown on /metrics and /v1/peers).
    public var identities: TLSIdentityStore?

    public init(pool: StorePool, metrics: NodeMetrics, context: NodeContext, logger: Logger) {
        self.pool = pool
        self.metrics = metrics
        self.context = context
        self.logger = logger
    }

    var accounts: UserAccounts { UserAccounts(settings: context.config.investigators, logger: logger) }

    /// Checks the caller's role for `action`; a refusal is logged and audited, and answered 403.
    func authorize(_ action: LocalAction, _ ctx: LocalContext, target: String? = nil) async throws -> UserAccounts.Principal {
        guard let p = ctx.principal else { throw APIError(.unauthorized, "unauthorized", "authentication required") }
        guard AccessPolicy.allows(p.role, action) else {
            logger.warning("access refused", metadata: ["user": "\(p.user)", "role": "\(p.role.rawValue)", "action": "\(action.rawValue)"])
            let event = AuditEvent(actor: p.user, role: p.role.rawValue, action: action.rawValue, outcome: "refused", reason: "role", target: target)
            _ = try? await pool.withStore { try AuditLog().record(event, store: $0) }
            throw APIError(.forbidden, "forbidden", "role `\(p.role.rawValue)` may not perform `\(action.rawValue)`")
        }
        return p
    }

    /// Appends an audit row for an allowed action (`AuditEvent.allowed`); the action fails (503) when it cannot be audited.
    func audit(_ event: AuditEvent) async throws -> AuditRow {
        do {
            return try await pool.withStore { try AuditLog().record(event, store: $0) }
        } catch {
            logger.error("audit write failed", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "audit-unavailable", "the audit log cannot be written; the request was not served")
        }
    }

    public func router() -> Router<LocalContext> {
        let router = Router(context: LocalContext.self)
        router.add(middleware: JSONErrorMiddleware<LocalContext>(listener: "local", metrics: metrics, logger: logger))
        router.add(middleware: TokenAuthMiddleware(pool: pool, accounts: accounts))
        let pool = self.pool
        let metrics = self.metrics
        let node = self.context
        let limit = maxRequestBytes
        let logger = self.logger

        router.get("/healthz") { _, _ -> Response in
            do {
                _ = try await pool.withStore { try $0.db.execute("SELECT 1").scalar }
                return Self.json(#"{"status":"ok"}"#)
            } catch {
                throw APIError(.serviceUnavailable, "database-unavailable", "the node's database does not answer")
            }
        }

        let identities = self.identities
        router.get("/metrics") { _, _ -> Response in
            let own = identities?.identity.info
            let status = try await pool.withStore { try PeersStatus.make(store: $0, ownCertificate: own) }
            var text = metrics.render()
            text += NodeMetrics.gauge(
                "casebridge_vector_seq", help: "Highest contiguous seq held, by origin.",
                status.origins.map { (["origin": $0.origin], Double($0.seq)) })
            text += NodeMetrics.gauge(
                "casebridge_entries", help: "Entries held, by origin (entries are numbered 1..seq without gaps).",
                status.origins.map { (["origin": $0.origin], Double($0.seq)) })
            var lag: [([String: String], Double)] = []
            var lastSuccess: [([String: String], Double)] = []
            let iso = ISO8601DateFormatter()
            for p in status.peers where p.status == "active" {
                for o in p.origins { lag.append((["peer": p.nodeId, "origin": o.origin], Double(o.behind))) }
                if let s = p.lastSuccess, let d = iso.date(from: s) { lastSuccess.append((["peer": p.nodeId], d.timeIntervalSince1970)) }
            }
            text += NodeMetrics.gauge("casebridge_peer_lag_entries", help: "Entries a peer holds that this node lacks, by peer and origin.", lag)
            text += NodeMetrics.gauge("casebridge_peer_last_success_timestamp_seconds", help: "Last successful pull, by peer.", lastSuccess)
            let open = try await pool.withStore { try $0.db.execute("SELECT count(*) FROM private.alerts WHERE acked_at IS NULL").scalar }
            if let c = status.certificate {
                text += NodeMetrics.gauge(
                    "casebridge_tls_certificate_expiry_days", help: "Whole days until this node's TLS certificate expires.",
                    [(["serial": c.serial], Double(c.daysToExpiry))])
            }
            var peerExpiry: [([String: String], Double)] = []
            for p in status.peers where p.status == "active" {
                for c in p.certificates ?? [] { peerExpiry.append((["peer": p.nodeId, "role": c.role, "serial": c.serial], Double(c.daysToExpiry))) }
            }
            text += NodeMetrics.gauge(
                "casebridge_peer_certificate_expiry_days", help: "Whole days until the certificate a peer last presented expires, by peer and role.",
                peerExpiry)
            text += NodeMetrics.gauge(
                "casebridge_crl_sequence", help: "Sequence of the installed certificate revocation list (0: none).",
                [([:], Double(status.revocationList?.sequence ?? 0))])
            text += NodeMetrics.gauge("casebridge_alerts_open", help: "Alerts not yet acknowledged.", [([:], Double(open ?? "0") ?? 0)])
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }

        router.get("/v1/whoami") { _, ctx -> Response in
            let p = try await self.authorize(.whoami, ctx)
            return try Self.encode(p)
        }

        router.get("/v1/peers") { _, ctx -> Response in
            let p = try await self.authorize(.peersStatus, ctx)
            let own = identities?.identity.info
            let status = try await pool.withStore { try PeersStatus.make(store: $0, ownCertificate: own) }
            _ = try await self.audit(.allowed(by: p, LocalAction.peersStatus.rawValue))
            return try Self.encode(status)
        }

        router.post("/v1/search") { request, ctx -> Response in
            let p = try await self.authorize(.search, ctx)
            let req = try await readJSON(SearchRequest.self, request: request, limit: limit)
            try Self.check(req.purpose, req.query, verb: "searched")
            let q = req.query.searchQuery(purpose: req.purpose.text)
            let search = CaseSearch(context: node, logger: logger)
            let ids = try Self.inputErrors { try search.identifiers(of: q) }
            let kinds = ids.map(\.kind.rawValue)
            let hits = try await pool.withStore { store in try search.run(q, identifiers: ids, store: store) }
            let row = try await self.audit(.allowed(by: p, LocalAction.search.rawValue, purpose: req.purpose.text,
                counts: ["identifiers": kinds.count, "hits": hits.count, "origins": Set(hits.map(\.origin)).count],
                details: ["kinds": Array(Set(kinds)).sorted().joined(separator: ",")]))
            return try Self.encode(SearchResponse(purpose: req.purpose, searchedAt: row.at, auditSeq: row.seq, hits: hits))
        }

        router.get("/v1/cases/:ref") { _, ctx -> Response in
            let ref = try ctx.parameters.require("ref")
            let p = try await self.authorize(.caseView, ctx, target: ref)
            guard let data = try await pool.withStore({ try CaseView.json(caseRef: ref, store: $0) }) else {
                _ = try await self.audit(.allowed(by: p, LocalAction.caseView.rawValue, target: ref, counts: ["found": 0]))
                throw APIError(.notFound, "not-found", "no case with that reference on this node")
            }
            _ = try await self.audit(.allowed(by: p, LocalAction.caseView.rawValue, target: ref, counts: ["found": 1]))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }

        router.get("/v1/alerts") { request, ctx -> Response in
            let p = try await self.authorize(.alertsList, ctx)
            let all = request.uri.queryParameters.get("all") == "true"
            let owner = AccessPolicy.seesAllWatches(p.role) ? nil : p.user
            let alerts = try await pool.withStore { try $0.alerts(all: all, watchOwner: owner) }
            _ = try await self.audit(.allowed(by: p, LocalAction.alertsList.rawValue, counts: ["alerts": alerts.count]))
            struct Out: Encodable { var alerts: [NodeStore.AlertRow] }
            return try Self.encode(Out(alerts: alerts))
        }

        router.post("/v1/alerts/:id/ack") { _, ctx -> Response in
            guard let id = ctx.parameters.get("id").flatMap({ Int64($0) }) else { throw APIError(.badRequest, "bad-request", "alert id must be a number") }
            let p = try await self.authorize(.alertsAck, ctx, target: String(id))
            let ok = try await pool.withStore { try $0.ackAlert(id: id, by: p.user) }
            guard ok else { throw APIError(.notFound, "not-found", "no open alert with that id") }
            _ = try await self.audit(.allowed(by: p, LocalAction.alertsAck.rawValue, target: String(id)))
            return Self.json(#"{"acked":true}"#)
        }

        router.get("/v1/watches") { _, ctx -> Response in
            let p = try await self.authorize(.watchList, ctx)
            let owner = AccessPolicy.seesAllWatches(p.role) ? nil : p.user
            let watches = try await pool.withStore { try $0.watches(owner: owner) }
            struct Out: Encodable { var watches: [NodeStore.WatchRow] }
            return try Self.encode(Out(watches: watches))
        }

        router.post("/v1/watches") { request, ctx -> Response in
            let p = try await self.authorize(.watchAdd, ctx)
            let req = try await readJSON(WatchRequest.self, request: request, limit: limit)
            try Self.check(req.purpose, req.query, verb: "watched")
            let q = req.query.searchQuery(purpose: req.purpose.text)
            let ids = try Self.inputErrors { try CaseSearch(context: node, logger: logger).identifiers(of: q) }
            let pseudonymizer = node.pseudonymizer
            let tokens = ids.map { (kind: $0.kind.rawValue, token: pseudonymizer.token($0)) }
            let epoch = node.pseudonymKey.epoch
            let purposeText = req.purpose.text
            let (watchIds, raised) = try await pool.withStore { store in
                try store.db.transaction {
                    var out: [Int64] = []
                    var raised = 0
                    for t in tokens {
                        let id = try store.addWatch(owner: p.user, kind: t.kind, token: t.token, epoch: epoch, purpose: purposeText)
                        out.append(id)
                        raised += try store.scanWatch(id: id).count
                    }
                    try AuditLog().record(
                        .allowed(by: p, LocalAction.watchAdd.rawValue, purpose: purposeText,
                              counts: ["watches": out.count, "alerts": raised], details: ["kinds": tokens.map(\.kind).joined(separator: ",")]),
                        store: store, inTransaction: true)
                    return (out, raised)
                }
            }
            struct Out: Encodable { var watches: [Int64]; var alertsRaised: Int }
            return try Self.encode(Out(watches: watchIds, alertsRaised: raised), status: .created)
        }

        router.delete("/v1/watches/:id") { _, ctx -> Response in
            guard let id = ctx.parameters.get("id").flatMap({ Int64($0) }) else { throw APIError(.badRequest, "bad-request", "watch id must be a number") }
            let p = try await self.authorize(.watchRemove, ctx, target: String(id))
            let owner = AccessPolicy.seesAllWatches(p.role) ? nil : p.user
            let ok = try await pool.withStore { try $0.removeWatch(id: id, owner: owner) }
            guard ok else { throw APIError(.notFound, "not-found", "no active watch with that id that you may remove") }
            _ = try await self.audit(.allowed(by: p, LocalAction.watchRemove.rawValue, target: String(id)))
            return Self.json(#"{"removed":true}"#)
        }

        router.get("/v1/audit") { request, ctx -> Response in
            let p = try await self.authorize(.auditRead, ctx)
            let since = request.uri.queryParameters.get("since")
            if let since, Self.parseTime(since) == nil { throw APIError(.badRequest, "bad-request", "`since` must be an ISO 8601 date or time, e.g. 2026-11-01 or 2026-11-01T00:00:00Z") }
            let after = request.uri.queryParameters.get("after").flatMap { UInt64($0) } ?? 0
            let max = min(request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 5000, 10_000)
            let rows = try await pool.withStore { try AuditLog().export(store: $0, since: since.flatMap(Self.parseTime), afterSeq: after, limit: max) }
            _ = try await self.audit(.allowed(by: p, "audit.export", counts: ["rows": rows.count],
                details: since.map { ["since": $0] }))
            struct Out: Encodable { var rows: [AuditLog.ExportedRow]; var next: UInt64? }
            return try Self.encode(Out(rows: rows, next: rows.count == max ? rows.last?.seq : nil))
        }

        router.get("/v1/audit/verify") { _, ctx -> Response in
            let p = try await self.authorize(.auditRead, ctx)
            // Verify first, then record the verification (which extends the chain past what was verified).
            let origin = node.config.nodeId
            let result = try await pool.withStore { try AuditLog().verify(store: $0, anchor: AuditAnchorer.latest(origin: origin, store: $0)) }
            _ = try await self.audit(.allowed(by: p, "audit.verify",
                counts: ["rows": Int(result.rows)], details: ["result": result.ok ? "intact" : (result.problem?.kind ?? "broken")]))
            return try Self.encode(result)
        }

        router.get("/v1/retention/due") { request, ctx -> Response in
            let p = try await self.authorize(.retentionDue, ctx)
            let within = request.uri.queryParameters.get("within").flatMap { Int($0) } ?? 30
            let years = node.config.investigators.reviewYears
            let due = try await pool.withStore { try $0.reviewsDue(withinDays: within, retentionYears: years) }
            _ = try await self.audit(.allowed(by: p, LocalAction.retentionDue.rawValue, counts: ["cases": due.count, "withinDays": within]))
            struct Out: Encodable { var withinDays: Int; var reviewYears: Int; var cases: [NodeStore.ReviewRow] }
            return try Self.encode(Out(withinDays: within, reviewYears: years, cases: due))
        }

        router.post("/v1/cases/:ref/revalidate") { request, ctx -> Response in
            let ref = try ctx.parameters.require("ref")
            let p = try await self.authorize(.caseRevalidate, ctx, target: ref)
            let req = try await readJSON(ReasonRequest.self, request: request, limit: limit)
            guard !req.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw APIError(.badRequest, "reason-required", "field `reason` is required") }
            let years = node.config.investigators.reviewYears
            let date = try await pool.withStore { store in
                try store.db.transaction { () -> String? in
                    guard let d = try store.revalidate(caseRef: ref, years: years) else { return nil }
                    try AuditLog().record(
                        .allowed(by: p, LocalAction.caseRevalidate.rawValue, purpose: req.reason, target: ref, details: ["reviewBy": d]),
                        store: store, inTransaction: true)
                    return d
                }
            }
            guard let date else { throw APIError(.notFound, "not-found", "no case with that reference on this node") }
            struct Out: Encodable { var caseRef: String; var reviewBy: String }
            return try Self.encode(Out(caseRef: ref, reviewBy: date))
        }

        router.post("/v1/cases/:ref/purge") { request, ctx -> Response in
            let ref = try ctx.parameters.require("ref")
            let p = try await self.authorize(.casePurge, ctx, target: ref)
            let req = try await readJSON(ReasonRequest.self, request: request, limit: limit)
            guard !req.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw APIError(.badRequest, "reason-required", "field `reason` is required") }
            let report: CasePurger.Report
            do {
                report = try await pool.withStore { try CasePurger(context: node, logger: logger).purge(caseRef: ref, reason: req.reason, actor: p.user, role: p.role.rawValue, store: $0) }
            } catch let e as CaseDeleter.Refused {
                throw APIError(.conflict, "refused", e.reason)
            }
            return try Self.encode(report)
        }
        return router
    }

    /// The checks every search and watch request passes: a complete purpose, a usable query, and a purpose that does
    /// not repeat one of the identifiers (it goes to the log and the audit log as typed).
    static func check(_ purpose: Purpose, _ query: IdentifierQuery, verb: String) throws {
        if let problem = purpose.problem { throw APIError(.badRequest, "purpose-required", problem) }
        if let problem = query.problem { throw APIError(.badRequest, "bad-request", problem) }
        if query.isRepeated(in: purpose.caseNumber + " " + purpose.reason) {
            throw APIError(.badRequest, "purpose-contains-identifier", "the purpose repeats a \(verb) identifier; state the case number and reason only")
        }
    }

    /// Turns a query identifier that does not normalize into a 400 naming the field.
    static func inputErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as SearchInputError {
            throw APIError(.badRequest, "bad-identifier", e.description)
        }
    }

    /// Parses `2026-11-01` or a full ISO 8601 time into what PostgreSQL reads as a timestamptz.
    static func parseTime(_ s: String) -> String? {
        let f = ISO8601DateFormatter()
        if f.date(from: s) != nil { return s }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if f.date(from: s) != nil { return s }
        f.formatOptions = [.withFullDate]
        if f.date(from: s) != nil { return s + "T00:00:00Z" }
        return nil
    }

    static func json(_ s: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    static func encode<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.pretty.encode(value))))
    }
}

import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import CasebridgeTestSupport
import Foundation
import Testing

/// One JSONL case line with one suspect holding the given identifiers.
func caseLine(
    _ ref: String, jurisdiction: String = "US-CA", phone: String? = nil, email: String? = nil, name: (String, String)? = nil,
    contact: String = "Det. Example", opened: String? = nil
) -> String {
    var subject: [String: Any] = ["role": "suspect"]
    if let phone { subject["phones"] = [phone] }
    if let email { subject["emails"] = [email] }
    if let name { subject["names"] = [["given": name.0, "family": name.1]] }
    let today = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
    let c: [String: Any] = [
        "caseRef": ref, "caseType": "sex-trafficking", "status": "open", "jurisdiction": jurisdiction, "opened": opened ?? today,
        "contact": ["name": contact, "phone": "+1 415 555 0100", "unit": "Human Trafficking Unit"], "narrative": "private narrative",
        "subjects": [subject],
    ]
    return String(decoding: try! JSONSerialization.data(withJSONObject: c, options: [.sortedKeys]), as: UTF8.self)
}

extension TestNode {
    /// Imports JSONL lines; `store` for a task that runs beside others using this node's own connection (a libpq
    /// connection serves one caller at a time).
    func importLines(_ lines: [String], store: NodeStore? = nil) throws -> ImportReport {
        try CaseImporter(context: context, logger: logger)
            .importFile(bytes: Array((lines.joined(separator: "\n") + "\n").utf8), format: .jsonl, store: store ?? self.store)
    }

    /// Adds a local API user and returns their token.
    func addUser(_ name: String, _ role: UserRole) throws -> String {
        try UserAccounts(settings: config.investigators, logger: logger).add(name: name, role: role, actor: "host:test", store: store).text
    }

    /// Calls the local API: status (0 when unreachable), error code (for non-2xx), body.
    func api(_ method: String, _ path: String, token: String?, json: Any? = nil) async -> (status: Int, code: String, body: Data) {
        let client = LocalAPIClient(baseURL: localURL, token: token)
        let data = json.map { try! JSONSerialization.data(withJSONObject: $0) }
        do {
            let body = try await client.send(method, path, json: data)
            return (method == "POST" && path == "/v1/watches" ? 201 : 200, "", body)
        } catch let e as LocalAPIError {
            return (e.status, e.code, Data())
        } catch {
            return (-1, "\(error)", Data())
        }
    }

    func auditRows(action: String? = nil, outcome: String? = nil) throws -> [AuditEvent] {
        try store.auditRows(limit: 100_000).compactMap { AuditChain.decodeEntry($0.entry)?.event }
            .filter { (action == nil || $0.action == action) && (outcome == nil || $0.outcome == outcome) }
    }

    func openAlerts() throws -> [NodeStore.AlertRow] { try store.alerts(all: false, watchOwner: nil) }
}

func jsonObject(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }

var searchBody: [String: Any] { [
    "purpose": ["caseNumber": "HT-2026-0042", "reason": "deconfliction before an operation"],
    "query": ["phones": ["415-555-0199"]],
] }

/// Local users, roles, audit, alerts and purge on real nodes (real PostgreSQL, real HTTP, real mutual TLS between nodes).
@Suite(.serialized) struct InvestigatorTests {
    static let pkey = PseudonymKey.generate()

    /// The request that exercises `action` (an allowed caller gets a non-403 answer).
    static func request(for action: LocalAction) -> (String, String, Any?) {
        switch action {
        case .whoami: ("GET", "/v1/whoami", nil)
        case .search: ("POST", "/v1/search", searchBody)
        case .caseView: ("GET", "/v1/cases/RM-1", nil)
        case .alertsList: ("GET", "/v1/alerts", nil)
        case .alertsAck: ("POST", "/v1/alerts/999999/ack", nil)
        case .watchList: ("GET", "/v1/watches", nil)
        case .watchAdd: ("POST", "/v1/watches", ["purpose": ["caseNumber": "HT-1", "reason": "standing check"], "query": ["emails": ["watch@example.org"]]])
        case .watchRemove: ("DELETE", "/v1/watches/999999", nil)
        case .auditRead: ("GET", "/v1/audit/verify", nil)
        case .retentionDue: ("GET", "/v1/retention/due?within=30", nil)
        case .caseRevalidate: ("POST", "/v1/cases/RM-1/revalidate", ["reason": "still under investigation"])
        case .casePurge: ("POST", "/v1/cases/NO-SUCH-CASE/purge", ["reason": "test"])
        case .peersStatus: ("GET", "/v1/peers", nil)
        }
    }

    @Test func roleMatrixEveryCellAllowedAndRefused() async throws {
        let ca = try TestCA()
        let n = try TestNode("us-ca-roles", ca: ca, pseudonymKey: Self.pkey)
        _ = try n.importLines([caseLine("RM-1", phone: "415-555-0199")])
        try await n.start()
        var tokens: [UserRole: String] = [:]
        for role in UserRole.allCases { tokens[role] = try n.addUser("u-\(role.rawValue)", role) }
        for action in LocalAction.allCases {
            let (method, path, body) = Self.request(for: action)
            // No token, or a token that is not one: 401, whatever the action.
            #expect(await n.api(method, path, token: nil, json: body).status == 401, "\(action) without a token")
            #expect(await n.api(method, path, token: "cbt_u-admin_" + String(repeating: "0", count: 64), json: body).status == 401)
            for role in UserRole.allCases {
                let before = try n.auditRows(action: action.rawValue, outcome: "refused").count
                let r = await n.api(method, path, token: tokens[role], json: body)
                if AccessPolicy.allows(role, action) {
                    #expect(r.status != 403 && r.status != 401 && r.status > 0, "\(role) \(action): \(r.status) \(r.code)")
                } else {
                    #expect(r.status == 403 && r.code == "forbidden", "\(role) \(action): \(r.status) \(r.code)")
                    #expect(try n.auditRows(action: action.rawValue, outcome: "refused").count == before + 1, "refusal of \(role) \(action) audited")
                }
            }
        }
        // Separation of duties in the matrix itself.
        #expect(!AccessPolicy.allows(.admin, .search) && !AccessPolicy.allows(.investigator, .auditRead))
        // Open monitoring endpoints need no token.
        #expect(await n.api("GET", "/healthz", token: nil).status == 200)
        // Every allowed search is audited with its purpose and counts, never the identifier.
        let searches = try n.auditRows(action: "search", outcome: "allowed")
        #expect(searches.count == 2)
        #expect(searches.allSatisfy { $0.purpose == "HT-2026-0042: deconfliction before an operation" && $0.counts?["hits"] == 1 })
        let all = try n.store.auditRows(limit: 100_000).map(\.entry).joined()
        #expect(!all.contains("0199") && !all.contains("4155550199"))
        #expect(try AuditLog().verify(store: n.store).ok)
        await n.stop()
    }

    @Test func lockoutExpiryDisableAndReset() async throws {
        let ca = try TestCA()
        let n = try TestNode("us-ca-lock", ca: ca, pseudonymKey: Self.pkey)
        try await n.start()
        let good = try n.addUser("ivan", .investigator)
        #expect(await n.api("GET", "/v1/whoami", token: good).status == 200)
        let wrong = "cbt_ivan_" + String(repeating: "ab", count: 32)
        for i in 1...5 {
            let r = await n.api("GET", "/v1/whoami", token: wrong)
            #expect(r.status == 401 && r.code == (i < 5 ? "invalid-token" : "invalid-token"), "attempt \(i): \(r.code)")
        }
        // Locked: even the right token is refused.
        let locked = await n.api("GET", "/v1/whoami", token: good)
        #expect(locked.status == 401 && locked.code == "account-locked")
        #expect(try n.auditRows(action: "login.failed").count >= 6)
        #expect(try n.auditRows(action: "user.locked").count == 1)
        // The lock lasts access.lock_minutes; once it has passed the right token works again.
        try n.store.db.execute("UPDATE private.users SET locked_until = now() - interval '1 second' WHERE name = 'ivan'")
        #expect(await n.api("GET", "/v1/whoami", token: good).status == 200)
        // A success clears the failure count: four more failures do not lock.
        for _ in 1...4 { _ = await n.api("GET", "/v1/whoami", token: wrong) }
        #expect(await n.api("GET", "/v1/whoami", token: good).status == 200)
        // Expiry.
        try n.store.db.execute("UPDATE private.users SET token_expires_at = now() - interval '1 second' WHERE name = 'ivan'")
        let expired = await n.api("GET", "/v1/whoami", token: good)
        #expect(expired.status == 401 && expired.code == "token-expired")
        // Reset: the old token stops working, the new one works.
        let accounts = UserAccounts(settings: n.config.investigators, logger: n.logger)
        let fresh = try accounts.resetToken(name: "ivan", actor: "host:test", store: n.store).text
        #expect(await n.api("GET", "/v1/whoami", token: good).code == "invalid-token")
        #expect(await n.api("GET", "/v1/whoami", token: fresh).status == 200)
        // Disabled.
        try accounts.setDisabled(name: "ivan", true, actor: "host:test", store: n.store)
        #expect(await n.api("GET", "/v1/whoami", token: fresh).code == "account-disabled")
        // The token is stored only hashed.
        let stored = try n.store.db.execute("SELECT t::text FROM private.users t").rows.map { $0[0] ?? "" }.joined()
        #expect(!stored.contains(String(fresh.suffix(64))))
        #expect(try n.auditRows(action: "user.add").count == 1 && n.auditRows(action: "user.disable").count == 1)
        // Nothing of the token reaches the logs.
        #expect(!n.logs.all.contains(String(fresh.suffix(64))))
        await n.stop()
    }

    @Test func purposeIsRequiredAndMayNotRepeatTheIdentifier() async throws {
        let ca = try TestCA()
        let n = try TestNode("us-ca-purpose", ca: ca, pseudonymKey: Self.pkey)
        try await n.start()
        let t = try n.addUser("ines", .investigator)
        let noCase: [String: Any] = ["purpose": ["caseNumber": " ", "reason": "check"], "query": ["phones": ["415-555-0199"]]]
        let r1 = await n.api("POST", "/v1/search", token: t, json: noCase)
        #expect(r1.status == 400 && r1.code == "purpose-required")
        let noPurpose: [String: Any] = ["query": ["phones": ["415-555-0199"]]]
        #expect(await n.api("POST", "/v1/search", token: t, json: noPurpose).status == 400)
        let repeated: [String: Any] = ["purpose": ["caseNumber": "HT-1", "reason": "who has (415) 555-0199?"], "query": ["phones": ["415-555-0199"]]]
        let r3 = await n.api("POST", "/v1/search", token: t, json: repeated)
        #expect(r3.status == 400 && r3.code == "purpose-contains-identifier")
        let badPhone: [String: Any] = ["purpose": ["caseNumber": "HT-1", "reason": "r"], "query": ["phones": ["not a phone"]]]
        let r4 = await n.api("POST", "/v1/search", token: t, json: badPhone)
        #expect(r4.status == 400 && r4.code == "bad-identifier")
        #expect(try n.auditRows(action: "search").isEmpty)
        await n.stop()
    }

    @Test func auditLogDetectsEditDeleteReorderAndRefusesChanges() throws {
        let db = try TestDatabase("audit")
        let store = try db.migratedStore()
        let log = AuditLog()
        for i in 1...6 {
            try log.record(.init(actor: "ivan", role: "investigator", action: "search", outcome: "allowed", purpose: "HT-\(i): check", counts: ["hits": i]), store: store)
        }
        #expect(try log.verify(store: store).ok)
        #expect(try log.verify(store: store).rows == 6)
        // The node's own role cannot change or remove a row.
        #expect(throws: PostgresError.self) { try store.db.execute("UPDATE private.audit_log SET actor = 'x' WHERE seq = 2") }
        #expect(throws: PostgresError.self) { try store.db.execute("DELETE FROM private.audit_log WHERE seq = 2") }
        #expect(throws: PostgresError.self) { try store.db.execute("TRUNCATE private.audit_log") }
        // An owner who disables the trigger can; verify then names the row.
        func tamper(_ sql: String) throws {
            try store.db.execute("ALTER TABLE private.audit_log DISABLE TRIGGER USER")
            try store.db.execute(sql)
            try store.db.execute("ALTER TABLE private.audit_log ENABLE TRIGGER USER")
        }
        let original = try store.db.execute("SELECT entry FROM private.audit_log WHERE seq = 3").scalar!
        try tamper("UPDATE private.audit_log SET entry = replace(entry, '\"hits\":3', '\"hits\":0') WHERE seq = 3")
        var v = try log.verify(store: store)
        #expect(!v.ok && v.problem?.kind == "edited" && v.problem?.seq == 3, "\(String(describing: v.problem))")
        #expect(v.headSeq == 2)
        try tamper("UPDATE private.audit_log SET entry = $$\(original)$$ WHERE seq = 3")
        #expect(try log.verify(store: store).ok)
        // Edit a column beside the hashed content.
        try tamper("UPDATE private.audit_log SET actor = 'mallory' WHERE seq = 5")
        v = try log.verify(store: store)
        #expect(v.problem?.kind == "edited" && v.problem?.seq == 5)
        try tamper("UPDATE private.audit_log SET actor = 'ivan' WHERE seq = 5")
        // Delete a row.
        let saved = try store.db.execute("SELECT seq, at, actor, action, entry, prev_hash, hash FROM private.audit_log WHERE seq = 4").rows[0]
        try tamper("DELETE FROM private.audit_log WHERE seq = 4")
        v = try log.verify(store: store)
        #expect(v.problem?.kind == "deleted" && v.problem?.seq == 4, "\(String(describing: v.problem))")
        // Delete and renumber the rest to hide the gap.
        try tamper("UPDATE private.audit_log SET seq = seq + 1000 WHERE seq > 4")
        try tamper("UPDATE private.audit_log SET seq = seq - 1001 WHERE seq > 1000")
        v = try log.verify(store: store)
        #expect(!v.ok && v.problem?.seq == 4, "\(String(describing: v.problem))")
        try tamper("UPDATE private.audit_log SET seq = seq + 1001 WHERE seq >= 4")
        try tamper("UPDATE private.audit_log SET seq = seq - 1000 WHERE seq > 1000")
        try store.db.execute("INSERT INTO private.audit_log VALUES ($1, $2::timestamptz, $3, $4, $5, $6::bytea, $7::bytea)", saved)
        #expect(try log.verify(store: store).ok)
        // Reorder: swap the contents of rows 2 and 3.
        try tamper(
            """
            UPDATE private.audit_log a SET entry = b.entry, prev_hash = b.prev_hash, hash = b.hash, at = b.at
            FROM private.audit_log b WHERE (a.seq, b.seq) IN ((2, 3), (3, 2))
            """)
        v = try log.verify(store: store)
        #expect(v.problem?.kind == "reordered" && v.problem?.seq == 2, "\(String(describing: v.problem))")
        db.drop()
    }

    /// Three agencies; A and B hold cases on one phone, C later opens one too (a third jurisdiction); C watches an
    /// email that A then imports. Alerts on both sides of each pair, a movement alert, a watch alert, the hook.
    @Test func deconflictionWatchAndMovementAlertsAcrossThreeNodes() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-alerts", ca: ca, pseudonymKey: Self.pkey)
        let b = try TestNode("us-tx-alerts", ca: ca, pseudonymKey: Self.pkey)
        let c = try TestNode("us-ny-alerts", ca: ca, pseudonymKey: Self.pkey)
        let hookFile = NSTemporaryDirectory() + "casebridge-hook-\(UUID().uuidString).jsonl"
        c.config.investigators.alertHook = "cat >> '\(hookFile)'; echo >> '\(hookFile)'"
        let phone = "+1 213 555 0147"
        _ = try a.importLines([caseLine("A-1", jurisdiction: "US-CA", phone: phone, contact: "Det. Alvarez"), caseLine("A-2", phone: "+1 213 555 0148")])
        _ = try b.importLines([caseLine("B-1", jurisdiction: "US-TX", phone: "(213) 555-0147", contact: "Sgt. Brooks")])
        for n in [a, b, c] { try await n.start() }
        for n in [a, b, c] { for m in [a, b, c] where m !== n { try n.trust(m) } }
        let watcher = try c.addUser("carla", .investigator)
        let w = await c.api("POST", "/v1/watches", token: watcher, json: ["purpose": ["caseNumber": "NY-77", "reason": "trafficking ring lead"], "query": ["emails": ["Ring.Lead@Example.org"]]])
        #expect(w.status == 201)
        // A and B see each other's case: each gets the alert for its own case, naming the other's contact.
        #expect(try await eventually(timeout: 60) { try !a.openAlerts().isEmpty && !b.openAlerts().isEmpty })
        let atA = try #require(a.openAlerts().first { $0.kind == "deconfliction" })
        #expect(atA.caseRef == "A-1" && atA.otherOrigin == b.id && atA.otherCaseRef == "B-1" && atA.otherContact?.name == "Sgt. Brooks" && atA.matched == ["phone"])
        let atB = try #require(b.openAlerts().first { $0.kind == "deconfliction" })
        #expect(atB.caseRef == "B-1" && atB.otherOrigin == a.id && atB.otherContact?.name == "Det. Alvarez")
        #expect(try a.openAlerts().filter { $0.kind == "deconfliction" }.count == 1, "A-2 shares nothing")
        // C imports a case on the same phone in a third jurisdiction: deconfliction at C for both others, mirrored at
        // A and B, and a movement alert (three jurisdictions within the window).
        let heads = try [a.id: a.vector()[a.id]!, b.id: b.vector()[b.id]!]
        #expect(try await eventually(timeout: 60) { let v = try c.vector(); return v[a.id] == heads[a.id] && v[b.id] == heads[b.id] })
        _ = try c.importLines([caseLine("C-1", jurisdiction: "US-NY", phone: "213.555.0147", contact: "Inv. Chen")])
        #expect(try c.openAlerts().filter { $0.kind == "deconfliction" }.count == 2, "at import time, C sees A's and B's records")
        #expect(try c.openAlerts().contains { $0.kind == "movement" && $0.jurisdictions == ["US-CA", "US-NY", "US-TX"] })
        #expect(try await eventually(timeout: 60) {
            try a.openAlerts().filter { $0.kind == "deconfliction" }.count == 2 && b.openAlerts().filter { $0.kind == "deconfliction" }.count == 2
        })
        #expect(try await eventually(timeout: 30) { try a.openAlerts().contains { $0.kind == "movement" } })
        // The watch at C fires when A publishes a case holding the watched email (normalized: case does not matter).
        _ = try a.importLines([caseLine("A-3", jurisdiction: "US-CA", email: "ring.lead@example.org")])
        #expect(try await eventually(timeout: 60) { try c.openAlerts().contains { $0.kind == "watch" && $0.otherCaseRef == "A-3" } })
        // Investigators list and acknowledge through the API; the watch owner sees the watch alert.
        let listed = await c.api("GET", "/v1/alerts", token: watcher)
        let alerts = try JSONDecoder().decode([String: [NodeStore.AlertRow]].self, from: listed.body)["alerts"] ?? []
        #expect(alerts.contains { $0.kind == "watch" } && alerts.contains { $0.kind == "movement" })
        let first = try #require(alerts.first)
        #expect(await c.api("POST", "/v1/alerts/\(first.id)/ack", token: watcher).status == 200)
        #expect(await c.api("POST", "/v1/alerts/\(first.id)/ack", token: watcher).status == 404)
        #expect(try c.openAlerts().count == alerts.count - 1)
        // The hook got every alert C raised, as JSON, without identifiers.
        #expect(try await eventually(timeout: 20) {
            ((try? String(contentsOfFile: hookFile, encoding: .utf8)) ?? "").split(separator: "\n").count >= alerts.count
        })
        let hooked = (try? String(contentsOfFile: hookFile, encoding: .utf8)) ?? ""
        #expect(hooked.contains("\"kind\":\"watch\"") && hooked.contains("Det. Alvarez"))
        #expect(!hooked.contains("0147") && !hooked.lowercased().contains("ring.lead"))
        try? FileManager.default.removeItem(atPath: hookFile)
        for n in [a, b, c] { await n.stop() }
    }

    /// A supervisor purges a case: its tokens and bodies disappear from all three nodes (the signed headers stay),
    /// the private record goes, and a node that joins later, through a relay, never sees the body.
    @Test func purgeLeavesNoTokenOrBodyOnAnyNode() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-purge", ca: ca, pseudonymKey: Self.pkey)
        let b = try TestNode("us-tx-purge", ca: ca, pseudonymKey: Self.pkey)
        let c = try TestNode("us-ny-purge", ca: ca, pseudonymKey: Self.pkey)
        _ = try a.importLines([caseLine("P-1", phone: "+1 305 555 0111", email: "purge.me@example.org"), caseLine("P-2", phone: "+1 305 555 0112")])
        // A second version of P-1, so more than one body must go.
        _ = try a.importLines([caseLine("P-1", phone: "+1 305 555 0111", email: "purge.me@example.org", name: ("Pat", "Purge"))])
        _ = try b.importLines([caseLine("B-1", jurisdiction: "US-TX", phone: "+1 305 555 0111")])
        for n in [a, b] { try await n.start() }
        try a.trust(b); try b.trust(a)
        let rid = a.context.recordId(caseRef: "P-1")
        #expect(try await eventually(timeout: 60) { try b.count("SELECT count(*) FROM casebridge.tokens WHERE record_id = '\(rid)'") > 0 })
        let sup = try a.addUser("sam", .supervisor)
        let inv = try a.addUser("ivy", .investigator)
        #expect(await a.api("POST", "/v1/cases/P-1/purge", token: inv, json: ["reason": "x"]).status == 403)
        let r = await a.api("POST", "/v1/cases/P-1/purge", token: sup, json: ["reason": "28 CFR 23.20(h) review: no longer relevant"])
        #expect(r.status == 200, "\(r.code)")
        #expect(jsonObject(r.body)["bodiesDropped"] as? Int == 2)
        #expect(await a.api("POST", "/v1/cases/P-1/purge", token: sup, json: ["reason": "again"]).status == 409)
        let head = try a.vector()[a.id]!
        #expect(try await eventually(timeout: 60) { try b.vector()[a.id] == head })
        // C joins late and learns A's log only through B.
        try c.trust(b); try b.trust(c); try c.trust(a, direct: false)
        try await c.start()
        #expect(try await eventually(timeout: 60) { try c.vector()[a.id] == head })
        for n in [a, b, c] {
            #expect(try n.count("SELECT count(*) FROM casebridge.tokens WHERE record_id = '\(rid)'") == 0, "\(n.id) tokens")
            #expect(try n.count("SELECT count(*) FROM casebridge.origin_log WHERE record_id = '\(rid)' AND kind = 1 AND body IS NOT NULL") == 0, "\(n.id) bodies")
            #expect(try n.count("SELECT count(*) FROM casebridge.origin_log WHERE record_id = '\(rid)' AND kind = 1") == 2, "\(n.id) headers stay")
            #expect(try n.count("SELECT count(*) FROM casebridge.records WHERE record_id = '\(rid)' AND purged AND deleted AND contact IS NULL") == 1)
            #expect(try n.count("SELECT count(*) FROM casebridge.equivocations") == 0, "\(n.id): an expunged copy is not equivocation")
            #expect(try n.count("SELECT count(*) FROM casebridge.sync_rejections") == 0, "\(n.id) rejections")
            // The other case of A is untouched.
            #expect(try n.count("SELECT count(*) FROM casebridge.tokens WHERE record_id = '\(a.context.recordId(caseRef: "P-2"))'") > 0)
            // Every stored header still verifies against A's key.
            for (_, e) in try n.store.entries(origin: a.id, fromSeq: 1, limit: 100) {
                #expect(throws: Never.self) { _ = try e.verify(with: a.context.signingKey.publicKey) }
            }
            var q = SearchQuery(purpose: "t")
            q.emails = ["purge.me@example.org"]
            #expect(try n.search(q).isEmpty, "\(n.id) still finds the purged case")
        }
        #expect(try a.store.privateCase(caseRef: "P-1") == nil)
        #expect(try a.auditRows(action: "case.purge").first?.target == "P-1")
        // The purge tombstone expunges whatever is published under that record id, so re-using the reference is
        // refused, on its line, with nothing written.
        let before = try a.vector()[a.id]
        do {
            _ = try a.importLines([caseLine("P-3"), caseLine("P-1", phone: "+1 305 555 0111")])
            Issue.record("re-importing a purged reference was accepted")
        } catch let e as ImportRejected {
            #expect(e.issues.count == 1 && e.issues[0].line == 2 && e.issues[0].field == "caseRef", "\(e.issues)")
        }
        #expect(try a.vector()[a.id] == before)
        #expect(try a.store.privateCase(caseRef: "P-3") == nil)
        for n in [a, b, c] { await n.stop() }
    }

    /// The audit chain head is signed into the origin log, reaches peers by replication, and catches what the
    /// chain alone cannot: the newest rows cut off, or the chain rewritten from an edited row onwards.
    @Test func auditHeadAnchoredInOriginLogCatchesTruncationAndRewrite() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-anchor", ca: ca, pseudonymKey: Self.pkey)
        let b = try TestNode("us-tx-anchor", ca: ca, pseudonymKey: Self.pkey)
        _ = try a.importLines([caseLine("AN-1", phone: "+1 305 555 0191")])
        for n in [a, b] { try await n.start() }
        try a.trust(b); try b.trust(a)
        let log = AuditLog()
        for i in 1...5 { try log.record(.init(actor: "ivan", action: "search", outcome: "allowed", purpose: "HT-\(i): r", counts: ["hits": i]), store: a.store) }
        let anchorer = AuditAnchorer(context: a.context, logger: a.logger)
        let seq = try #require(try anchorer.anchor(store: a.store))
        #expect(try anchorer.anchor(store: a.store) == nil, "nothing new to anchor")
        #expect(try await eventually(timeout: 60) { try b.vector()[a.id] == seq })
        #expect(try b.count("SELECT count(*) FROM casebridge.origin_log WHERE origin = '\(a.id)' AND kind = 4") == 1)
        #expect(try b.count("SELECT count(*) FROM casebridge.sync_rejections") == 0)
        let anchor = try #require(try AuditAnchorer.latest(origin: a.id, store: a.store))
        #expect(anchor.seq == 5)
        #expect(try log.verify(store: a.store, anchor: anchor).ok)
        // Rewrite the chain from row 3 on, consistently: the chain alone looks intact, the anchor does not match.
        let rows = try a.store.auditRows(limit: 100)
        try a.store.db.execute("ALTER TABLE private.audit_log DISABLE TRIGGER USER")
        var prev = rows[1].hash
        for r in rows[2...] {
            var e = try #require(AuditChain.decodeEntry(r.entry))
            if r.seq == 3 { e.event.counts = ["hits": 0] }
            let row = AuditLog.chain.chain(e.event, seq: r.seq, at: r.at, prevHash: prev)
            try a.store.db.execute(
                "UPDATE private.audit_log SET entry = $2, prev_hash = $3::bytea, hash = $4::bytea WHERE seq = $1",
                [String(r.seq), row.entry, PostgresText.byteaLiteral(row.prevHash), PostgresText.byteaLiteral(row.hash)])
            prev = row.hash
        }
        #expect(try log.verify(store: a.store).ok, "a consistent rewrite passes the chain check alone")
        var v = try log.verify(store: a.store, anchor: anchor)
        #expect(!v.ok && v.problem?.kind == "edited" && v.problem?.seq == 5, "\(String(describing: v.problem))")
        // Cut off the newest rows.
        try a.store.db.execute("DELETE FROM private.audit_log WHERE seq >= 4")
        try a.store.db.execute("ALTER TABLE private.audit_log ENABLE TRIGGER USER")
        v = try log.verify(store: a.store, anchor: anchor)
        #expect(!v.ok && v.problem?.kind == "truncated", "\(String(describing: v.problem))")
        // The API's verify uses the anchor too.
        let sup = try a.addUser("sue", .supervisor)
        let r = await a.api("GET", "/v1/audit/verify", token: sup)
        #expect(jsonObject(r.body)["ok"] as? Bool == false)
        for n in [a, b] { await n.stop() }
    }

    /// 28 CFR 23.20(h): a case not updated for the retention period is due for review; revalidation moves it.
    @Test func retentionDueAndRevalidate() async throws {
        let ca = try TestCA()
        let n = try TestNode("us-ca-retention", ca: ca, pseudonymKey: Self.pkey)
        _ = try n.importLines([caseLine("R-1", phone: "+1 305 555 0161"), caseLine("R-2", phone: "+1 305 555 0162")])
        try n.store.db.execute("UPDATE private.cases SET updated_at = now() - interval '6 years' WHERE case_ref = 'R-1'")
        try n.store.db.execute("UPDATE private.cases SET updated_at = now() - interval '5 years' + interval '10 days' WHERE case_ref = 'R-2'")
        try await n.start()
        let sup = try n.addUser("sol", .supervisor)
        func due(_ within: Int) async -> [String] {
            let r = await n.api("GET", "/v1/retention/due?within=\(within)", token: sup)
            return ((jsonObject(r.body)["cases"] as? [[String: Any]]) ?? []).compactMap { $0["caseRef"] as? String }
        }
        #expect(await due(0) == ["R-1"])
        #expect(await due(30) == ["R-1", "R-2"])
        let r = await n.api("POST", "/v1/cases/R-1/revalidate", token: sup, json: ["reason": "new lead, HT-2026-0042"])
        #expect(r.status == 200)
        let reviewBy = try #require(jsonObject(r.body)["reviewBy"] as? String)
        #expect(reviewBy > "2031-01-01")
        #expect(await due(30) == ["R-2"])
        #expect(await n.api("POST", "/v1/cases/R-1/revalidate", token: sup, json: ["reason": " "]).status == 400)
        #expect(await n.api("POST", "/v1/cases/NOPE/revalidate", token: sup, json: ["reason": "x"]).status == 404)
        let audited = try n.auditRows(action: "case.revalidate")
        #expect(audited.count == 1 && audited[0].target == "R-1" && audited[0].purpose == "new lead, HT-2026-0042")
        // Export for the SIEM: rows since a date, with their chain hashes; the export itself is audited.
        let export = await n.api("GET", "/v1/audit?since=2000-01-01&limit=2", token: sup)
        let page = jsonObject(export.body)
        let rows = (page["rows"] as? [[String: Any]]) ?? []
        #expect(rows.count == 2 && page["next"] as? Int == 2)
        #expect(rows.allSatisfy { ($0["hash"] as? String)?.count == 64 && AuditChain.decodeEntry(($0["entry"] as? String) ?? "") != nil })
        #expect(await n.api("GET", "/v1/audit?since=2099-01-01", token: sup).status == 200)
        #expect(await n.api("GET", "/v1/audit?since=yesterday", token: sup).code == "bad-request")
        #expect(try n.auditRows(action: "audit.export").count == 2)
        await n.stop()
    }
}

import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeStore
import CasebridgeTestSupport
import Foundation
import Logging
import Synchronization

/// A node on a fresh test database, with fresh keys.
final class NodeFixture {
    let db: TestDatabase
    let store: NodeStore
    let context: NodeContext
    let logs = LogCapture()

    init(_ label: String, nodeId: String = "us-ca-sfpd", agency: String = "San Francisco PD", region: String = "US",
         pseudonymKey: PseudonymKey = PseudonymKey.generate(), publishRoles: Set<SubjectRole> = NodeConfig.defaultPublishRoles) throws {
        db = try TestDatabase(label)
        store = try db.migratedStore()
        let key = SigningKey.generate()
        try store.registerNode(nodeId: nodeId, agency: agency, keyId: key.publicKey.keyId, publicKey: key.publicKey.bytes)
        let cfg = NodeConfig(
            nodeId: nodeId, agency: agency, defaultRegion: region, database: db.conninfo, signingKeyPath: "", pseudonymKeyPath: "",
            publishRoles: publishRoles)
        context = try NodeContext(config: cfg, signingKey: key, pseudonymKey: pseudonymKey)
    }

    deinit { db.drop() }

    var importer: CaseImporter { CaseImporter(context: context, logger: logs.logger) }
    var search: CaseSearch { CaseSearch(context: context, logger: logs.logger) }

    func importJSONL(_ lines: [String]) throws -> ImportReport {
        try importer.importFile(bytes: Array((lines.joined(separator: "\n") + "\n").utf8), format: .jsonl, store: store)
    }

    /// Every value in every table outside schema `private`, as text (bytea as hex), for leak scans.
    func publicDump() throws -> String {
        let tables = try store.db.execute(
            """
            SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_schema NOT IN ('private', 'pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'
            """).rows
        var out = ""
        for t in tables {
            let name = "\"\(t[0]!)\".\"\(t[1]!)\""
            for row in try store.db.execute("SELECT t::text FROM \(name) t").rows { out += (row[0] ?? "") + "\n" }
            // Bytea columns also decoded as UTF-8 text, so raw values hidden in stored entry bodies are found.
            let cols = try store.db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND data_type = 'bytea'",
                [t[0], t[1]]).rows
            for c in cols {
                for row in try store.db.execute("SELECT \"\(c[0]!)\" FROM \(name) t WHERE \"\(c[0]!)\" IS NOT NULL").rows {
                    out += String(decoding: PostgresText.bytea(row[0]) ?? [], as: UTF8.self) + "\n"
                }
            }
        }
        return out
    }

    func count(_ sql: String) throws -> Int { Int(try store.db.execute(sql).scalar ?? "0") ?? -1 }

    /// A fingerprint of the whole database content (all schemas), to prove a refused import changed nothing.
    func snapshot() throws -> String {
        var s = ""
        for table in ["private.cases", "casebridge.origin_log", "casebridge.records", "casebridge.tokens", "casebridge.vector"] {
            s += table + ":" + (try store.db.execute("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \(table) t").scalar ?? "") + ";"
        }
        return s
    }
}

/// A valid JSONL case line with overridable parts.
func caseLine(
    ref: String = "SFPD-2025-0001", caseType: String = "sex-trafficking", status: String = "open",
    jurisdiction: String = "US-CA", opened: String = "2025-01-15", narrative: String = "Met victim at bus station.",
    subjects: String = #"[{"role":"suspect","names":[{"given":"José","family":"García López"}],"dob":"1985-03-15","phones":["(415) 555-0134"],"emails":["Jose.G@Example.com "],"plates":[{"plate":"7abc-123","region":"us-ca"}],"handles":[{"platform":"Instagram","handle":"@jgl_85"}],"documents":[{"type":"passport","number":"G 1234 5678","issuer":"MX"}]},{"role":"victim","names":[{"given":"Ana","family":"Pérez"}],"phones":["+1 702 555 0188"]}]"#,
    contact: String = #"{"name":"Det. Ana Ruiz","phone":"415-555-0100","email":"aruiz@sfpd.example.org","unit":"Vice"}"#
) -> String {
    #"{"caseRef":"\#(ref)","caseType":"\#(caseType)","status":"\#(status)","jurisdiction":"\#(jurisdiction)","opened":"\#(opened)","contact":\#(contact),"narrative":"\#(narrative)","subjects":\#(subjects)}"#
}

import CasebridgeCore
import CasebridgeCrypto
@testable import CasebridgeNode
import CasebridgeStore
import CasebridgeTestSupport
import Foundation
import Testing

/// A version this node writes for one of its own records (a deletion, a purge, a re-publication under a new key or
/// pseudonym epoch) replaces every current version of the record, so it must dominate all of them, siblings
/// included, and leave the record with that one version.
@Suite struct LocalWritesOverSiblingsTests {
    static let recordId = "us-ca-sfpd/S-1"

    /// Imports S-1 and gives it a concurrent sibling from another owner, as the replication engine stores one: both
    /// versions in record_versions, the display row marked with two siblings.
    static func nodeWithSiblings(_ label: String) throws -> NodeFixture {
        let n = try NodeFixture(label)
        _ = try n.importJSONL([caseLine(ref: "S-1")])
        try n.store.db.execute(
            """
            INSERT INTO casebridge.record_versions (record_id, origin, seq, version, deleted, owners) VALUES
              ($1, 'us-ca-sfpd', 1, '{"us-ca-sfpd": 1}', false, '{us-nv-lvmpd}'),
              ($1, 'us-nv-lvmpd', 7, '{"us-nv-lvmpd": 1}', false, '{}')
            """, [recordId])
        try n.store.db.execute("UPDATE casebridge.records SET siblings = 2, owners = '{us-nv-lvmpd}' WHERE record_id = $1", [recordId])
        return n
    }

    static func state(_ n: NodeFixture) throws -> (version: VersionVector, siblings: String, owners: String, rows: Int) {
        let r = try #require(try n.store.db.execute(
            "SELECT version::text, siblings, owners::text FROM casebridge.records WHERE record_id = $1", [recordId]).rows.first)
        let v = VersionVector(try JSONDecoder().decode([String: UInt64].self, from: Data(r[0]!.utf8)))
        return (v, r[1]!, r[2]!, try n.count("SELECT count(*) FROM casebridge.record_versions WHERE record_id = '\(recordId)'"))
    }

    @Test func aDeletionDominatesEverySibling() throws {
        let n = try Self.nodeWithSiblings("sibdelete")
        try CaseDeleter(context: n.context, logger: n.logs.logger).delete(caseRef: "S-1", store: n.store)
        let s = try Self.state(n)
        #expect(s.version == VersionVector(["us-ca-sfpd": 2, "us-nv-lvmpd": 1]))
        #expect(s.siblings == "1" && s.owners == "{}" && s.rows == 0)
        // The engine sees the tombstone as the one current version.
        let current = try n.store.currentVersions([Self.recordId])[Self.recordId]
        #expect(current?.count == 1 && current?.first?.deleted == true)
    }

    @Test func aRepublicationDominatesEverySibling() throws {
        let n = try Self.nodeWithSiblings("sibrepublish")
        // As the pseudonym-epoch switch calls it: based on the display row's version.
        try n.store.db.transaction {
            let (head, key) = try Publishing.begin(context: n.context, store: n.store)
            let last = try KeyManager(context: n.context, logger: n.logs.logger).republish(
                recordIds: [Self.recordId], after: head, key: key, store: n.store, versions: [Self.recordId: VersionVector(["us-ca-sfpd": 1])])
            #expect(last == head + 1)
        }
        let s = try Self.state(n)
        #expect(s.version == VersionVector(["us-ca-sfpd": 2, "us-nv-lvmpd": 1]))
        #expect(s.siblings == "1" && s.owners == "{}" && s.rows == 0)
        #expect(try n.store.currentVersions([Self.recordId])[Self.recordId]?.count == 1)
    }

    @Test func aReimportedChangeDominatesEverySibling() throws {
        let n = try Self.nodeWithSiblings("sibimport")
        let report = try n.importJSONL([caseLine(ref: "S-1", status: "closed")])
        #expect(report.updated == 1)
        let s = try Self.state(n)
        #expect(s.version == VersionVector(["us-ca-sfpd": 2, "us-nv-lvmpd": 1]))
        #expect(s.siblings == "1" && s.owners == "{}" && s.rows == 0)
        // Unchanged cases and cases without siblings keep the plain path.
        let again = try n.importJSONL([caseLine(ref: "S-1", status: "closed"), caseLine(ref: "S-2")])
        #expect(again.unchanged == 1 && again.created == 1)
    }
}

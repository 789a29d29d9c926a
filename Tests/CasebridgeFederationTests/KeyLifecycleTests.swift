import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import CasebridgeTestSupport
import Foundation
import Testing

/// Signing-key rotation and revocation in-band, quarantine, and rollback protection, on real nodes (real PostgreSQL,
/// real mutual TLS, the sync scheduler pulling every second). These are the drills of docs/operations/key-compromise.md.
@Suite(.serialized) struct KeyLifecycleTests {
    static let pkey = PseudonymKey.generate()

    static func mesh(_ nodes: [TestNode]) throws {
        for x in nodes { for y in nodes where x !== y { try x.trust(y) } }
    }

    static func phoneQuery(_ phone: String) -> SearchQuery {
        var q = SearchQuery(purpose: "key lifecycle test")
        q.phones = [phone]
        return q
    }

    /// Drill 1: routine rotation while the agency keeps importing. Every entry reaches every node; none is refused.
    @Test func rotationUnderContinuousImportRefusesNothing() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-rot", ca: ca, pseudonymKey: Self.pkey)
        let b = try TestNode("us-tx-rot", ca: ca, pseudonymKey: Self.pkey)
        let c = try TestNode("us-ny-rot", ca: ca, pseudonymKey: Self.pkey)
        for n in [a, b, c] { try await n.start() }
        try Self.mesh([a, b, c])
        let oldKey = a.context.signingKey.publicKey.keyIdHex

        // Imports keep coming on their own connection while the admin rotates on another.
        let importerStore = try a.db.store()
        let importer = Task {
            for i in 1...40 {
                _ = try a.importLines([caseLine("ROT-\(i)", phone: "+1 212 555 \(String(format: "%04d", 1000 + i))")], store: importerStore)
                try await Task.sleep(for: .milliseconds(40))
            }
        }
        try await Task.sleep(for: .milliseconds(600))
        let adminStore = try a.db.store()
        let rotation = try KeyManager(context: a.context, logger: a.logger).rotate(actor: "host:test", store: adminStore)
        let rotatedAt = Date()
        try await importer.value
        #expect(rotation.oldKeyId == oldKey)
        #expect(rotation.fromSeq == rotation.seq + 1)
        #expect(a.context.signingKey.publicKey.keyIdHex == rotation.newKeyId)
        // The key file now holds the new key (0600), and the old secret is gone from disk.
        #expect(try SigningKey.load(path: a.config.signingKeyPath).publicKey.keyIdHex == rotation.newKeyId)
        #expect(!FileManager.default.fileExists(atPath: a.context.pendingSigningKeyPath))

        var reachedAll: Double? = nil
        let head = try a.vector()[a.id]!
        #expect(head >= 41)
        let converged = try await eventually(timeout: 60) {
            if reachedAll == nil, try [b, c].allSatisfy({ try $0.store.signingKeys(origin: a.id).count == 2 }) {
                reachedAll = Date().timeIntervalSince(rotatedAt)
            }
            return try [b, c].allSatisfy { try $0.vector()[a.id] == head }
        }
        #expect(converged)
        print("rotation reached every node \(String(format: "%.2f", reachedAll ?? -1)) s after `keys rotate` returned (sync interval 1 s)")
        for n in [b, c] {
            #expect(try n.store.rejections().isEmpty, "no entry refused at \(n.id)")
            let keys = try n.store.signingKeys(origin: a.id).sorted { $0.from < $1.from }
            #expect(keys.map { Hex.encode($0.keyId) } == [oldKey, rotation.newKeyId])
            #expect(keys.first?.until == rotation.seq && keys.last?.from == rotation.fromSeq && keys.last?.until == nil)
            // Everything after the rotation is signed by the new key, everything before by the old one.
            for (seq, e) in try n.store.entries(origin: a.id, fromSeq: 1, limit: 10_000) {
                let h = try EntryHeader(decoding: e.header)
                #expect(Hex.encode(h.keyId) == (seq <= rotation.seq ? oldKey : rotation.newKeyId))
            }
            #expect(try n.search(Self.phoneQuery("+1 212 555 1040")).contains { $0.caseRef == "ROT-40" && $0.origin == a.id })
        }
        // A card exported after the rotation carries both keys with their ranges (for nodes that join later).
        #expect(try a.card().signingKeys.count == 2)
        // The old key may no longer sign: an entry it signs after the rotation is refused everywhere.
        let old = try #require(try a.store.signingKeys(origin: a.id).first { Hex.encode($0.keyId) == oldKey })
        #expect(old.until == rotation.seq)
        for n in [a, b, c] { await n.stop() }
    }

    /// Drill 2: a leaked signing key. A thief with A's key (and write access to A's database) signs a changed version
    /// of a genuine case and a fake case; they replicate. A rotates and revokes the old key from the first forged seq:
    /// every node quarantines the forgeries (kept as evidence, gone from search), and A's genuine case is re-published
    /// above the forged version.
    @Test func leakedKeyForgeriesAreQuarantinedOnEveryNode() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-leak", ca: ca, pseudonymKey: Self.pkey)
        let b = try TestNode("us-tx-leak", ca: ca, pseudonymKey: Self.pkey)
        let c = try TestNode("us-ny-leak", ca: ca, pseudonymKey: Self.pkey)
        for n in [a, b, c] { try await n.start() }
        try Self.mesh([a, b, c])
        _ = try a.importLines([caseLine("LK-1", phone: "+1 206 555 0101"), caseLine("LK-2", phone: "+1 206 555 0102")])
        #expect(try await eventually { try [b, c].allSatisfy { try $0.vector()[a.id] == 2 } })

        // The forgeries, signed with the leaked key at A's next seqs and written into A's log.
        let leaked = try SigningKey.load(path: a.config.signingKeyPath)
        let forgedBody = { (ref: String, phone: String) -> [UInt8] in
            let v = try! a.context.validator.validate(
                CaseInputDecoder.decode(line: 1, bytes: Array(caseLine(ref, phone: phone).utf8)).0!, line: 1).0!
            return Pseudonymizer.encode(a.context.pseudonymizer.pseudonymize(v).0)
        }
        let f1 = SignedEntry.make(
            kind: .record, origin: a.id, seq: 3, recordId: a.context.recordId(caseRef: "LK-1"), version: VersionVector([a.id: 7]),
            timestamp: 0, body: forgedBody("LK-1", "+1 206 555 0999"), key: leaked)
        let f2 = SignedEntry.make(
            kind: .record, origin: a.id, seq: 4, recordId: a.context.recordId(caseRef: "LK-X"), version: VersionVector([a.id: 1]),
            timestamp: 0, body: forgedBody("LK-X", "+1 206 555 0888"), key: leaked)
        try a.store.db.transaction {
            try a.store.appendLog(origin: a.id, [(seq: 3, kind: .record, recordId: a.context.recordId(caseRef: "LK-1"), entry: f1),
                                                 (seq: 4, kind: .record, recordId: a.context.recordId(caseRef: "LK-X"), entry: f2)])
            try a.store.setVector(origin: a.id, seq: 4)
        }
        #expect(try await eventually { try [b, c].allSatisfy { try $0.vector()[a.id] == 4 } })
        #expect(try c.search(Self.phoneQuery("+1 206 555 0888")).contains { $0.caseRef == "LK-X" }, "the forgery replicated")

        // A's admin: rotate, then revoke the leaked key from the first forged seq.
        let km = KeyManager(context: a.context, logger: a.logger)
        let rotation = try km.rotate(actor: "host:test", store: a.store)
        let revocation = try km.revoke(keyIdHex: rotation.oldKeyId, fromSeq: 3, reason: "key leaked", actor: "host:test", store: a.store)
        let revokedAt = Date()
        #expect(revocation.quarantined == 2)
        #expect(revocation.republished == 1, "LK-1 is genuine and re-published; LK-X never existed at A")
        var reachedAll: Double? = nil
        let done = try await eventually(timeout: 60) {
            let ok = try [a, b, c].allSatisfy { n in
                try n.vector()[a.id] == revocation.lastSeq && n.store.quarantined(origin: a.id).map(\.seq) == [3, 4]
            }
            if ok, reachedAll == nil { reachedAll = Date().timeIntervalSince(revokedAt) }
            return ok
        }
        #expect(done)
        print("revocation quarantined the forgeries on every node \(String(format: "%.2f", reachedAll ?? -1)) s after `keys revoke` returned (sync interval 1 s)")
        for n in [a, b, c] {
            #expect(try n.search(Self.phoneQuery("+1 206 555 0888")).isEmpty, "the fake case left search at \(n.id)")
            #expect(try n.search(Self.phoneQuery("+1 206 555 0999")).isEmpty, "the forged phone left search at \(n.id)")
            let genuine = try n.search(Self.phoneQuery("+1 206 555 0101"))
            #expect(genuine.contains { $0.caseRef == "LK-1" && $0.origin == a.id }, "the genuine case is back at \(n.id)")
            #expect(try n.count("SELECT count(*) FROM casebridge.records WHERE record_id = '\(a.id)/LK-X'") == 0)
            // Kept as evidence: the forged entries are still in the log, byte for byte.
            #expect(try n.store.storedEntries([(a.id, 3)])[a.id]?[3]?.signature == f1.signature)
            #expect(try n.store.revocations().map(\.keyId) == [rotation.oldKeyId])
            #expect(try n.store.rejections().isEmpty, "nothing refused at \(n.id)")
            let current = try n.store.currentVersions([a.context.recordId(caseRef: "LK-1")]).values.first?.first
            #expect(current?.version[a.id] == 8, "the re-published version dominates the forged [\(a.id): 7]")
        }
        // The thief cannot go on: an entry the leaked key signs now is refused as not valid for its seq.
        let late = SignedEntry.make(
            kind: .record, origin: a.id, seq: revocation.lastSeq + 1, recordId: a.context.recordId(caseRef: "LK-Y"),
            version: VersionVector([a.id: 1]), timestamp: 0, body: forgedBody("LK-Y", "+1 206 555 0777"), key: leaked)
        let report = try Replicator(selfId: b.id, logger: b.logger).apply(peer: c.id, entries: [late], store: b.store)
        #expect(report.applied == 0 && report.rejected.first?.contains("key-not-valid") == true)
        for n in [a, b, c] { await n.stop() }
    }

    /// Drill 3: a node restored from an old database backup. It refuses to sign until a peer has served its own
    /// newer entries back, then goes on at the right seq; the peer sees no equivocation.
    @Test func aNodeRestoredFromAnOldDumpDoesNotReuseASeq() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-rest", ca: ca, pseudonymKey: Self.pkey)
        let b = try TestNode("us-tx-rest", ca: ca, pseudonymKey: Self.pkey)
        for n in [a, b] { try await n.start() }
        try Self.mesh([a, b])
        _ = try a.importLines((1...3).map { caseLine("RS-\($0)", phone: "+1 617 555 010\($0)") })
        #expect(try await eventually { try b.vector()[a.id] == 3 })
        let dump = FileManager.default.temporaryDirectory.appendingPathComponent("cb-restore-\(UUID().uuidString).dump").path
        defer { try? FileManager.default.removeItem(atPath: dump) }
        try Self.run("pg_dump", ["-Fc", "-f", dump, "-d", a.db.conninfo])
        _ = try a.importLines((4...5).map { caseLine("RS-\($0)", phone: "+1 617 555 010\($0)") })
        #expect(try await eventually { try b.vector()[a.id] == 5 })
        await a.stop()

        // The database comes back from the dump; the key folder (and its witness) did not go anywhere.
        let restoredDB = try TestDatabase("restored")
        try Self.run("pg_restore", ["--no-owner", "-d", restoredDB.conninfo, dump])
        let a2 = try TestNode(restoredFrom: a, database: restoredDB)
        #expect(try a2.vector()[a.id] == 3)
        #expect(Publishing.readWitness(context: a2.context) == 5)
        #expect(throws: PublishRefused.self) { try a2.importLines([caseLine("RS-6", phone: "+1 617 555 0106")]) }
        #expect(try a2.vector()[a.id] == 3, "nothing was signed")

        try await a2.start()
        try b.trust(a2)
        #expect(try await eventually { try a2.vector()[a.id] == 5 && a2.store.publishFence()?.fenced == false })
        #expect(try a2.store.publishFence()?.liftedBy == "peer:\(b.id)")
        let r = try a2.importLines([caseLine("RS-6", phone: "+1 617 555 0106")])
        #expect(r.firstSeq == 6)
        #expect(try await eventually { try b.vector()[a.id] == 6 })
        #expect(try b.store.equivocationEvidence(origin: a.id).isEmpty)
        #expect(try b.store.rejections().isEmpty)
        for n in [a2, b] { await n.stop() }
    }

    /// A manual fence (whole-machine restore, where the witness came back too) holds until a peer confirms.
    @Test func aManualFenceHoldsUntilAPeerConfirms() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-fence", ca: ca, pseudonymKey: Self.pkey)
        let b = try TestNode("us-tx-fence", ca: ca, pseudonymKey: Self.pkey)
        _ = try a.importLines([caseLine("FN-1", phone: "+1 617 555 0201")])
        try a.store.raiseFence(reason: "test: machine image restored", witnessHead: Publishing.readWitness(context: a.context))
        let refused = #expect(throws: PublishRefused.self) { try a.importLines([caseLine("FN-2", phone: "+1 617 555 0202")]) }
        #expect(refused?.code == .fenced)
        for n in [a, b] { try await n.start() }
        try Self.mesh([a, b])
        #expect(try await eventually { try a.store.publishFence()?.fenced == false })
        #expect(try a.importLines([caseLine("FN-2", phone: "+1 617 555 0202")]).firstSeq == 2)
        for n in [a, b] { await n.stop() }
    }

    static func run(_ tool: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + args
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard p.terminationStatus == 0 else { throw ServerError(code: "test", reason: "\(tool) failed: \(text)") }
    }
}

import AsyncHTTPClient
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import CasebridgeTestSupport
import Foundation
import Testing

/// Real nodes: real PostgreSQL databases, real mutual TLS on 127.0.0.1, real servers.
@Suite(.serialized) struct FederationTests {
    static let pkey = PseudonymKey.generate()

    /// Three agencies with overlapping subjects, each node trusting the two others.
    static func federation(_ label: String, cases: Int = 40, syncInterval: Int = 1) async throws -> (TestCA, [TestNode], SyntheticFederation) {
        let ca = try TestCA()
        let fed = SyntheticGenerator(agencies: 3, casesPerAgency: cases, overlap: 0.4, seed: 11).generate()
        var nodes: [TestNode] = []
        for a in fed.agencies {
            let n = try TestNode(a.nodeId, ca: ca, pseudonymKey: pkey, syncInterval: syncInterval)
            _ = try n.importCases(a.cases)
            nodes.append(n)
        }
        for n in nodes { try await n.start() }
        return (ca, nodes, fed)
    }

    @Test func threeNodesConvergeAndSearchFindsOtherAgenciesCases() async throws {
        let (_, nodes, fed) = try await Self.federation("converge")
        for n in nodes { for m in nodes where m !== n { try n.trust(m) } }
        let target = nodes.reduce(into: [String: UInt64]()) { v, n in v[n.id] = (try? n.vector()[n.id]) ?? 0 }
        // The schedulers pull on their own.
        for n in nodes {
            let converged = try await eventually(timeout: 60) { try n.vector() == target }
            #expect(converged, "node \(n.id) did not converge: \((try? n.vector()) ?? [:]) vs \(target)")
        }
        // Every node verified and holds every origin's records and tokens.
        let counts = try nodes.map { try $0.count("SELECT count(*) FROM casebridge.records") }
        #expect(Set(counts).count == 1)
        // A true cross-agency link found by a search at the first node.
        let link = try #require(fed.truth.first { l in
            l.sharedIdentifiers.contains("phone") && l.cases.contains { $0.nodeId == nodes[0].id } && l.cases.contains { $0.nodeId != nodes[0].id }
        })
        let here = try #require(link.cases.first { $0.nodeId == nodes[0].id })
        let theCase = try #require(fed.agencies[0].cases.first { $0.caseRef == here.caseRef })
        var q = SearchQuery(purpose: "federation test")
        q.phones = (theCase.subjects ?? []).flatMap { $0.phones ?? [] }
        let hits = try nodes[0].search(q)
        let otherOrigins = Set(hits.filter { !$0.local }.map(\.origin))
        let expected = Set(link.cases.filter { $0.nodeId != nodes[0].id }.map(\.nodeId))
        #expect(!otherOrigins.intersection(expected).isEmpty, "hits: \(hits.map { "\($0.origin)/\($0.caseRef)" })")
        // Peer status and metrics say so, once node 0 has pulled each peer after converging (it may have converged
        // through one peer while its last pull of the other predates it: the status follows at the next pull).
        _ = try await eventually(timeout: 30) {
            try PeersStatus.make(store: nodes[0].store).peers.allSatisfy { $0.lastSuccess != nil && $0.origins.allSatisfy { $0.behind == 0 } }
        }
        let status = try PeersStatus.make(store: nodes[0].store)
        #expect(status.peers.count == 2)
        #expect(status.peers.allSatisfy { $0.lastSuccess != nil && $0.origins.allSatisfy { $0.behind == 0 } })
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let (code, metrics) = try await get(client, nodes[0].localURL + "/metrics")
        try await client.shutdown()
        #expect(code == 200)
        #expect(metrics.contains("casebridge_peer_lag_entries{"))
        #expect(metrics.contains("casebridge_vector_seq{origin=\"\(nodes[1].id)\"}"))
        for n in nodes { await n.stop() }
    }

    @Test func entriesRelayThroughANodeInTheMiddle() async throws {
        let (_, nodes, _) = try await Self.federation("relay", cases: 15)
        let (a, b, c) = (nodes[0], nodes[1], nodes[2])
        // A <-> B <-> C; A and C trust each other's keys but never talk (relayed only).
        try a.trust(b); try b.trust(a); try b.trust(c); try c.trust(b)
        try a.trust(c, direct: false); try c.trust(a, direct: false)
        let target = try [a.id: a.vector()[a.id]!, b.id: b.vector()[b.id]!, c.id: c.vector()[c.id]!]
        for n in nodes {
            let ok = try await eventually(timeout: 60) { try n.vector() == target }
            #expect(ok, "\(n.id): \((try? n.vector()) ?? [:])")
        }
        #expect(try a.count("SELECT count(*) FROM casebridge.records WHERE origin = '\(c.id)'") > 0)
        for n in nodes { await n.stop() }
    }

    @Test func interruptedPullsResumeWithoutGapsOrDuplicates() async throws {
        let ca = try TestCA()
        let fed = SyntheticGenerator(agencies: 1, casesPerAgency: 1500, overlap: 0, seed: 5).generate()
        let source = try TestNode("source", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        _ = try source.importCases(fed.agencies[0].cases)
        let sink = try TestNode("sink", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600, applyBatch: 50)
        try await source.start()
        try source.trust(sink); try sink.trust(source)
        // Cut the receiving side off mid-stream, again and again.
        var interruptions = 0
        for round in 0..<8 {
            let t = Task { try await sink.pull(from: source) }
            try await Task.sleep(for: .milliseconds(150 + 40 * round))
            t.cancel()
            _ = try? await t.value
            let held = try sink.vector()["source"] ?? 0
            if held < 1500 { interruptions += 1 }
            // The log is always contiguous and matches the vector: no gap, no duplicate.
            #expect(try sink.count("SELECT count(*) FROM casebridge.origin_log WHERE origin = 'source'") == Int(held))
            #expect(try sink.count("SELECT coalesce(max(seq), 0) FROM casebridge.origin_log WHERE origin = 'source'") == Int(held))
        }
        #expect(interruptions > 0, "no pull was actually interrupted")
        try await sink.pull(from: source)
        #expect(try sink.vector()["source"] == 1500)
        #expect(try sink.count("SELECT count(*) FROM casebridge.origin_log WHERE origin = 'source'") == 1500)
        // Byte-identical to the source's log.
        let a = try source.store.db.execute("SELECT md5(string_agg(header::text || coalesce(body::text, '') || signature::text, '' ORDER BY seq)) FROM casebridge.origin_log").scalar
        let b = try sink.store.db.execute("SELECT md5(string_agg(header::text || coalesce(body::text, '') || signature::text, '' ORDER BY seq)) FROM casebridge.origin_log").scalar
        #expect(a == b)
        await source.stop()
    }

    @Test func forgedEntriesAreRefusedAndGoodOnesApplied() async throws {
        let ca = try TestCA()
        let fed = SyntheticGenerator(agencies: 2, casesPerAgency: 5, overlap: 0, seed: 8).generate()
        let a = try TestNode("a", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        let relay = try TestNode("relay", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        let victim = try TestNode("victim", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        _ = try a.importCases(fed.agencies[0].cases)
        _ = try relay.importCases(fed.agencies[1].cases)
        try await relay.start()
        try victim.trust(relay); try relay.trust(victim); try victim.trust(a, direct: false)
        // The relay serves a's five genuine entries plus forgeries, stored straight into its log.
        let genuine = try a.store.entries(origin: "a", fromSeq: 1, limit: 100)
        let thief = SigningKey.generate()
        func forge(_ origin: String, _ seq: UInt64, _ recordId: String, key: SigningKey) -> SignedEntry {
            SignedEntry.make(kind: .record, origin: origin, seq: seq, recordId: recordId, version: VersionVector([origin: 1]), timestamp: 0,
                             body: Array(#"{"caseRef":"X"}"#.utf8), key: key)
        }
        var badSig = genuine[4].entry
        badSig.signature[10] ^= 1
        try relay.store.db.transaction {
            // a: 1-4 genuine, 5 with a flipped signature bit, 6 signed by a stolen-looking key.
            try relay.store.appendLog(origin: "a", genuine.prefix(4).map { ($0.seq, EntryKind.record, "a/\($0.seq)", $0.entry) })
            try relay.store.appendLog(origin: "a", [(5, .record, "a/5", badSig), (6, .record, "a/X", forge("a", 6, "a/X", key: thief))])
            try relay.store.setVector(origin: "a", seq: 6)
            // An origin nobody trusts, and a non-contiguous seq of the relay's own origin.
            try relay.store.appendLog(origin: "ghost", [(1, .record, "ghost/X", forge("ghost", 1, "ghost/X", key: thief))])
            try relay.store.setVector(origin: "ghost", seq: 1)
        }
        let report = try await victim.pull(from: relay)
        #expect(try victim.vector()["a"] == 4)
        #expect(try victim.vector()["relay"] == 5)
        #expect(try victim.vector()["ghost"] == nil)
        let reasons = Set(try victim.store.rejections().map(\.reason))
        #expect(reasons.contains("bad-signature"))
        #expect(reasons.contains("untrusted-origin"))
        #expect(report.applied == 9)
        // A wrong signer for a record: the relay signs a record of a's with its own, trusted key.
        let relayKey = relay.context.signingKey
        // A genuine record of a's, re-signed by the relay as a new version of a's record.
        let victimRecord = try EntryHeader(decoding: genuine[0].entry.header).recordId
        let hijack = SignedEntry.make(kind: .record, origin: "relay", seq: 6, recordId: victimRecord, version: VersionVector(["a": 1, "relay": 1]),
                                      timestamp: 0, body: genuine[0].entry.body!, key: relayKey)
        try relay.store.db.transaction {
            try relay.store.appendLog(origin: "relay", [(6, .record, victimRecord, hijack)])
            try relay.store.setVector(origin: "relay", seq: 6)
        }
        try await victim.pull(from: relay)
        #expect(try victim.vector()["relay"] == 5)
        #expect(Set(try victim.store.rejections().map(\.reason)).contains("not-an-owner"))
        await relay.stop()
    }

    @Test func certificatesAndTrustAreEnforced() async throws {
        let ca = try TestCA()
        let other = try TestCA(name: "Other Federation")
        let a = try TestNode("a", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        let b = try TestNode("b", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        try await a.start()
        try a.trust(b)
        let url = a.endpoint + "/federation/v1/pull"
        let body = Array(#"{"vector":{}}"#.utf8)
        // No client certificate: the handshake fails.
        let anonymous = try makeClient(certificateDir: nil, caPath: a.tlsDir + "/ca.pem")
        await #expect(throws: (any Error).self) { _ = try await post(anonymous, url, body: body) }
        try await anonymous.shutdown()
        // A certificate from another CA: refused.
        let foreign = try makeClient(certificateDir: try other.issue("b"), caPath: a.tlsDir + "/ca.pem")
        await #expect(throws: (any Error).self) { _ = try await post(foreign, url, body: body) }
        try await foreign.shutdown()
        // A valid certificate whose node id is not in the trust store: 403 with a JSON error.
        let stranger = try makeClient(certificateDir: try ca.issue("stranger"), caPath: a.tlsDir + "/ca.pem")
        let (code, text) = try await post(stranger, url, body: body)
        #expect(code == 403)
        #expect(text.contains("peer-not-trusted"))
        try await stranger.shutdown()
        // The trusted peer gets in; after `trust remove` it does not (no restart).
        let peer = try makeClient(certificateDir: b.tlsDir, caPath: a.tlsDir + "/ca.pem")
        #expect(try await post(peer, url, body: body).0 == 200)
        #expect(try a.store.removePeer(nodeId: "b"))
        #expect(try await post(peer, url, body: body).0 == 403)
        try await peer.shutdown()
        #expect(a.logs.all.contains("node not in the trust store"))
        await a.stop()
    }

    @Test func malformedAndOversizedRequestsGet4xxAndTheServerKeepsServing() async throws {
        let ca = try TestCA()
        let a = try TestNode("a", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        let b = try TestNode("b", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        try await a.start()
        try a.trust(b)
        let client = try makeClient(certificateDir: b.tlsDir, caPath: a.tlsDir + "/ca.pem")
        let base = a.endpoint + "/federation/v1"
        let cases: [(String, [UInt8], String, Int, String)] = [
            ("/pull", Array("{not json".utf8), "application/json", 400, "bad-request"),
            ("/pull", Array(#"{"vector": {"a": "x"}}"#.utf8), "application/json", 400, "vector"),
            ("/pull", Array(#"{"limits": 1}"#.utf8), "application/json", 400, "vector"),
            ("/pull", Array(#"{"vector": {"NOT VALID": 1}}"#.utf8), "application/json", 400, "invalid node id"),
            ("/pull", Array(repeating: 32, count: 200_000), "application/json", 413, "payload-too-large"),
            ("/pull", Array("x".utf8), "text/plain", 415, "unsupported-media-type"),
            ("/notify", Array(#"{"origin": "c", "vector": {}}"#.utf8), "application/json", 400, "origin-mismatch"),
            ("/nope", Array("{}".utf8), "application/json", 404, "not-found"),
        ]
        for (path, body, type, status, needle) in cases {
            let (code, text) = try await post(client, base + path, body: body, contentType: type)
            #expect(code == status, "\(path) \(needle): \(code) \(text)")
            #expect(text.contains("\"error\""), "\(path): not a JSON error: \(text)")
            #expect(text.contains(needle), "\(path): \(text)")
        }
        // Still serving.
        #expect(try await post(client, base + "/pull", body: Array(#"{"vector":{}}"#.utf8)).0 == 200)
        #expect(try await post(client, base + "/notify", body: Array(#"{"origin":"b","vector":{}}"#.utf8)).0 == 202)
        let (cardCode, card) = try await get(client, base + "/card")
        #expect(cardCode == 200 && card.contains("casebridge.card.v1"))
        try await client.shutdown()
        // Request bodies never reach the log.
        #expect(!a.logs.all.contains("NOT VALID"))
        await a.stop()
    }

    @Test func deletionsPropagateAndNeverResurrect() async throws {
        let ca = try TestCA()
        let fed = SyntheticGenerator(agencies: 1, casesPerAgency: 3, overlap: 0, seed: 9).generate()
        let a = try TestNode("a", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        let b = try TestNode("b", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        let stale = try TestNode("stale", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        _ = try a.importCases(fed.agencies[0].cases)
        try await a.start()
        try await stale.start()
        for (x, y) in [(a, b), (b, a), (a, stale), (stale, a), (b, stale), (stale, b)] { try x.trust(y) }
        try await b.pull(from: a)
        try await stale.pull(from: a)  // holds the live version
        let ref = fed.agencies[0].cases[0].caseRef!
        let phones = (fed.agencies[0].cases[0].subjects ?? []).flatMap { $0.phones ?? [] }
        var q = SearchQuery(purpose: "test")
        q.phones = phones
        if !phones.isEmpty { #expect(try b.search(q).contains { $0.caseRef == ref }) }
        try CaseDeleter(context: a.context, logger: a.logger).delete(caseRef: ref, store: a.store)
        try await b.pull(from: a)
        #expect(try b.count("SELECT count(*) FROM casebridge.records WHERE record_id = 'a/\(ref)' AND deleted") == 1)
        #expect(try b.count("SELECT count(*) FROM casebridge.tokens WHERE record_id = 'a/\(ref)'") == 0)
        if !phones.isEmpty { #expect(try !b.search(q).contains { $0.caseRef == ref }) }
        // The stale node still serves the old version: pulling from it changes nothing at b.
        let report = try await b.pull(from: stale)
        #expect(report.applied == 0)
        #expect(try b.count("SELECT count(*) FROM casebridge.records WHERE record_id = 'a/\(ref)' AND deleted") == 1)
        await a.stop()
        await stale.stop()
    }

    @Test func concurrentJointCaseEditsBecomeSiblingsOnEveryNode() async throws {
        // a creates a joint case with b as co-owner; a and b then edit it without seeing each other's edit.
        // Entries are made with the nodes' real keys and stored as their origins would; replication is real.
        let ca = try TestCA()
        let fed = SyntheticGenerator(agencies: 1, casesPerAgency: 2, overlap: 0, seed: 21).generate()
        let a = try TestNode("a", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        let b = try TestNode("b", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        let c = try TestNode("c", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        for n in [a, b, c] { try await n.start() }
        for x in [a, b, c] { for y in [a, b, c] where x !== y { try x.trust(y) } }
        // A genuine record body, with owners added (sorted keys: owners sorts between opened and status).
        let validated = try CaseImporter(context: a.context, logger: a.logger)
            .validate(bytes: Array(CaseInputCoding.jsonl(fed.agencies[0].cases).utf8), format: .jsonl, progress: nil)
        let record = a.context.pseudonymizer.record(for: validated[0])
        func body(status: String) -> [UInt8] {
            var r = record
            r.status = status
            let plain = String(decoding: Pseudonymizer.encode(r), as: UTF8.self)
            return Array(plain.replacingOccurrences(of: ",\"status\":", with: ",\"owners\":[\"b\"],\"status\":").utf8)
        }
        let rid = "a/\(record.caseRef)"
        func publish(_ n: TestNode, seq: UInt64, version: [String: UInt64], status: String) throws {
            let e = SignedEntry.make(kind: .record, origin: n.id, seq: seq, recordId: rid, version: VersionVector(version),
                                     timestamp: 0, body: body(status: status), key: n.context.signingKey)
            // The origin applies its own entry through the same state machine (log, record state, vector).
            let r = try Replicator(selfId: n.id, logger: n.logger).apply(peer: n.id, entries: [e], store: n.store)
            #expect(r.applied == 1, "\(r.rejected)")
        }
        try publish(a, seq: 1, version: ["a": 1], status: "open")
        try await b.pull(from: a)
        #expect(try b.count("SELECT count(*) FROM casebridge.records WHERE record_id = '\(rid)'") == 1)
        // Concurrent edits: a closes it, b marks it inactive, neither having seen the other.
        try publish(a, seq: 2, version: ["a": 2], status: "closed")
        try publish(b, seq: 1, version: ["a": 1, "b": 1], status: "inactive")
        try await a.pull(from: b)
        try await b.pull(from: a)
        try await c.pull(from: a)
        try await c.pull(from: b)
        for n in [a, b, c] {
            #expect(try n.count("SELECT siblings FROM casebridge.records WHERE record_id = '\(rid)'") == 2, "\(n.id)")
            #expect(try n.count("SELECT count(*) FROM casebridge.record_versions WHERE record_id = '\(rid)'") == 2, "\(n.id)")
        }
        // Search shows the conflict.
        let phones = (fed.agencies[0].cases[0].subjects ?? []).flatMap { $0.phones ?? [] }
        if !phones.isEmpty {
            var q = SearchQuery(purpose: "test")
            q.phones = phones
            #expect(try c.search(q).first { $0.caseRef == record.caseRef }?.conflict == true)
        }
        // a resolves it: a version over the merge of both replaces the siblings everywhere.
        try publish(a, seq: 3, version: ["a": 3, "b": 1], status: "closed")
        try await b.pull(from: a)
        try await c.pull(from: b)  // relayed
        for n in [b, c] {
            #expect(try n.count("SELECT siblings FROM casebridge.records WHERE record_id = '\(rid)'") == 1, "\(n.id)")
            #expect(try n.store.db.execute("SELECT status FROM casebridge.records WHERE record_id = '\(rid)'").scalar == "closed")
        }
        // A node that is not an owner cannot write it: its own node refuses (above), and a forged entry that c
        // puts straight into its log is refused by the others.
        let forged = SignedEntry.make(kind: .record, origin: "c", seq: 1, recordId: rid, version: VersionVector(["a": 9, "c": 1]),
                                      timestamp: 0, body: body(status: "open"), key: c.context.signingKey)
        try c.store.db.transaction {
            try c.store.appendLog(origin: "c", [(1, .record, rid, forged)])
            try c.store.setVector(origin: "c", seq: 1)
        }
        try await a.pull(from: c)
        #expect(try a.vector()["c"] == nil)
        #expect(Set(try a.store.rejections().map(\.reason)).contains("not-an-owner"))
        for n in [a, b, c] { await n.stop() }
    }
}

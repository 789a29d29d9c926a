import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import CasebridgeTestSupport
import Foundation
import Testing

/// Trust lifecycle on real nodes (real PostgreSQL, real mutual TLS).
@Suite(.serialized) struct TrustLifecycleTests {
    static let pkey = PseudonymKey.generate()

    /// A node learns an origin's entries only through a relay, then is served a second, validly signed entry for a
    /// position it holds: it keeps the proof, freezes the origin (its later entries are refused while the relay
    /// itself still accepts them), raises an alert, and resumes once an admin unfreezes.
    @Test func equivocationThroughARelayFreezesTheOrigin() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-equiv", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        let b = try TestNode("us-tx-equiv", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        let c = try TestNode("us-ny-equiv", ca: ca, pseudonymKey: Self.pkey, syncInterval: 3600)
        _ = try a.importLines([caseLine("EQ-1", phone: "+1 305 555 0171"), caseLine("EQ-2", phone: "+1 305 555 0172")])
        for n in [a, b, c] { try await n.start() }
        try a.trust(b); try b.trust(a); try b.trust(c); try c.trust(b); try c.trust(a, direct: false)
        try await b.pull(from: a)
        try await c.pull(from: b)
        #expect(try c.vector()[a.id] == 2)
        // The forgery: A's key signs a different entry for seq 1, and it reaches C (as B relaying it would).
        let forged = SignedEntry.make(
            kind: .record, origin: a.id, seq: 1, recordId: a.context.recordId(caseRef: "EQ-9"), version: VersionVector([a.id: 1]),
            timestamp: 0, body: Array(#"{"agency":"x","caseRef":"EQ-9","format":"casebridge.tombstone.v1"}"#.utf8), key: a.context.signingKey)
        let report = try Replicator(selfId: c.id, logger: c.logger).apply(peer: b.id, entries: [forged], store: c.store)
        #expect(report.equivocations == 1 && report.applied == 0)
        #expect(try c.store.frozenOrigins() == [a.id])
        #expect(try c.openAlerts().contains { $0.kind == "equivocation" && $0.otherOrigin == a.id })
        // The proof: both entries verify under A's key, for the same origin and seq, and differ.
        let evidence = try #require(try c.store.equivocationEvidence(origin: a.id).first)
        let held = try #require(evidence.held)
        let h1 = try held.verify(with: a.context.signingKey.publicKey)
        let h2 = try evidence.conflicting.verify(with: a.context.signingKey.publicKey)
        #expect(h1.origin == h2.origin && h1.seq == h2.seq && held.header != evidence.conflicting.header)
        #expect(evidence.peer == b.id)
        // A publishes more; B accepts it, C refuses it while A is frozen.
        _ = try a.importLines([caseLine("EQ-3", phone: "+1 305 555 0173")])
        try await b.pull(from: a)
        #expect(try b.vector()[a.id] == 3)
        try await c.pull(from: b)
        #expect(try c.vector()[a.id] == 2)
        #expect(try c.store.rejections().contains { $0.reason == "frozen" && $0.origin == a.id })
        // B's own entries still flow to C: only the equivocating origin is frozen.
        _ = try b.importLines([caseLine("B-7", jurisdiction: "US-TX", phone: "+1 305 555 0174")])
        try await c.pull(from: b)
        #expect(try c.vector()[b.id] == 1)
        // An admin resolves it; A's entries apply again.
        #expect(try c.store.unfreezeOrigin(a.id, by: "host:test", resolution: "A revoked the leaked key") == true)
        #expect(try c.store.unfreezeOrigin(a.id, by: "host:test", resolution: "again") == false)
        try await c.pull(from: b)
        #expect(try c.vector()[a.id] == 3)
        #expect(try c.store.frozenList().first?.resolution == "A revoked the leaked key")
        for n in [a, b, c] { await n.stop() }
    }
}

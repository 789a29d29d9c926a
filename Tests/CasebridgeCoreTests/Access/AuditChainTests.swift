import CasebridgeCore
import Foundation
import Testing

/// The audit chain's verification logic, with a stand-in hash (the node uses BLAKE2b-256).
@Suite struct AuditChainTests {
    /// FNV-1a-based 32-byte stand-in: collision-free enough for these tests, no libsodium needed.
    static let chain = AuditChain(hash: { bytes in
        var out: [UInt8] = []
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for round in 0..<4 {
            h ^= UInt64(round)
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: h >> (8 * UInt64(i)))) }
        }
        return out
    })

    static func rows(_ n: Int) -> [AuditRow] {
        var prev = AuditChain.genesis
        return (1...n).map { i in
            let r = chain.chain(
                AuditEvent(actor: "ivan", role: "investigator", action: "search", outcome: "allowed", purpose: "HT-\(i): r", counts: ["hits": i]),
                seq: UInt64(i), at: "2026-11-23T10:00:0\(i % 10).000Z", prevHash: prev)
            prev = r.hash
            return r
        }
    }

    static func verify(_ rows: [AuditRow], anchor: (UInt64, [UInt8])? = nil) -> AuditChain.Break? {
        var v = AuditChain.Verifier(chain: chain, anchor: anchor.map { (seq: $0.0, hash: $0.1) })
        for r in rows { guard v.feed(r) else { break } }
        v.finish()
        return v.firstBreak
    }

    @Test func intactChainVerifies() {
        #expect(Self.verify(Self.rows(8)) == nil)
        #expect(Self.verify([]) == nil)
    }

    @Test func editedContentIsNamed() {
        var rows = Self.rows(6)
        rows[3].entry = rows[3].entry.replacingOccurrences(of: "\"hits\":4", with: "\"hits\":40")
        let b = Self.verify(rows)
        #expect(b?.kind == .edited && b?.seq == 4)
    }

    @Test func editedColumnBesideTheContentIsNamed() {
        var rows = Self.rows(6)
        rows[1].actor = "mallory"
        #expect(Self.verify(rows)?.kind == .edited)
        #expect(Self.verify(rows)?.seq == 2)
    }

    @Test func deletedRowIsNamed() {
        var rows = Self.rows(6)
        rows.remove(at: 2)
        let b = Self.verify(rows)
        #expect(b?.kind == .deleted && b?.seq == 3)
    }

    @Test func deletedAndRenumberedIsCaught() {
        var rows = Self.rows(6)
        rows.remove(at: 2)
        for i in 2..<rows.count { rows[i].seq -= 1 }
        let b = Self.verify(rows)
        #expect(b?.kind == .reordered && b?.seq == 3)
    }

    @Test func swappedRowsAreCaught() {
        var rows = Self.rows(6)
        rows.swapAt(1, 2)
        // Fed out of seq order (the store reads in seq order, so this only happens to a broken reader): caught.
        #expect(Self.verify(rows) != nil)
        // Swapped contents under kept seqs.
        var rows2 = Self.rows(6)
        let (s1, s2) = (rows2[1].seq, rows2[2].seq)
        rows2.swapAt(1, 2)
        rows2[1].seq = s1
        rows2[2].seq = s2
        let b = Self.verify(rows2)
        #expect(b?.kind == .reordered && b?.seq == 2)
    }

    @Test func anchorCatchesTruncationAndConsistentRewrite() {
        let rows = Self.rows(6)
        let anchor = (UInt64(6), rows[5].hash)
        #expect(Self.verify(rows, anchor: anchor) == nil)
        #expect(Self.verify(Array(rows.prefix(4)), anchor: anchor)?.kind == .truncated)
        // Rewrite from row 3 on with different content but a consistent chain.
        var rewritten = Array(rows.prefix(2))
        var prev = rows[1].hash
        for i in 3...6 {
            let r = Self.chain.chain(
                AuditEvent(actor: "ivan", action: "search", outcome: "allowed", counts: ["hits": 0]), seq: UInt64(i),
                at: "2026-11-23T10:00:0\(i).000Z", prevHash: prev)
            prev = r.hash
            rewritten.append(r)
        }
        #expect(Self.verify(rewritten) == nil, "the chain alone cannot tell")
        #expect(Self.verify(rewritten, anchor: anchor)?.kind == .edited)
    }

    @Test func canonicalEntryRoundTripsAndIsStable() {
        let e = AuditEvent(actor: "a", role: "supervisor", action: "case.purge", outcome: "ok", purpose: "r", target: "C-1", counts: ["x": 1], details: ["k": "v/w"])
        let s = AuditChain.canonicalEntry(e, seq: 9, at: "2026-01-01T00:00:00.000Z")
        #expect(s == AuditChain.canonicalEntry(e, seq: 9, at: "2026-01-01T00:00:00.000Z"))
        #expect(s.hasPrefix("{\"action\":\"case.purge\",\"actor\":\"a\",\"at\":"))
        let d = AuditChain.decodeEntry(s)
        #expect(d?.seq == 9 && d?.event == e)
    }
}

@Suite struct AccessTokenTests {
    @Test func tokensParseOnlyInTheirExactShape() {
        let t = APIToken(user: "dana.r", secret: Array(repeating: 0xAB, count: 32))
        #expect(APIToken(parsing: t.text) == t)
        #expect(APIToken(parsing: " " + t.text + "\n") == t)
        #expect(APIToken(parsing: "cbt_dana_" + String(repeating: "ab", count: 31)) == nil)
        #expect(APIToken(parsing: "cbt__" + String(repeating: "ab", count: 32)) == nil)
        #expect(APIToken(parsing: "cbt_Dana_" + String(repeating: "ab", count: 32)) == nil)
        #expect(APIToken(parsing: "xyz_dana_" + String(repeating: "ab", count: 32)) == nil)
        #expect(APIToken(parsing: "cbt_dana_" + String(repeating: "zz", count: 32)) == nil)
        // A user name may hold underscores: the secret is what follows the last one.
        let u = APIToken(user: "a_b", secret: Array(repeating: 1, count: 32))
        #expect(APIToken(parsing: u.text) == u)
    }

    @Test func userNames() {
        #expect(APIToken.isValidUserName("dana"))
        #expect(APIToken.isValidUserName("d-1.x_y"))
        #expect(!APIToken.isValidUserName(""))
        #expect(!APIToken.isValidUserName("-dana"))
        #expect(!APIToken.isValidUserName("Dana"))
        #expect(!APIToken.isValidUserName(String(repeating: "a", count: 64)))
    }

    @Test func separationOfDutiesInTheMatrix() {
        #expect(AccessPolicy.allowedRoles(.search) == [.investigator, .supervisor])
        #expect(AccessPolicy.allowedRoles(.auditRead) == [.supervisor, .admin])
        #expect(AccessPolicy.allowedRoles(.casePurge) == [.supervisor])
        #expect(!AccessPolicy.allows(.admin, .caseView) && !AccessPolicy.allows(.investigator, .casePurge))
        #expect(LocalAction.allCases.allSatisfy { !AccessPolicy.allowedRoles($0).isEmpty })
    }
}

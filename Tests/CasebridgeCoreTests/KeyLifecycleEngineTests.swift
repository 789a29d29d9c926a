import CasebridgeCore
import CasebridgeCrypto
import Foundation
import Testing

/// Signing-key rotation and revocation in the replication state machine (trust entries, kind 3).
@Suite struct KeyLifecycleEngineTests {
    typealias Engine = ReplicationEngine<[String]>

    /// An origin with a current key that can rotate, and a log writer.
    final class Origin {
        let id: String
        var key = SigningKey.generate()
        var seq: UInt64 = 0
        init(_ id: String) { self.id = id }

        func record(_ ref: String, counter: UInt64, key signer: SigningKey? = nil) -> SignedEntry {
            seq += 1
            return SignedEntry.make(
                kind: .record, origin: id, seq: seq, recordId: "\(id)/\(ref)", version: VersionVector([id: counter]), timestamp: 0,
                body: Array(#"{"caseRef":"\#(ref)"}"#.utf8), key: signer ?? key)
        }

        func statement(_ s: TrustStatement, key signer: SigningKey? = nil) -> SignedEntry {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return SignedEntry.make(
                kind: .trust, origin: id, seq: s.type == .keyRotation ? s.fromSeq - 1 : seq, recordId: "\(id)/.trust",
                version: VersionVector([id: 1]), timestamp: 0, body: Array(try! encoder.encode(s)), key: signer ?? key)
        }

        /// A rotation entry at the next seq, signed by the current key; the new key signs from the seq after it.
        func rotate(to newKey: SigningKey = .generate(), proofKey: SigningKey? = nil) -> (SignedEntry, SigningKey) {
            seq += 1
            let from = seq + 1
            let proof = (proofKey ?? newKey).sign(TrustStatement.rotationProofMessage(origin: id, keyId: newKey.publicKey.keyId, fromSeq: from))
            let e = statement(.rotation(origin: id, keyId: newKey.publicKey.keyIdHex, publicKey: Hex.encode(newKey.publicKey.bytes), fromSeq: from, proof: Hex.encode(proof)))
            key = newKey
            return (e, newKey)
        }

        func revoke(_ revoked: SigningKey, fromSeq: UInt64, signer: SigningKey? = nil) -> SignedEntry {
            seq += 1
            return statement(.revocation(origin: id, keyId: revoked.publicKey.keyIdHex, fromSeq: fromSeq, reason: "laptop stolen"), key: signer)
        }
    }

    static func engine(_ keys: [String: [Engine.OriginKey]]) -> Engine {
        Engine(
            keys: keys,
            checkSignature: { e, pk in
                guard let k = try? SigningPublicKey(bytes: pk) else { return false }
                return (try? e.verify(with: k)) != nil
            },
            decodeBody: { h, entry throws(EntryError) in
                guard let body = entry.body else { throw EntryError(code: "body", reason: "no body") }
                if h.kind == .trust {
                    guard let s = try? JSONDecoder().decode(TrustStatement.self, from: Data(body)) else { throw EntryError(code: "body", reason: "bad statement") }
                    return .init(caseRef: ".trust", owners: [], payload: nil, statement: s)
                }
                guard let obj = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], let ref = obj["caseRef"] as? String
                else { throw EntryError(code: "body", reason: "bad body") }
                return .init(caseRef: ref, owners: [], payload: [ref])
            })
    }

    static func key(_ k: SigningKey, from: UInt64 = 1, until: UInt64? = nil, revokedFrom: UInt64? = nil) -> Engine.OriginKey {
        .init(keyId: k.publicKey.keyId, publicKey: k.publicKey.bytes, validFromSeq: from, validUntilSeq: until, revokedFromSeq: revokedFrom)
    }

    static func apply(_ engine: Engine, _ es: [SignedEntry], _ snapshot: Engine.Snapshot) -> Engine.Outcome {
        engine.apply(es, digests: es.map(\.identityDigest), to: snapshot)
    }

    @Test func aRotationIsAcceptedAndPausesItsOriginUntilTheKeysAreUpdated() {
        let a = Origin("a")
        let old = a.key
        let e1 = a.record("1", counter: 1)
        let (rot, new) = a.rotate()
        let e3 = a.record("2", counter: 1)
        let out = Self.apply(Self.engine(["a": [Self.key(old)]]), [e1, rot, e3], .init(vector: [:]))
        #expect(out.accepted.count == 2)
        #expect(out.accepted.last?.statement?.type == .keyRotation)
        #expect(out.accepted.last?.statement?.keyId == new.publicKey.keyIdHex)
        #expect(out.paused == 1)
        #expect(out.rejected.isEmpty)
        #expect(out.vector == ["a": 2])

        // The caller applied the rotation: the old key stops at 2, the new one signs from 3.
        let after = Self.engine(["a": [Self.key(old, until: 2), Self.key(new, from: 3)]])
        let next = Self.apply(after, [e3], .init(vector: ["a": 2]))
        #expect(next.accepted.count == 1 && next.rejected.isEmpty)
        // An entry the old key signs after the rotation is refused.
        let forged = SignedEntry.make(
            kind: .record, origin: "a", seq: 4, recordId: "a/3", version: VersionVector(["a": 1]), timestamp: 0,
            body: Array(#"{"caseRef":"3"}"#.utf8), key: old)
        let refused = Self.apply(after, [forged], .init(vector: ["a": 3]))
        #expect(refused.rejected.map(\.reason) == [.keyNotValid])
        // But a copy of an entry it signed before the rotation is still a duplicate, not a refusal.
        let again = Self.apply(after, [e1], .init(vector: ["a": 3], heldDigests: [EntryPosition(origin: "a", seq: 1): e1.identityDigest]))
        #expect(again.duplicates == 1 && again.rejected.isEmpty)
    }

    @Test func aRotationWithABadFromSeqOrAStolenKeyOrRecordIdIsRefused() {
        let b = Origin("b")
        let bOld = b.key
        // fromSeq must be the rotation entry's seq + 1 (no seq without a valid key, no overlap).
        let skewed = SignedEntry.make(
            kind: .trust, origin: "b", seq: 1, recordId: "b/.trust", version: VersionVector(["b": 1]), timestamp: 0,
            body: Array(#"{"format":"casebridge.trust.v1","fromSeq":5,"keyId":"\#(String(repeating: "a", count: 32))","origin":"b","proof":"\#(String(repeating: "0", count: 128))","publicKey":"\#(String(repeating: "b", count: 64))","type":"key-rotation"}"#.utf8),
            key: bOld)
        let out = Self.apply(Self.engine(["b": [Self.key(bOld)]]), [skewed], .init(vector: [:]))
        #expect(out.rejected.map(\.reason) == [.malformed])
        #expect(out.rejected.first?.message.contains("fromSeq") == true)
        // A rotation to a key another origin already uses is refused.
        let a = Origin("a"), c = Origin("c")
        let cOld = c.key
        let (steal, _) = c.rotate(to: a.key)
        let out2 = Self.apply(Self.engine(["a": [Self.key(a.key)], "c": [Self.key(cOld)]]), [steal], .init(vector: [:]))
        #expect(out2.rejected.map(\.reason) == [.malformed])
        #expect(out2.rejected.first?.message.contains("already a key of a") == true)
        // A trust entry under another record id is refused.
        let d = Origin("d")
        let wrongId = SignedEntry.make(
            kind: .trust, origin: "d", seq: 1, recordId: "d/case", version: VersionVector(["d": 1]), timestamp: 0, body: Array("{}".utf8), key: d.key)
        #expect(Self.apply(Self.engine(["d": [Self.key(d.key)]]), [wrongId], .init(vector: [:])).rejected.map(\.reason) == [.malformed])
    }

    @Test func entriesOfARevokedKeyFromItsSeqOnAreQuarantinedNotApplied() {
        let a = Origin("a")
        let old = a.key
        let genuine = a.record("1", counter: 1)  // seq 1
        let forged1 = a.record("1", counter: 9)  // seq 2, by the thief holding `old`
        let forged2 = a.record("x", counter: 1)  // seq 3
        let (rot, new) = a.rotate()  // seq 4, the new key signs from 5
        let rev = a.revoke(old, fromSeq: 2)  // seq 5, signed by the new key
        let keys: [String: [Engine.OriginKey]] = ["a": [Self.key(old, until: 4), Self.key(new, from: 5)]]
        // A node that held 1..4 when the revocation arrived: the revocation is accepted as a statement.
        let out = Self.apply(Self.engine(keys), [rev], .init(vector: ["a": 4]))
        #expect(out.accepted.count == 1)
        #expect(out.accepted[0].statement?.type == .keyRevocation)
        #expect(out.accepted[0].statement?.fromSeq == 2)
        // A node that learns the revocation first (keys carry it) and then sees the forged entries (here: the same
        // batch replayed at a node whose keys already know the revocation) quarantines them and applies the genuine one.
        let revoked: [String: [Engine.OriginKey]] = ["a": [Self.key(old, until: 4, revokedFrom: 2), Self.key(new, from: 5)]]
        let replay = Self.apply(Self.engine(revoked), [genuine, forged1, forged2, rot], .init(vector: [:]))
        #expect(replay.rejected.isEmpty)
        #expect(replay.accepted.map(\.quarantined) == [false, true, true, false])
        #expect(replay.records.keys.sorted() == ["a/1"])
        #expect(replay.records["a/1"]?.first?.version == VersionVector(["a": 1]))
        #expect(replay.vector == ["a": 4])
    }

    @Test func aRevocationSignedByTheRevokedKeyOrNamingAStrangersKeyIsRefused() {
        let a = Origin("a")
        let old = a.key
        _ = a.record("1", counter: 1)
        let selfRevoke = a.revoke(old, fromSeq: 1, signer: old)
        let out = Self.apply(Self.engine(["a": [Self.key(old)]]), [selfRevoke], .init(vector: ["a": 1]))
        #expect(out.rejected.map(\.reason) == [.malformed])
        #expect(out.rejected.first?.message.contains("other than the revoked") == true)

        let b = Origin("b")
        let stranger = SigningKey.generate()
        let (rot, new) = b.rotate()
        _ = rot
        let unknown = b.revoke(stranger, fromSeq: 1, signer: new)
        let out2 = Self.apply(Self.engine(["b": [Self.key(new, from: 2)]]), [unknown], .init(vector: ["b": 1]))
        #expect(out2.rejected.map(\.reason) == [.malformed])
    }
}

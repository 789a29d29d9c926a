import CasebridgeCore
import CasebridgeCrypto
import Foundation
import Testing

/// The replication state machine, without sockets or a database.
@Suite struct ReplicationEngineTests {
    typealias Engine = ReplicationEngine<[String]>

    struct Node {
        let id: String
        let key = SigningKey.generate()
        var seq: UInt64 = 0

        init(_ id: String) { self.id = id }

        /// The next entry of this origin for `recordId` with `version`; body carries caseRef and owners.
        mutating func entry(_ recordId: String, version: [String: UInt64], owners: [String] = [], tombstone: Bool = false, seq: UInt64? = nil) -> SignedEntry {
            self.seq = seq ?? self.seq + 1
            let caseRef = String(recordId.split(separator: "/", maxSplits: 1)[1])
            let body = tombstone
                ? Array(#"{"caseRef":"\#(caseRef)"}"#.utf8)
                : Array(#"{"caseRef":"\#(caseRef)","owners":[\#(owners.map { "\"\($0)\"" }.joined(separator: ","))]}"#.utf8)
            return SignedEntry.make(
                kind: tombstone ? .tombstone : .record, origin: id, seq: self.seq, recordId: recordId,
                version: VersionVector(version), timestamp: 0, body: body, key: key)
        }

        var originKey: Engine.OriginKey { .init(keyId: key.publicKey.keyId, publicKey: key.publicKey.bytes) }
    }

    static func engine(_ nodes: [Node], keys override: [String: [Engine.OriginKey]] = [:]) -> Engine {
        var keys: [String: [Engine.OriginKey]] = [:]
        for n in nodes { keys[n.id] = [n.originKey] }
        keys.merge(override) { $1 }
        return Engine(
            keys: keys,
            checkSignature: { e, pk in
                guard let k = try? SigningPublicKey(bytes: pk) else { return false }
                return (try? e.verify(with: k)) != nil
            },
            decodeBody: { h, entry throws(EntryError) in
                guard let body = entry.body, let obj = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                      let caseRef = obj["caseRef"] as? String
                else { throw EntryError(code: "body", reason: "bad body") }
                let owners = obj["owners"] as? [String] ?? []
                return .init(caseRef: caseRef, owners: owners, payload: owners)
            })
    }

    static func digests(_ es: [SignedEntry]) -> [[UInt8]] { es.map { Blake2b.hash($0.framed()) } }

    static func apply(_ engine: Engine, _ es: [SignedEntry], _ snapshot: Engine.Snapshot) -> Engine.Outcome {
        engine.apply(es, digests: digests(es), to: snapshot)
    }

    @Test func acceptsContiguousEntriesAndAdvancesTheVector() {
        var a = Node("a"), b = Node("b")
        let batch = [a.entry("a/1", version: ["a": 1]), a.entry("a/2", version: ["a": 1]), b.entry("b/1", version: ["b": 1])]
        let out = Self.apply(Self.engine([a, b]), batch, .init(vector: [:]))
        #expect(out.accepted.count == 3)
        #expect(out.rejected.isEmpty)
        #expect(out.vector == ["a": 2, "b": 1])
        #expect(out.records.keys.sorted() == ["a/1", "a/2", "b/1"])
    }

    @Test func aGapStopsThatOriginOnlyAndIsRecorded() {
        var a = Node("a"), b = Node("b")
        let a1 = a.entry("a/1", version: ["a": 1])
        _ = a.entry("a/2", version: ["a": 1])  // never sent: the gap
        let a3 = a.entry("a/3", version: ["a": 1]), a4 = a.entry("a/4", version: ["a": 1])
        let b1 = b.entry("b/1", version: ["b": 1])
        let out = Self.apply(Self.engine([a, b]), [a1, a3, a4, b1], .init(vector: [:]))
        #expect(out.vector == ["a": 1, "b": 1])
        #expect(out.rejected.count == 1)
        #expect(out.rejected.first?.reason == .gap)
        #expect(out.rejected.first?.seq == 3)
        #expect(out.skipped == 1)
    }

    @Test func forgedEntriesAreRefusedWithReasonsAndGoodOnesApply() {
        var a = Node("a"), b = Node("b"), c = Node("c"), mallory = Node("mallory")
        // Bad signature: one flipped bit.
        var bad = a.entry("a/1", version: ["a": 1])
        bad.signature[3] ^= 0x10
        // Unknown origin.
        let unknown = mallory.entry("mallory/1", version: ["mallory": 1])
        // Wrong signer for a record: c writes a's record without an owner grant.
        let wrongWriter = c.entry("a/9", version: ["c": 1])
        // Signed by another node's key: b's header signed with a's key id is caught by the key lookup.
        var impostor = Node("b")
        let forgedB = impostor.entry("b/1", version: ["b": 1])
        let good = b.entry("b/1", version: ["b": 1])
        let out = Self.apply(Self.engine([a, b, c]), [bad, unknown, wrongWriter, forgedB, good], .init(vector: [:]))
        let reasons = Dictionary(uniqueKeysWithValues: out.rejected.map { ($0.origin ?? "?", $0.reason) })
        #expect(reasons["a"] == .badSignature)
        #expect(reasons["mallory"] == .untrustedOrigin)
        #expect(reasons["c"] == .notAnOwner)
        #expect(reasons["b"] == .unknownKey)
        #expect(out.accepted.isEmpty)  // b's good entry waits behind its origin's first bad one
        #expect(out.vector.isEmpty)
        // Served again without the forgery, b's genuine entry applies.
        let out2 = Self.apply(Self.engine([a, b, c]), [good], .init(vector: [:]))
        #expect(out2.vector == ["b": 1])
    }

    @Test func keysAreOnlyValidForTheirSeqRange() {
        var a = Node("a")
        let e1 = a.entry("a/1", version: ["a": 1]), e2 = a.entry("a/2", version: ["a": 1])
        var k = a.originKey
        k.validUntilSeq = 1
        let out = Self.apply(Self.engine([a], keys: ["a": [k]]), [e1, e2], .init(vector: [:]))
        #expect(out.vector == ["a": 1])
        #expect(out.rejected.first?.reason == .keyNotValid)
    }

    @Test func duplicatesAreIgnoredAndDifferentBytesAreEquivocation() {
        var a = Node("a")
        let e1 = a.entry("a/1", version: ["a": 1])
        let e2 = a.entry("a/2", version: ["a": 1])
        var fork = a
        fork.seq = 1
        let e2b = fork.entry("a/2-other", version: ["a": 1])  // same origin, same seq 2, different bytes, valid signature
        let engine = Self.engine([a])
        let first = Self.apply(engine, [e1, e2], .init(vector: [:]))
        #expect(first.vector == ["a": 2])
        let held: [EntryPosition: [UInt8]] = [
            .init(origin: "a", seq: 1): Blake2b.hash(e1.framed()), .init(origin: "a", seq: 2): Blake2b.hash(e2.framed()),
        ]
        let again = Self.apply(engine, [e1, e2], .init(vector: first.vector, heldDigests: held))
        #expect(again.duplicates == 2 && again.accepted.isEmpty && again.equivocations.isEmpty)
        let evil = Self.apply(engine, [e2b], .init(vector: first.vector, heldDigests: held))
        #expect(evil.equivocations.count == 1)
        #expect(evil.equivocations.first?.seq == 2)
        #expect(evil.accepted.isEmpty)
    }

    @Test func tombstoneDominatesAndAnOlderVersionNeverResurrects() {
        var a = Node("a")
        let v1 = a.entry("a/1", version: ["a": 1])
        let v2 = a.entry("a/1", version: ["a": 2])
        let del = a.entry("a/1", version: ["a": 3], tombstone: true)
        let engine = Self.engine([a])
        let out = Self.apply(engine, [v1, v2, del], .init(vector: [:]))
        let state = out.records["a/1"]!
        #expect(state.count == 1 && state[0].deleted && state[0].seq == 3)
        // A relay replays v2 later (as a record version known from elsewhere): it is dominated, nothing changes.
        let (after, current) = Engine.resolve(state, with: RecordVersion(origin: "a", seq: 2, version: VersionVector(["a": 2]), deleted: false))
        #expect(!current)
        #expect(after.count == 1 && after[0].deleted)
    }

    @Test func jointCaseConcurrentEditsBecomeSiblingsAndAMergeReplacesThem() {
        var a = Node("a"), b = Node("b")
        let create = a.entry("a/J", version: ["a": 1], owners: ["b"])
        let editA = a.entry("a/J", version: ["a": 2], owners: ["b"])
        let editB = b.entry("a/J", version: ["a": 1, "b": 1], owners: ["b"])  // b saw only the creation
        let engine = Self.engine([a, b])
        // b's edit arrives first in the stream: it waits for the grant in a's creation, then applies.
        let out = Self.apply(engine, [editB, create, editA], .init(vector: [:]))
        #expect(out.rejected.isEmpty)
        #expect(out.vector == ["a": 2, "b": 1])
        let siblings = out.records["a/J"]!
        #expect(siblings.count == 2)
        #expect(Set(siblings.map(\.origin)) == ["a", "b"])
        // a resolves the conflict: a version over the merge of both dominates and replaces them.
        let merge = a.entry("a/J", version: ["a": 3, "b": 1], owners: ["b"])
        let out2 = Self.apply(engine, [merge], .init(vector: out.vector, records: out.records))
        #expect(out2.records["a/J"]!.count == 1)
        #expect(out2.records["a/J"]![0].seq == 3)
    }

    @Test func aNonOwnerNeverWritesEvenWithAHigherVector() {
        var a = Node("a"), c = Node("c")
        let create = a.entry("a/1", version: ["a": 1], owners: ["b"])
        let hijack = c.entry("a/1", version: ["a": 5, "c": 1])
        let out = Self.apply(Self.engine([a, c]), [create, hijack], .init(vector: [:]))
        #expect(out.vector == ["a": 1])
        #expect(out.rejected.map(\.reason) == [.notAnOwner])
        #expect(out.records["a/1"]!.count == 1)
    }

    @Test func bodyMustMatchTheRecordId() {
        var a = Node("a")
        let key = a.key
        a.seq = 1
        let e = SignedEntry.make(
            kind: .record, origin: "a", seq: 1, recordId: "a/1", version: VersionVector(["a": 1]), timestamp: 0,
            body: Array(#"{"caseRef":"2"}"#.utf8), key: key)
        let out = Self.apply(Self.engine([a]), [e], .init(vector: [:]))
        #expect(out.rejected.first?.reason == .malformed)
    }

    @Test func framesRoundTripAcrossArbitraryChunking() throws {
        var a = Node("a")
        let entries = (0..<20).map { i in a.entry("a/\(i)", version: ["a": 1]) }
        var stream: [UInt8] = []
        for e in entries { PullFrame.append(type: PullFrame.entryType, payload: e.framed(), to: &stream) }
        PullFrame.append(type: PullFrame.endType, payload: Array(#"{"entries":20,"more":false,"vector":{"a":20}}"#.utf8), to: &stream)
        for chunk in [1, 7, 64, 1000, stream.count] {
            var reader = PullFrame.Reader()
            var got: [SignedEntry] = []
            var ended = false
            var i = 0
            while i < stream.count {
                reader.feed(stream[i..<min(stream.count, i + chunk)])
                i += chunk
                while let f = try reader.next() {
                    switch f {
                    case .entry(let e): got.append(e)
                    case .end: ended = true
                    }
                }
            }
            #expect(got == entries)
            #expect(ended)
        }
        // A hostile frame: unknown type, oversized length.
        var r = PullFrame.Reader()
        r.feed([9, 0, 0, 0, 1, 0])
        #expect(throws: EntryError.self) { try r.next() }
        var r2 = PullFrame.Reader()
        r2.feed([1, 0x7f, 0xff, 0xff, 0xff])
        #expect(throws: EntryError.self) { try r2.next() }
    }
}

import CasebridgeCore
import CasebridgeCrypto
import Testing

@Suite struct EntryTests {
    let key = SigningKey.generate()

    func sample(body: [UInt8] = Array(#"{"caseRef":"A-1"}"#.utf8)) -> SignedEntry {
        SignedEntry.make(
            kind: .record, origin: "us-ca-sfpd", seq: 42, recordId: "us-ca-sfpd/A-1",
            version: VersionVector(["us-ca-sfpd": 3, "us-nv-lvmpd": 1]), timestamp: 1_700_000_000_123,
            body: body, key: key)
    }

    @Test func headerRoundTrips() throws {
        let e = sample()
        let h = try EntryHeader(decoding: e.header)
        #expect(h.kind == .record)
        #expect(h.origin == "us-ca-sfpd")
        #expect(h.seq == 42)
        #expect(h.recordId == "us-ca-sfpd/A-1")
        #expect(h.version == VersionVector(["us-ca-sfpd": 3, "us-nv-lvmpd": 1]))
        #expect(h.timestamp == 1_700_000_000_123)
        #expect(h.keyId == key.publicKey.keyId)
        #expect(h.bodyLength == UInt32(e.body!.count))
        #expect(h.encoded() == e.header)
    }

    @Test func verifiesWithTheRightKeyOnly() throws {
        let e = sample()
        #expect(try e.verify(with: key.publicKey).seq == 42)
        let other = SigningKey.generate()
        #expect(throws: EntryError.self) { try e.verify(with: other.publicKey) }
    }

    @Test func flippingAnyBitOfHeaderBodyOrSignatureFails() throws {
        let e = sample()
        for i in 0..<e.header.count {
            for bit in 0..<8 {
                var t = e
                t.header[i] ^= UInt8(1 << bit)
                #expect(throws: EntryError.self, "header byte \(i) bit \(bit)") { try t.verify(with: key.publicKey) }
            }
        }
        for i in 0..<e.body!.count {
            for bit in 0..<8 {
                var t = e
                t.body![i] ^= UInt8(1 << bit)
                #expect(throws: EntryError.self, "body byte \(i) bit \(bit)") { try t.verify(with: key.publicKey) }
            }
        }
        for i in 0..<e.signature.count {
            for bit in 0..<8 {
                var t = e
                t.signature[i] ^= UInt8(1 << bit)
                #expect(throws: EntryError.self, "signature byte \(i) bit \(bit)") { try t.verify(with: key.publicKey) }
            }
        }
    }

    @Test func truncatedOrExtendedPartsFail() throws {
        let e = sample()
        var t = e
        t.body!.append(0x20)
        #expect(throws: EntryError.self) { try t.verify(with: key.publicKey) }
        t = e
        t.header.append(0)
        #expect(throws: EntryError.self) { try t.verify(with: key.publicKey) }
        t = e
        t.header.removeLast()
        #expect(throws: EntryError.self) { try t.verify(with: key.publicKey) }
        t = e
        t.signature.removeLast()
        #expect(throws: EntryError.self) { try t.verify(with: key.publicKey) }
    }

    @Test func expungedBodyStillVerifiesTheHeader() throws {
        var e = sample()
        e.body = nil
        #expect(try e.verify(with: key.publicKey).seq == 42)
    }

    @Test func signatureIsDomainSeparated() throws {
        let e = sample()
        // A signature over the bare header (no domain prefix) must not verify as an entry.
        var t = e
        t.signature = key.sign(e.header)
        #expect(throws: EntryError.self) { try t.verify(with: key.publicKey) }
    }

    @Test func framingRoundTrips() throws {
        let e = sample()
        #expect(try SignedEntry(framed: e.framed()) == e)
        var noBody = e
        noBody.body = nil
        #expect(try SignedEntry(framed: noBody.framed()) == noBody)
        var bytes = e.framed()
        bytes.append(1)
        #expect(throws: EntryError.self) { try SignedEntry(framed: bytes) }
        #expect(throws: EntryError.self) { try SignedEntry(framed: Array(e.framed().dropLast())) }
    }

    @Test func headerDecodingRejectsHostileInput() throws {
        let good = sample().header
        #expect(throws: EntryError.self) { try EntryHeader(decoding: [UInt8]()) }
        var badMagic = good
        badMagic[0] = 0x58
        #expect(throws: EntryError.self) { try EntryHeader(decoding: badMagic) }
        var badKind = good
        badKind[4] = 9
        #expect(throws: EntryError.self) { try EntryHeader(decoding: badKind) }
        // Unsorted vector: build by hand.
        var h = try EntryHeader(decoding: good)
        h.origin = "Not-Valid"
        #expect(throws: EntryError.self) { try EntryHeader(decoding: h.encoded()) }
    }
}

@Suite struct VersionVectorTests {
    @Test func ordering() {
        let a = VersionVector(["a": 2, "b": 1])
        #expect(a.compare(a) == .equal)
        #expect(a.compare(VersionVector(["a": 1, "b": 1])) == .dominates)
        #expect(VersionVector(["a": 1]).compare(a) == .dominated)
        #expect(VersionVector(["a": 3]).compare(a) == .concurrent)
        #expect(VersionVector().compare(a) == .dominated)
        #expect(a.incremented(for: "c") == VersionVector(["a": 2, "b": 1, "c": 1]))
        #expect(a.merged(with: VersionVector(["a": 1, "c": 5])) == VersionVector(["a": 2, "b": 1, "c": 5]))
        #expect(VersionVector(["a": 0]) == VersionVector())
    }
}

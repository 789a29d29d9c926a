import Foundation
import Testing
@testable import CasebridgeCore

@Suite("Canonical JSON writer")
struct CanonicalJSONWriterTests {
    static let generated = SyntheticGenerator(agencies: 3, casesPerAgency: 150, overlap: 0.2, seed: 11).generate()
    static let awkward = "ctl \u{00}\u{01}\u{08}\u{0C}\u{1F}\t\r\n \"q\" \\ / \u{7F} é 中 \u{2028}\u{2029} 🎉 \u{FEFF}"

    static func encoder(_ value: some Encodable) -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! e.encode(value))
    }

    /// Published records built from generated cases, with tokens of the right shape.
    static func records() -> [PublishedRecord] {
        var rng = SystemRandomNumberGenerator()
        func hex() -> String { (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined() }
        var out: [PublishedRecord] = []
        for a in generated.agencies {
            for c in a.cases {
                let subjects = (c.subjects ?? []).map { s in
                    PublishedSubject(
                        role: s.role == "victim" ? nil : s.role,
                        tokens: (0..<Int.random(in: 0...14)).map { i in PublishedToken(kind: ["name", "dob", "name+dob", "phone"][i % 4], token: hex()) }.sorted())
                }
                out.append(PublishedRecord(
                    agency: a.agency, caseRef: c.caseRef ?? "", caseType: c.caseType ?? "", status: c.status ?? "",
                    jurisdiction: c.jurisdiction ?? "", opened: c.opened ?? "",
                    contact: PublishedContact(name: c.contact?.name ?? "", phone: c.contact?.phone, email: c.contact?.email, unit: c.contact?.unit),
                    epoch: 1, subjects: subjects))
            }
        }
        out.append(PublishedRecord(
            agency: awkward, caseRef: "x/y", caseType: "other", status: "open", jurisdiction: "US", opened: "2025-01-01",
            contact: PublishedContact(name: awkward, unit: "a\\b"), epoch: 123_456_789, subjects: [PublishedSubject(role: nil, tokens: [])]))
        out.append(PublishedRecord(
            agency: "", caseRef: "", caseType: "", status: "", jurisdiction: "", opened: "", contact: PublishedContact(name: ""),
            epoch: 0, subjects: []))
        return out
    }

    @Test func publishedRecordsMatchJSONEncoder() {
        for r in Self.records() {
            #expect(r.canonicalJSON == Self.encoder(r), "record \(r.caseRef)")
        }
    }

    @Test func casesMatchJSONEncoder() {
        var cases = Self.generated.agencies.flatMap(\.cases)
        cases.append(CaseInput(caseRef: "odd", narrative: Self.awkward, subjects: [SubjectInput(), SubjectInput(names: [], phones: [Self.awkward])]))
        cases.append(CaseInput(contact: ContactInput()))
        cases.append(CaseInput())
        for c in cases {
            #expect(c.canonicalJSON == Self.encoder(c))
        }
    }

    @Test func contactsTombstonesAndVectorsMatchJSONEncoder() {
        for c in [PublishedContact(name: "A"), PublishedContact(name: Self.awkward, phone: "+1", email: "a@b", unit: "u")] {
            #expect(c.canonicalJSON == Self.encoder(c))
        }
        let t = PublishedTombstone(agency: Self.awkward, caseRef: "A-1")
        #expect(t.canonicalJSON == Self.encoder(t))
        // Node ids are lower-case letters, digits and `-`; counters are UInt64.
        let v = VersionVector(["us-ca-sfpd": 3, "mx-bc-fge": UInt64.max, "b": 1, "a-2": 10])
        #expect(v.canonicalJSON == Self.encoder(v.counters))
        #expect(VersionVector().canonicalJSON == Array("{}".utf8))
    }

    @Test func integersOfEveryMagnitude() {
        for v in [0, 1, 9, 10, 99, 100, 12_345, Int(Int32.max), Int.max, -1, -10, Int.min] {
            var w = CanonicalJSONWriter()
            w.integer(v)
            #expect(String(decoding: w.bytes, as: UTF8.self) == String(v))
        }
    }
}

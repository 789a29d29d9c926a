import Foundation
import Testing
@testable import CasebridgeCore

@Suite("Synthetic generator")
struct SyntheticGeneratorTests {
    static let small = SyntheticGenerator(agencies: 5, casesPerAgency: 200, overlap: 0.25, seed: 7).generate()

    static func fingerprint(_ f: SyntheticFederation) -> String {
        f.agencies.map { $0.nodeId + "\n" + CaseInputCoding.jsonl($0.cases) }.joined() + CaseInputCoding.jsonl(truth: f.truth)
    }

    @Test func sameSeedSameOutput() {
        let again = SyntheticGenerator(agencies: 5, casesPerAgency: 200, overlap: 0.25, seed: 7).generate()
        #expect(Self.fingerprint(again) == Self.fingerprint(Self.small))
    }

    @Test func differentSeedDifferentOutput() {
        let other = SyntheticGenerator(agencies: 5, casesPerAgency: 200, overlap: 0.25, seed: 8).generate()
        #expect(Self.fingerprint(other) != Self.fingerprint(Self.small))
        #expect(other.agencies.map(\.nodeId) == Self.small.agencies.map(\.nodeId))
    }

    @Test func shapeAndUniqueIdentifiers() {
        let f = SyntheticGenerator(agencies: 40, casesPerAgency: 3, overlap: 0.1, seed: 1).generate()
        #expect(f.agencies.count == 40)
        #expect(Set(f.agencies.map(\.nodeId)).count == 40)
        #expect(Set(f.agencies.map(\.agency)).count == 40)
        #expect(f.agencies[0].nodeId == "us-ca-sfpd")
        #expect(f.agencies[0].agency == "San Francisco Police Department")
        #expect(f.agencies.allSatisfy { $0.cases.count == 3 })
        let allRefs = f.agencies.flatMap { $0.cases.compactMap(\.caseRef) }
        #expect(Set(allRefs).count == 120)
        let regions = Set(f.agencies.map(\.defaultRegion))
        #expect(regions == ["US", "MX", "CA", "GB"])
    }

    @Test func emptyParameters() {
        #expect(SyntheticGenerator(agencies: 0, casesPerAgency: 10, overlap: 0.5, seed: 1).generate().agencies.isEmpty)
        let one = SyntheticGenerator(agencies: 1, casesPerAgency: 50, overlap: 1, seed: 1).generate()
        #expect(one.truth.isEmpty)  // nobody to share with
        #expect(one.agencies[0].cases.count == 50)
    }

    static func sharedFraction(_ f: SyntheticFederation) -> Double {
        let subjects = f.agencies.reduce(0) { $0 + $1.cases.reduce(0) { $0 + ($1.subjects?.count ?? 0) } }
        let shared = f.truth.reduce(0) { $0 + $1.cases.count }
        return Double(shared) / Double(subjects)
    }

    @Test(arguments: [0.0, 0.1, 0.5, 0.9])
    func overlapIsRoughlyHonoured(overlap: Double) {
        let f = SyntheticGenerator(agencies: 6, casesPerAgency: 300, overlap: overlap, seed: 3).generate()
        let fraction = Self.sharedFraction(f)
        #expect(abs(fraction - overlap) < 0.03, "wanted \(overlap), got \(fraction)")
        if overlap == 0 { #expect(f.truth.isEmpty) }
    }

    @Test func truthLinksPointAtExistingSubjects() throws {
        let f = Self.small
        #expect(!f.truth.isEmpty)
        var byKey: [String: CaseInput] = [:]
        for a in f.agencies { for c in a.cases { byKey[a.nodeId + "/" + c.caseRef!] = c } }
        var seenSlots = Set<String>()
        for link in f.truth {
            #expect(link.cases.count >= 2)
            #expect(Set(link.cases.map(\.nodeId)).count == link.cases.count, "one person appears once per agency")
            #expect(link.sharedIdentifiers.allSatisfy { TruthLink.identifierKinds.contains($0) })
            for tc in link.cases {
                let c = try #require(byKey[tc.nodeId + "/" + tc.caseRef])
                #expect(tc.subjectIndex >= 0 && tc.subjectIndex < (c.subjects?.count ?? 0))
                #expect(seenSlots.insert("\(tc.nodeId)/\(tc.caseRef)/\(tc.subjectIndex)").inserted)
            }
        }
        #expect(Set(f.truth.map(\.personId)).count == f.truth.count)
    }

    /// Digits of a phone number in E.164 form, as a validator for the agency's region would read it.
    static func e164(_ raw: String, region: String) -> String? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        if let x = text.range(of: " x") { text = String(text[..<x.lowerBound]) }
        let digits = text.filter(\.isNumber)
        guard digits.count == text.filter({ "0123456789".contains($0) }).count else { return nil }
        if text.hasPrefix("+") { return digits }
        if region == "US" || region == "CA" {
            if digits.hasPrefix("011") { return String(digits.dropFirst(3)) }
            guard digits.count == 10, let a = digits.first, a >= "2", digits[digits.index(digits.startIndex, offsetBy: 3)] >= "2" else { return nil }
            return "1" + digits
        }
        if digits.hasPrefix("00") { return String(digits.dropFirst(2)) }
        if region == "MX" { return digits.count == 10 ? "52" + digits : nil }
        if region == "GB" { return digits.count == 11 && digits.hasPrefix("0") ? "44" + digits.dropFirst() : nil }
        return nil
    }

    static func isValidDOB(_ dob: String, format: String?) -> Bool {
        let iso = /^(\d{4})-(\d{2})-(\d{2})$/
        let long = /^(\d{1,2}) (January|February|March|April|May|June|July|August|September|October|November|December) (\d{4})$/
        let dots = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/
        let slash = /^(\d{2})\/(\d{2})\/(\d{4})$/
        if dob.wholeMatch(of: iso) != nil || dob.wholeMatch(of: long) != nil || dob.wholeMatch(of: dots) != nil { return format == nil }
        guard let m = dob.wholeMatch(of: slash) else { return false }
        let first = Int(m.1)!, second = Int(m.2)!
        switch format {
        case "mdy": return first <= 12 && second <= 31
        case "dmy": return second <= 12 && first <= 31
        case nil: return first > 12 || second > 12
        default: return false
        }
    }

    @Test func everyCaseIsValidInput() throws {
        let f = SyntheticGenerator(agencies: 18, casesPerAgency: 120, overlap: 0.3, seed: 11).generate()
        let refPattern = /^[A-Za-z0-9._:\/-]{1,64}$/
        let isoDate = /^(\d{4})-(\d{2})-(\d{2})$/
        for agency in f.agencies {
            for c in agency.cases {
                let ref = try #require(c.caseRef)
                #expect(ref.wholeMatch(of: refPattern) != nil)
                #expect(["sex-trafficking", "labor-trafficking", "both", "other"].contains(c.caseType ?? ""))
                #expect(["open", "closed", "inactive"].contains(c.status ?? ""))
                #expect(c.jurisdiction == agency.jurisdiction)
                let opened = try #require(c.opened?.wholeMatch(of: isoDate))
                #expect((1...12).contains(Int(opened.2)!) && (1...28).contains(Int(opened.3)!))
                #expect(c.contact?.name?.isEmpty == false)
                if let phone = c.contact?.phone { #expect(Self.e164(phone, region: agency.defaultRegion) != nil, "\(phone)") }
                for s in c.subjects ?? [] {
                    #expect(["suspect", "victim", "witness", "associate"].contains(s.role ?? ""))
                    #expect(s.names?.allSatisfy { $0.given?.isEmpty == false || $0.family?.isEmpty == false } ?? true)
                    if let dob = s.dob { #expect(Self.isValidDOB(dob, format: s.dobFormat), "\(dob) \(s.dobFormat ?? "-")") }
                    for phone in s.phones ?? [] {
                        #expect(Self.e164(phone, region: agency.defaultRegion) != nil, "\(phone) in \(agency.defaultRegion)")
                    }
                    for email in s.emails ?? [] {
                        #expect(email.trimmingCharacters(in: .whitespaces).wholeMatch(of: /^[A-Za-z0-9._]+@[A-Za-z]+(\.[A-Za-z]+)+$/) != nil)
                    }
                    for plate in s.plates ?? [] { #expect(plate.region?.isEmpty == false && plate.plate?.isEmpty == false) }
                    for handle in s.handles ?? [] { #expect(handle.platform?.isEmpty == false && handle.handle?.isEmpty == false) }
                    for doc in s.documents ?? [] {
                        #expect(["passport", "national-id", "drivers-license", "visa", "other"].contains(doc.type ?? ""))
                        #expect(doc.issuer?.isEmpty == false && doc.number?.isEmpty == false)
                    }
                }
            }
        }
    }

    @Test func dataIsVaried() {
        let f = SyntheticGenerator(agencies: 12, casesPerAgency: 200, overlap: 0.2, seed: 5).generate()
        let subjects = f.agencies.flatMap { $0.cases.flatMap { $0.subjects ?? [] } }
        let names = subjects.flatMap { $0.names ?? [] }.flatMap { [$0.given, $0.family].compactMap { $0 } }
        #expect(names.contains { $0.unicodeScalars.contains { (0x0400...0x04FF).contains($0.value) } }, "Cyrillic")
        #expect(names.contains { $0.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } }, "Chinese")
        #expect(names.contains { $0.unicodeScalars.contains { (0x0E00...0x0E7F).contains($0.value) } }, "Thai")
        #expect(names.contains { $0.contains("ễ") || $0.contains("ñ") || $0.contains("ł") })
        #expect(names.contains { $0.contains(", ") }, "FAMILY, Given form")
        #expect(subjects.contains { $0.dobFormat != nil })
        let phones = subjects.flatMap { $0.phones ?? [] }
        #expect(phones.contains { $0.hasPrefix("(") })
        #expect(phones.contains { $0.hasPrefix("+") })
        #expect(phones.contains { $0.hasPrefix("00 ") || $0.hasPrefix("011 ") })
        #expect(phones.contains { $0.contains(" x") })
        #expect(subjects.flatMap { $0.handles ?? [] }.contains { $0.handle?.hasPrefix("https://") == true })
        #expect(subjects.flatMap { $0.emails ?? [] }.contains { $0 != $0.lowercased() || $0.hasSuffix(" ") })
        #expect(f.agencies.flatMap(\.cases).contains { $0.subjects == nil })
        #expect(f.agencies.flatMap(\.cases).contains { $0.narrative?.contains("\"") == true })
    }

    /// The last seven digits identify a generated number in every format it is written in.
    static func phoneTails(_ s: SubjectInput) -> Set<String> {
        Set((s.phones ?? []).map { raw in
            let main = raw.range(of: " x").map { String(raw[..<$0.lowerBound]) } ?? raw
            return String(main.filter(\.isNumber).suffix(7))
        })
    }

    @Test func sharedIdentifiersAreReallyShared() throws {
        let f = SyntheticGenerator(agencies: 6, casesPerAgency: 300, overlap: 0.4, seed: 21).generate()
        var byKey: [String: CaseInput] = [:]
        for a in f.agencies { for c in a.cases { byKey[a.nodeId + "/" + c.caseRef!] = c } }
        var kinds: [String: Int] = [:]
        var typos = 0
        for link in f.truth {
            let subjects = try link.cases.map { tc in try #require(byKey[tc.nodeId + "/" + tc.caseRef]?.subjects?[tc.subjectIndex]) }
            for k in link.sharedIdentifiers { kinds[k, default: 0] += 1 }
            func sharedBySomePair<T: Hashable>(_ values: (SubjectInput) -> Set<T>) -> Bool {
                var seen = Set<T>()
                for s in subjects {
                    let v = values(s)
                    if !seen.isDisjoint(with: v) { return true }
                    seen.formUnion(v)
                }
                return false
            }
            let phoneShared = sharedBySomePair(Self.phoneTails)
            #expect(phoneShared == link.sharedIdentifiers.contains("phone"))
            let emailShared = sharedBySomePair { Set(($0.emails ?? []).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }) }
            #expect(emailShared == link.sharedIdentifiers.contains("email"))
            let docShared = sharedBySomePair { Set(($0.documents ?? []).map { "\($0.type!)|\($0.issuer!)|\($0.number!.uppercased())" }) }
            #expect(docShared == link.sharedIdentifiers.contains("document"))
            if !link.sharedIdentifiers.contains("name") { typos += 1 }
        }
        for kind in TruthLink.identifierKinds { #expect(kinds[kind, default: 0] > 0, "\(kind) never shared") }
        #expect(typos > 0, "some links must be invisible to name matching")
    }

    @Test func jsonlMatchesJSONEncoderAndDecodesBack() throws {
        var cases = Self.small.agencies.flatMap(\.cases)
        cases.append(CaseInput(caseRef: "odd", narrative: "ctl \u{01}\u{08}\u{0C}\t\r\n \"q\" \\ / é 中 \u{2028} 🎉", subjects: [SubjectInput()]))
        cases.append(CaseInput())
        let fast = CaseInputCoding.jsonl(cases)
        #expect(fast == CaseInputCoding.jsonlWithJSONEncoder(cases))
        let lines = fast.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == cases.count + 1 && lines.last == "")
        let decoder = JSONDecoder()
        let back = try lines.dropLast().map { try decoder.decode(CaseInput.self, from: Data($0.utf8)) }
        #expect(back == cases)
        #expect(!fast.contains("\\/"))
    }

    @Test func truthEncodesAsJSONLines() throws {
        let text = CaseInputCoding.jsonl(truth: Self.small.truth)
        let decoded = try text.split(separator: "\n").map { try JSONDecoder().decode(TruthLink.self, from: Data($0.utf8)) }
        #expect(decoded == Self.small.truth)
    }
}

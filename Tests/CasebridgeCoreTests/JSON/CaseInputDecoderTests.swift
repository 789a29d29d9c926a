import Foundation
import Testing
@testable import CasebridgeCore

@Suite("Case input decoder")
struct CaseInputDecoderTests {
    static func issues(_ line: String) -> [String] {
        CaseInputDecoder.decode(line: 4, bytes: Array(line.utf8)).1.map { "\($0.line)|\($0.field)|\($0.reason)" }
    }

    @Test func decodesGeneratedCasesLikeJSONDecoder() throws {
        let cases = SyntheticGenerator(agencies: 2, casesPerAgency: 150, overlap: 0.2, seed: 5).generate().agencies.flatMap(\.cases)
        for (c, line) in zip(cases, CaseInputCoding.jsonl(cases).split(separator: "\n")) {
            let (decoded, issues) = CaseInputDecoder.decode(line: 1, bytes: Array(line.utf8))
            #expect(issues.isEmpty)
            #expect(decoded == c)
            #expect(decoded == (try JSONDecoder().decode(CaseInput.self, from: Data(line.utf8))))
        }
    }

    @Test func nullsAreAbsentValues() {
        let (c, issues) = CaseInputDecoder.decode(
            line: 1, bytes: Array(#"{"caseRef":"A","contact":null,"narrative":null,"subjects":[{"role":"victim","phones":null}]}"#.utf8))
        #expect(issues.isEmpty)
        #expect(c == CaseInput(caseRef: "A", subjects: [SubjectInput(role: "victim")]))
    }

    @Test func linesThatAreNotObjects() {
        #expect(Self.issues("{not json") == ["4||not valid JSON"])
        #expect(Self.issues(#"["an array"]"#) == ["4||each line must be a JSON object"])
        #expect(Self.issues(#""a string""#) == ["4||not valid JSON"])
        #expect(Self.issues(#"{"caseRef":"A"} {}"#) == ["4||not valid JSON"])
        // A type problem before a syntax error is not reported: the line is simply not JSON.
        #expect(Self.issues(#"{"caseRef":1,"#) == ["4||not valid JSON"])
    }

    @Test func wrongTypesAreReportedWithTheirPaths() {
        let line = #"{"caseRef":1,"contact":"x","subjects":[{"role":true,"names":[{"given":2},"n"],"phones":["1",2,null],"plates":{}},3]}"#
        #expect(Self.issues(line) == [
            "4|caseRef|must be a string",
            "4|contact|must be an object",
            "4|subjects[0].role|must be a string",
            "4|subjects[0].names[0].given|must be a string",
            "4|subjects[0].names[1]|must be an object",
            "4|subjects[0].phones[1]|must be a string",
            "4|subjects[0].phones[2]|must be a string",
            "4|subjects[0].plates|must be an array",
            "4|subjects[1]|must be an object",
        ])
        #expect(Self.issues(#"{"subjects":{"role":"victim"}}"#) == ["4|subjects|must be an array"])
        #expect(Self.issues(#"{"contact":{"name":["A"]}}"#) == ["4|contact.name|must be a string"])
    }

    @Test func unknownKeysAreSortedAndBounded() {
        let long = String(repeating: "k", count: 60)
        let issues = Self.issues(#"{"zeta":1,"alpha":"x","\#(long)":2,"subjects":[{"role":"victim","phone":["1"]}]}"#)
        let allowed = "caseRef, caseType, contact, jurisdiction, narrative, opened, status, subjects"
        #expect(issues == [
            "4|alpha|unknown field (allowed: \(allowed))",
            "4|\(String(repeating: "k", count: 40))…|unknown field (allowed: \(allowed))",
            "4|zeta|unknown field (allowed: \(allowed))",
            "4|subjects[0].phone|unknown field (allowed: aliases, dob, dobFormat, documents, emails, handles, names, phones, plates, role)",
        ])
    }

    @Test func duplicateKeysAreRefused() {
        #expect(Self.issues(#"{"caseRef":"A","caseRef":"B"}"#) == ["4|caseRef|duplicate field (each field may appear once)"])
        #expect(Self.issues(#"{"subjects":[{"role":"victim","names":[{"given":"a","given":"b"}]}]}"#)
            == ["4|subjects[0].names[0].given|duplicate field (each field may appear once)"])
        #expect(CaseInputDecoder.decode(line: 1, bytes: Array(#"{"x":1,"x":2}"#.utf8)).1.count == 2)
    }

    @Test func pathsRenderOnlyWhatTheyHold() {
        let root = CaseInputDecoder.Path.root
        #expect(root.text() == "")
        #expect(root.text("caseRef") == "caseRef")
        #expect(root.appending("contact").text("name") == "contact.name")
        let subject = root.appending("subjects", index: 2)
        #expect(subject.text() == "subjects[2]")
        #expect(subject.appending("plates", index: 0).text("region") == "subjects[2].plates[0].region")
        #expect(subject.appending("phones", index: 11).text() == "subjects[2].phones[11]")
    }

    @Test func issuesNeverQuoteValues() {
        let secret = "4155550199"
        let line = #"{"caseRef":\#(secret),"subjects":[{"phones":[\#(secret)],"dob":{"v":"\#(secret)"}}],"contact":"\#(secret)"}"#
        let issues = CaseInputDecoder.decode(line: 1, bytes: Array(line.utf8)).1
        #expect(!issues.isEmpty)
        for i in issues { #expect(!i.description.contains(secret)) }
        for bad in [#"{"caseRef":"\#(secret)"#, #"{"caseRef":"\#(secret)\q"}"#] {
            for i in CaseInputDecoder.decode(line: 1, bytes: Array(bad.utf8)).1 { #expect(!i.description.contains(secret)) }
        }
    }
}

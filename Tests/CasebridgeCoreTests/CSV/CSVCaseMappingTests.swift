import Testing
import CasebridgeCore

@Suite("CSV case mapping")
struct CSVCaseMappingTests {
    static let header = CSVCaseMapping.columns.joined(separator: ",")

    /// A row from named cells; unnamed columns are empty.
    static func row(_ cells: [String: String]) -> String {
        CSVCaseMapping.columns.map { cells[$0] ?? "" }.joined(separator: ",")
    }

    static func decode(_ rows: [String]) -> (cases: [CSVCaseRecord], issues: [ImportIssue]) {
        CSVCaseMapping.decode(Array(([header] + rows).joined(separator: "\n").utf8))
    }

    static let base = [
        "caseRef": "SFPD-2025-000001", "caseType": "sex-trafficking", "status": "open", "jurisdiction": "US-CA",
        "opened": "2025-01-02", "contactName": "Det. Karen Liu",
    ]

    static func with(_ extra: [String: String]) -> [String: String] { base.merging(extra) { $1 } }

    @Test func columnsListIsTheDocumentedOne() {
        #expect(
            CSVCaseMapping.columns == [
                "caseRef", "caseType", "status", "jurisdiction", "opened", "contactName", "contactPhone",
                "contactEmail", "contactUnit", "narrative", "role", "givenName", "familyName", "otherNames",
                "aliases", "dob", "dobFormat", "phones", "emails", "plates", "handles", "documents",
            ])
        #expect(Set(CSVCaseMapping.requiredColumns) == ["caseRef", "caseType", "status", "jurisdiction", "opened", "contactName", "role"])
    }

    @Test func oneSubjectWithEveryList() throws {
        let (cases, issues) = Self.decode([
            Self.row(
                Self.with([
                    "role": "suspect", "givenName": "José", "familyName": "García", "otherNames": "Pepe/García López",
                    "aliases": "Johnny/Doe|El Flaco/|/Solo", "dob": "03/04/1990", "dobFormat": "mdy",
                    "phones": "(415) 555-0123|+52 664 123 4567", "emails": " Jose@Example.com ",
                    "plates": "US-CA:7ABC123|:NOREGION", "handles": "instagram:https://instagram.com/jose|x:@jg",
                    "documents": "passport:MX:G12345678|drivers-license:US-CA:D1:2", "contactPhone": "(415) 555-0100 x12",
                ]))
        ])
        #expect(issues.isEmpty)
        let c = try #require(cases.first)
        #expect(c.line == 2)
        #expect(c.subjectLines == [2])
        #expect(c.input.contact == ContactInput(name: "Det. Karen Liu", phone: "(415) 555-0100 x12"))
        #expect(c.input.narrative == nil)
        let s = try #require(c.input.subjects?.first)
        #expect(s.role == "suspect")
        #expect(s.names == [NameInput(given: "José", family: "García"), NameInput(given: "Pepe", family: "García López")])
        #expect(s.aliases == [NameInput(given: "Johnny", family: "Doe"), NameInput(given: "El Flaco"), NameInput(family: "Solo")])
        #expect(s.dob == "03/04/1990")
        #expect(s.dobFormat == "mdy")
        #expect(s.phones == ["(415) 555-0123", "+52 664 123 4567"])
        #expect(s.emails == [" Jose@Example.com "])
        #expect(s.plates == [PlateInput(plate: "7ABC123", region: "US-CA"), PlateInput(plate: "NOREGION")])
        #expect(s.handles == [HandleInput(platform: "instagram", handle: "https://instagram.com/jose"), HandleInput(platform: "x", handle: "@jg")])
        #expect(s.documents == [
            DocumentInput(type: "passport", number: "G12345678", issuer: "MX"),
            DocumentInput(type: "drivers-license", number: "D1:2", issuer: "US-CA"),
        ])
    }

    @Test func escapesInListCells() throws {
        let (cases, issues) = Self.decode([
            Self.row(Self.with(["role": "victim", "aliases": #"AC\/DC/Band\|X|Back\\slash/"#, "phones": #"a\|b|c"#, "handles": #"we\:ird:h"#]))
        ])
        #expect(issues.isEmpty)
        let s = try #require(cases.first?.input.subjects?.first)
        #expect(s.aliases == [NameInput(given: "AC/DC", family: "Band|X"), NameInput(given: #"Back\slash"#)])
        #expect(s.phones == ["a|b", "c"])
        #expect(s.handles == [HandleInput(platform: "we:ird", handle: "h")])
    }

    @Test func rowsGroupByCaseRefEvenWhenNotConsecutive() throws {
        let a1 = Self.row(Self.with(["role": "victim", "givenName": "Ana"]))
        let b = Self.row(Self.with(["caseRef": "SFPD-2025-000002", "role": "suspect", "givenName": "Bo"]))
        let a2 = Self.row(Self.with(["role": "suspect", "givenName": "Cy"]))
        let (cases, issues) = Self.decode([a1, b, a2])
        #expect(issues.isEmpty)
        try #require(cases.count == 2)
        #expect(cases[0].input.caseRef == "SFPD-2025-000001")
        #expect(cases[0].line == 2)
        #expect(cases[0].subjectLines == [2, 4])
        #expect(cases[0].input.subjects?.map { $0.names?.first?.given } == ["Ana", "Cy"])
        #expect(cases[1].subjectLines == [3])
    }

    @Test func lineNumbersFollowEmbeddedNewlines() throws {
        let first = Self.row(Self.with(["narrative": "\"Line one\nline two\nline three\"", "role": "victim"]))
        let second = Self.row(Self.with(["narrative": "\"Line one\nline two\nline three\"", "role": "witness"]))
        let third = Self.row(Self.with(["caseRef": "X-2", "role": "suspect", "plates": "NOCOLON"]))
        let (cases, issues) = Self.decode([first, second, third])
        #expect(cases.map(\.line) == [2, 8])
        #expect(cases[0].subjectLines == [2, 5])
        #expect(cases[0].input.narrative == "Line one\nline two\nline three")
        #expect(issues == [ImportIssue(line: 8, field: "subjects[0].plates[0]", reason: "expected REGION:PLATE (1 unescaped ':' separator)")])
    }

    @Test func caseColumnsMustAgreeAcrossRows() {
        let r1 = Self.row(Self.with(["role": "victim", "contactPhone": "(415) 555-0100"]))
        let r2 = Self.row(Self.with(["role": "suspect", "caseType": "labor-trafficking", "contactPhone": "(415) 555-0199"]))
        let r3 = Self.row(Self.with(["role": "witness", "contactPhone": "(415) 555-0100"]))
        let (cases, issues) = Self.decode([r1, r2, r3])
        #expect(cases.count == 1)
        #expect(cases.first?.input.caseType == "sex-trafficking")
        #expect(issues.map(\.line) == [3, 3])
        #expect(issues.map(\.field) == ["caseType", "contact.phone"])
        #expect(issues.allSatisfy { $0.reason.contains("line 2") && !$0.reason.contains("555") })
    }

    @Test func caseWithoutSubjectsIsOneRow() throws {
        let (cases, issues) = Self.decode([Self.row(Self.base)])
        #expect(issues.isEmpty)
        let c = try #require(cases.first)
        #expect(c.input.subjects == nil)
        #expect(c.subjectLines.isEmpty)
        #expect(c.input.contact?.name == "Det. Karen Liu")
    }

    @Test func emptySubjectRowInMultiRowCaseIsAnIssue() {
        let (_, issues) = Self.decode([Self.row(Self.with(["role": "victim"])), Self.row(Self.base)])
        #expect(issues.count == 1)
        #expect(issues.first?.line == 3)
    }

    @Test func headerProblems() {
        let missing = CSVCaseMapping.decode(Array("caseRef,caseType,bogus,caseRef\nA,B,C,D\n".utf8))
        let reasons = missing.issues.map(\.reason)
        #expect(missing.issues.allSatisfy { $0.line == 1 })
        #expect(reasons.contains("column 3 has an unknown name"))
        #expect(reasons.contains("column \"caseRef\" appears more than once"))
        #expect(reasons.contains("required column \"status\" is missing"))
        #expect(!reasons.contains { $0.contains("bogus") })

        let empty = CSVCaseMapping.decode([])
        #expect(empty.cases.isEmpty)
        #expect(empty.issues.map(\.line) == [1])

        // A file without header row: data would be taken as column names and must not be echoed.
        let noHeader = CSVCaseMapping.decode(Array("SFPD-1,sex-trafficking,open,US-CA,2025-01-01,Jane Roe,victim\n".utf8))
        #expect(noHeader.cases.isEmpty)
        #expect(noHeader.issues.contains { $0.reason.contains("header row") })
        #expect(!noHeader.issues.contains { $0.reason.contains("SFPD") || $0.reason.contains("Jane") })
    }

    @Test func optionalColumnsMayBeLeftOutAndColumnsReordered() throws {
        let text = "role,opened,jurisdiction,status,caseType,contactName,caseRef,phones\nvictim,2025-01-01,US-NV,open,other,Det. X,R-1,7025550100\n"
        let (cases, issues) = CSVCaseMapping.decode(Array(text.utf8))
        #expect(issues.isEmpty)
        let c = try #require(cases.first)
        #expect(c.input.caseRef == "R-1")
        #expect(c.input.jurisdiction == "US-NV")
        #expect(c.input.subjects == [SubjectInput(role: "victim", phones: ["7025550100"])])
    }

    @Test func structuralIssuesUseJSONPathsAndNeverValues() {
        let secret = "SECRETVALUE"
        let rows = [
            Self.row(Self.with(["role": "victim", "plates": "US-CA:1|\(secret)", "documents": "passport:\(secret)", "phones": "1||2"])),
            Self.row(Self.with(["role": "suspect", "handles": "\(secret)", "aliases": "ok/fine|trailing\\\\\\"])),
            Self.row(Self.with(["caseRef": "R-9", "narrative": "x\(secret)\"y"])),
            Self.row(Self.with(["caseRef": "R-10"])) + ",extra",
        ]
        let (_, issues) = Self.decode(rows)
        #expect(issues.map(\.field) == [
            "subjects[0].phones[1]", "subjects[0].plates[1]", "subjects[0].documents[0]",
            "subjects[1].aliases[1]", "subjects[1].handles[0]", "", "",
        ])
        #expect(issues.map(\.line) == [2, 2, 2, 3, 3, 4, 5])
        #expect(issues.allSatisfy { !$0.reason.contains(secret) && !$0.description.contains(secret) })
        #expect(issues[5].reason.contains("column 10 \"narrative\""))
        #expect(issues[6].reason == "row has 23 fields but the header has 22")
    }

    @Test func unterminatedQuoteIsReportedAtItsRecord() {
        let rows = [Self.row(Self.with(["role": "victim"])), Self.row(Self.with(["caseRef": "R-2", "narrative": "\"open"])), "more"]
        let (cases, issues) = Self.decode(rows)
        #expect(cases.count == 1)
        #expect(issues.count == 1)
        #expect(issues.first?.line == 3)
        #expect(issues.first?.reason.contains("never closed") == true)
    }

    @Test func roundTripOfTrickyValues() {
        let tricky = "a,b \"q\" |pipe| /slash/ :colon: \\back\\ \n new line \r\n crlf, ünï 中文 Олена"
        let cases = [
            CaseInput(
                caseRef: "R,1\"x", caseType: tricky, status: "open", jurisdiction: "US-CA", opened: "2025-01-01",
                contact: ContactInput(name: tricky, phone: "+1 415", email: nil, unit: tricky), narrative: tricky,
                subjects: [
                    SubjectInput(
                        role: "victim", names: [NameInput(given: tricky, family: tricky), NameInput(given: "/", family: "/"), NameInput(family: "only")],
                        aliases: [NameInput(given: tricky), NameInput(family: tricky)], dob: tricky, dobFormat: "dmy",
                        phones: [tricky, "|", "\\"], emails: [tricky], plates: [PlateInput(plate: tricky, region: tricky), PlateInput(region: "US")],
                        handles: [HandleInput(platform: tricky, handle: tricky), HandleInput(handle: "h")],
                        documents: [DocumentInput(type: tricky, number: tricky, issuer: tricky), DocumentInput(number: ":")]),
                    SubjectInput(role: "suspect"),
                ]),
            CaseInput(caseRef: "R2"),
            CaseInput(caseRef: "R3", subjects: [SubjectInput(names: [NameInput(given: "x")])]),
        ]
        let csv = CSVCaseMapping.encode(cases)
        let (decoded, issues) = CSVCaseMapping.decode(Array(csv.utf8))
        #expect(issues.isEmpty)
        #expect(decoded.map(\.input) == cases)
    }

    @Test func encodeWritesCanonicalForm() {
        let messy = CaseInput(
            caseRef: "R1", caseType: "", contact: ContactInput(), subjects: [SubjectInput(role: "victim", names: [NameInput(given: "")], phones: [], emails: [""])])
        let (decoded, issues) = CSVCaseMapping.decode(Array(CSVCaseMapping.encode([messy]).utf8))
        #expect(issues.isEmpty)
        #expect(decoded.map(\.input) == [CaseInput(caseRef: "R1", subjects: [SubjectInput(role: "victim")])])
    }

    @Test(arguments: [1 as UInt64, 2, 99])
    func roundTripOfGeneratedCases(seed: UInt64) {
        let federation = SyntheticGenerator(agencies: 6, casesPerAgency: 150, overlap: 0.3, seed: seed).generate()
        for agency in federation.agencies {
            let csv = CSVCaseMapping.encode(agency.cases)
            let (decoded, issues) = CSVCaseMapping.decode(Array(csv.utf8))
            #expect(issues.isEmpty)
            #expect(decoded.map(\.input) == agency.cases)
            let rows = agency.cases.reduce(0) { $0 + max(1, $1.subjects?.count ?? 0) }
            #expect(decoded.reduce(0) { $0 + max(1, $1.subjectLines.count) } == rows)
        }
    }
}

import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeStore
import CasebridgeTestSupport
import Foundation
import Testing

@Suite struct ImportTests {
    @Test func importWritesSignedEntriesAndIsIdempotent() throws {
        let n = try NodeFixture("idem")
        let lines = [caseLine(ref: "A-1"), caseLine(ref: "A-2", subjects: "[]")]
        let r1 = try n.importJSONL(lines)
        #expect(r1.created == 2)
        #expect(r1.entries == 2)
        #expect(r1.firstSeq == 1 && r1.lastSeq == 2)
        #expect(try n.count("SELECT count(*) FROM casebridge.origin_log") == 2)
        #expect(try n.store.vector()["us-ca-sfpd"] == 2)

        let before = try n.snapshot()
        let r2 = try n.importJSONL(lines)
        #expect(r2.unchanged == 2)
        #expect(r2.entries == 0)
        #expect(try n.snapshot() == before)

        // Every stored entry verifies with the node's key and decodes to what was published.
        let key = n.context.signingKey.publicKey
        for (seq, e) in try n.store.entries(origin: "us-ca-sfpd") {
            let h = try e.verify(with: key)
            #expect(h.seq == seq)
            #expect(h.kind == .record)
            #expect(h.version == VersionVector(["us-ca-sfpd": 1]))
        }
    }

    @Test func changesWriteNewVersionsAndPrivateOnlyChangesDoNot() throws {
        let n = try NodeFixture("versions")
        _ = try n.importJSONL([caseLine(ref: "A-1")])
        // The narrative is never published: changing it updates the private row only.
        let r = try n.importJSONL([caseLine(ref: "A-1", narrative: "Updated narrative.")])
        #expect(r.privateOnly == 1)
        #expect(r.entries == 0)
        #expect(try n.store.privateCase(caseRef: "A-1")?.json.contains("Updated narrative.") == true)
        // A status change is published: a new version, seq 2, version vector {node: 2}.
        let r2 = try n.importJSONL([caseLine(ref: "A-1", status: "closed")])
        #expect(r2.updated == 1)
        #expect(r2.entries == 1)
        let head = try #require(try n.store.recordHead(recordId: "us-ca-sfpd/A-1"))
        #expect(head.seq == 2)
        #expect(head.version == VersionVector(["us-ca-sfpd": 2]))
        let body = try JSONDecoder().decode(PublishedRecord.self, from: Data(head.entry.body!))
        #expect(body.status == "closed")
    }

    @Test func publishedRecordHoldsTokensNotIdentifiers() throws {
        let n = try NodeFixture("published")
        _ = try n.importJSONL([caseLine(ref: "A-1")])
        let head = try #require(try n.store.recordHead(recordId: "us-ca-sfpd/A-1"))
        let rec = try JSONDecoder().decode(PublishedRecord.self, from: Data(head.entry.body!))
        #expect(rec.caseRef == "A-1")
        #expect(rec.agency == "San Francisco PD")
        #expect(rec.contact.name == "Det. Ana Ruiz")
        #expect(rec.epoch == 1)
        #expect(rec.subjects.count == 2)
        // Suspect role published by default policy; victim role withheld.
        #expect(rec.subjects[0].role == "suspect")
        #expect(rec.subjects[1].role == nil)
        let kinds = Set(rec.subjects[0].tokens.map(\.kind))
        #expect(kinds == ["name", "dob", "name+dob", "phone", "email", "plate", "handle", "document"])
        // The phone token equals the token of the normalized phone under the key.
        let expected = Hex.encode(n.context.pseudonymKey.token(tag: "phone", value: "+14155550134"))
        #expect(rec.subjects[0].tokens.contains(PublishedToken(kind: "phone", token: expected)))
    }

    @Test func everyBadInputClassIsReportedAndNothingIsWritten() throws {
        let n = try NodeFixture("badinput")
        _ = try n.importJSONL([caseLine(ref: "KEEP-1")])
        let before = try n.snapshot()
        let secretPhone = "(415) 555-01999"
        let lines = [
            caseLine(ref: "OK-1"),  // 1: fine, but must not be written either
            "{not json",  // 2
            caseLine(ref: "B-3", caseType: "kidnapping"),  // 3
            caseLine(ref: "B-4", subjects: #"[{"role":"suspect","phones":["\#(secretPhone)"]}]"#),  // 4
            caseLine(ref: "B-5", subjects: #"[{"role":"suspect","phone":["4155550123"]}]"#),  // 5 unknown field
            caseLine(ref: "B-6", subjects: #"[{"role":"suspect","dob":"03/04/1990"}]"#),  // 6 ambiguous
            caseLine(ref: "OK-1"),  // 7 duplicate ref
            caseLine(ref: "B-8", jurisdiction: "XX-ZZ", opened: "2025-02-30"),  // 8 two problems
            caseLine(ref: "B-9", subjects: #"[{"role":"suspect","phones":["1-800-FLOWERS"],"plates":[{"plate":"ABC123"}]}]"#),  // 9
            #"["an array"]"#,  // 10
            caseLine(ref: "B 11!"),  // 11
        ]
        let rejected = try #require(throws: ImportRejected.self) { try n.importJSONL(lines) }
        let found = Set(rejected.issues.map { "\($0.line):\($0.field)" })
        for expected in [
            "2:", "3:caseType", "4:subjects[0].phones[0]", "5:subjects[0].phone", "6:subjects[0].dob", "7:caseRef",
            "8:jurisdiction", "8:opened", "9:subjects[0].phones[0]", "9:subjects[0].plates[0]", "10:", "11:caseRef",
        ] {
            #expect(found.contains(expected), "missing issue \(expected) in \(found.sorted())")
        }
        #expect(!found.contains { $0.hasPrefix("1:") })
        for issue in rejected.issues {
            #expect(!issue.reason.contains("555-0199"))
            #expect(!issue.reason.contains("5550199"))
            #expect(!issue.reason.contains("kidnapping"))
            #expect(!issue.reason.contains("FLOWERS"))
            #expect(!issue.reason.contains("03/04/1990"))
        }
        #expect(try n.snapshot() == before)
    }

    /// The import works in chunks of 4,096 cases (pseudonymized and stored while later ones are still being
    /// prepared): a problem only in the last chunk still refuses the whole file, every problem is listed (first
    /// chunk, last chunk, a duplicate across chunks), and nothing is left behind, however the stages are ordered.
    @Test func problemsInALaterChunkRefuseTheWholeFile() throws {
        let n = try NodeFixture("chunks")
        _ = try n.importJSONL([caseLine(ref: "KEEP-1")])
        let before = try n.snapshot()
        var lines = (1...8_500).map { caseLine(ref: "C-\($0)") }
        // Only the last chunk is bad.
        lines[8_399] = caseLine(ref: "C-8400", caseType: "kidnapping")
        let late = try #require(throws: ImportRejected.self) { try n.importJSONL(lines) }
        #expect(late.issues.map { "\($0.line):\($0.field)" } == ["8400:caseType"])
        #expect(try n.snapshot() == before)

        lines[1] = "{not json"
        lines[8_499] = caseLine(ref: "C-5")
        let all = try #require(throws: ImportRejected.self) { try n.importJSONL(lines) }
        #expect(all.issues.map { "\($0.line):\($0.field)" } == ["2:", "8400:caseType", "8500:caseRef"])
        #expect(try n.snapshot() == before)

        lines[1] = caseLine(ref: "C-2")
        lines[8_399] = caseLine(ref: "C-8400")
        lines[8_499] = caseLine(ref: "C-8500")
        #expect(try n.importJSONL(lines).created == 8_500)
    }

    /// Input problems come before any other refusal: a fenced node still lists what is wrong with the file.
    @Test func inputProblemsAreReportedBeforeAFence() throws {
        let n = try NodeFixture("fencedinput")
        try n.store.raiseFence(reason: "test", witnessHead: nil)
        let rejected = try #require(throws: ImportRejected.self) { try n.importJSONL([caseLine(ref: "A-1"), "{not json"]) }
        #expect(rejected.issues.map(\.line) == [2])
        #expect(throws: PublishRefused.self) { try n.importJSONL([caseLine(ref: "A-1")]) }
    }

    @Test func emptyFilesAndBlankLinesAreHandled() throws {
        let n = try NodeFixture("empty")
        #expect(throws: ImportRejected.self) { try n.importer.importFile(bytes: [], format: .jsonl, store: n.store) }
        let r = try n.importer.importFile(bytes: Array("\n\n\(caseLine(ref: "A-1"))\r\n  \n".utf8), format: .jsonl, store: n.store)
        #expect(r.created == 1)
        let bad = Array("\n\n{\"caseRef\":1}\n".utf8)
        let e = try #require(throws: ImportRejected.self) { try n.importer.importFile(bytes: bad, format: .jsonl, store: n.store) }
        #expect(e.issues.first?.line == 3)
    }

    @Test func deleteWritesATombstoneAndReimportResurrectsAsNewerVersion() throws {
        let n = try NodeFixture("delete")
        _ = try n.importJSONL([caseLine(ref: "A-1")])
        let deleter = CaseDeleter(context: n.context, logger: n.logs.logger)
        let seq = try deleter.delete(caseRef: "A-1", store: n.store)
        #expect(seq == 2)
        let head = try #require(try n.store.recordHead(recordId: "us-ca-sfpd/A-1"))
        #expect(head.deleted)
        #expect(try EntryHeader(decoding: head.entry.header).kind == .tombstone)
        #expect(try head.entry.verify(with: n.context.signingKey.publicKey).version == VersionVector(["us-ca-sfpd": 2]))
        #expect(try n.count("SELECT count(*) FROM casebridge.tokens") == 0)
        #expect(throws: CaseDeleter.Refused.self) { try deleter.delete(caseRef: "A-1", store: n.store) }
        #expect(throws: CaseDeleter.Refused.self) { try deleter.delete(caseRef: "NOPE", store: n.store) }
        var q = SearchQuery(purpose: "test")
        q.phones = ["415 555 0134"]
        #expect(try n.search.run(q, store: n.store).isEmpty)
        let r = try n.importJSONL([caseLine(ref: "A-1")])
        #expect(r.updated == 1)
        let again = try #require(try n.store.recordHead(recordId: "us-ca-sfpd/A-1"))
        #expect(!again.deleted)
        #expect(again.version == VersionVector(["us-ca-sfpd": 3]))
        #expect(try n.search.run(q, store: n.store).count == 1)
    }

    @Test func tamperingWithAStoredEntryIsDetected() throws {
        let n = try NodeFixture("tamper")
        _ = try n.importJSONL([caseLine(ref: "A-1"), caseLine(ref: "A-2")])
        // An attacker with database access edits the stored body of entry 2 (changes the status).
        try n.store.db.execute(
            """
            UPDATE casebridge.origin_log SET body = convert_to(replace(convert_from(body, 'UTF8'), '"open"', '"closed"'), 'UTF8') WHERE seq = 2
            """)
        let key = n.context.signingKey.publicKey
        let entries = try n.store.entries(origin: "us-ca-sfpd")
        #expect(throws: Never.self) { try entries[0].entry.verify(with: key) }
        let e = try #require(throws: EntryError.self) { try entries[1].entry.verify(with: key) }
        #expect(e.code == "body.hash" || e.code == "body.length")
    }

    @Test func searchMatchesAcrossFormatsAndRanksStrongIdentifiersFirst() throws {
        let n = try NodeFixture("search")
        _ = try n.importJSONL([
            caseLine(ref: "A-1"),
            caseLine(ref: "A-2", subjects: #"[{"role":"suspect","names":[{"given":"Jose","family":"Garcia Lopez"}]}]"#),
            caseLine(ref: "A-3", subjects: #"[{"role":"witness","names":[{"given":"Someone","family":"Else"}],"phones":["4155550999"]}]"#),
        ])
        var q = SearchQuery(purpose: "case 2025-17")
        q.phones = ["+1.415.555.0134"]
        q.names = ["LOPEZ garcía josé"]
        let hits = try n.search.run(q, store: n.store)
        #expect(hits.map(\.caseRef) == ["A-1", "A-2"])
        #expect(hits[0].matched.contains("phone"))
        #expect(hits[0].matched.contains("name"))
        #expect(hits[1].matched == ["name"])
        #expect(hits[0].score > hits[1].score)
        #expect(hits[0].contact?.name == "Det. Ana Ruiz")
        #expect(hits[0].local)

        var plate = SearchQuery(purpose: "p")
        plate.plates = [("7ABC123", "US-CA")]
        #expect(try n.search.run(plate, store: n.store).map(\.caseRef) == ["A-1"])
        var wrongRegion = SearchQuery(purpose: "p")
        wrongRegion.plates = [("7ABC123", "US-NV")]
        #expect(try n.search.run(wrongRegion, store: n.store).isEmpty)
        var handle = SearchQuery(purpose: "p")
        handle.handles = [("ig", "JGL_85")]
        #expect(try n.search.run(handle, store: n.store).map(\.caseRef) == ["A-1"])
        var nameDob = SearchQuery(purpose: "p")
        nameDob.names = ["Jose Garcia Lopez"]
        nameDob.dob = "15 March 1985"
        let nd = try n.search.run(nameDob, store: n.store)
        #expect(nd.first?.caseRef == "A-1")
        #expect(nd.first?.matched.contains("name+dob") == true)

        var bad = SearchQuery(purpose: "p")
        bad.phones = ["555-CALL-NOW"]
        let e = try #require(throws: SearchInputError.self) { try n.search.run(bad, store: n.store) }
        #expect(e.option == "--phone")
        #expect(!e.description.contains("CALL"))
        // The search log names purpose and counts, never identifiers.
        #expect(!n.logs.all.contains("4155550134"))
        #expect(!n.logs.all.lowercased().contains("garcia"))
    }

    @Test func differentPseudonymKeysDoNotMatch() throws {
        let a = try NodeFixture("keya")
        _ = try a.importJSONL([caseLine(ref: "A-1")])
        let other = try NodeContext(config: a.context.config, signingKey: a.context.signingKey, pseudonymKey: PseudonymKey.generate())
        var q = SearchQuery(purpose: "p")
        q.phones = ["4155550134"]
        #expect(try CaseSearch(context: other, logger: a.logs.logger).run(q, store: a.store).isEmpty)
        #expect(try a.search.run(q, store: a.store).count == 1)
    }
}

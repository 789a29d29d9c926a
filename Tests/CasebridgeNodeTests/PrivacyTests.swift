import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeStore
import CasebridgeTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Imports generated cases (JSONL at one node, CSV at another), searches for them, and then scans every table
/// outside schema `private` and every captured log line for every raw identifier value, in every encoding we can
/// think of: as imported, normalized, lower-cased, digits only. None may be found.
@Suite struct PrivacyTests {
    /// Strings that are published in clear by design (contact, agency, case attributes, field names). A needle
    /// that happens to be part of one of them (a given name equal to a contact's name, say) is not a leak.
    static func publicByDesign(_ agency: SyntheticAgency) -> String {
        var s = agency.agency + "\n" + agency.nodeId + "\n" + agency.jurisdiction + "\n"
        for c in agency.cases {
            s += [c.caseRef, c.caseType, c.status, c.jurisdiction, c.opened, c.contact?.name, c.contact?.phone,
                  c.contact?.email, c.contact?.unit].compactMap { $0 }.joined(separator: "\n") + "\n"
            // The contact phone is published normalized (E.164); synthetic numbers are all 555-01xx, so a subject
            // may share a detective's number by chance.
            if let p = c.contact?.phone, let n = try? IdentifierNormalizer(defaultRegion: agency.defaultRegion), let e = try? n.phone(p) {
                s += e + "\n"
            }
        }
        s += "casebridge.record.v1 agency caseRef caseType status jurisdiction opened contact subjects tokens token kind role epoch "
        s += "name email phone unit plate handle document dob name+dob suspect victim witness associate sex-trafficking "
        s += "labor-trafficking both other open closed inactive"
        return s.lowercased()
    }

    /// Every raw identifier value of the agency's cases, in every encoding.
    static func needles(_ agency: SyntheticAgency, normalizer n: IdentifierNormalizer) -> Set<String> {
        var raw: Set<String> = []
        func add(_ v: String?) {
            guard let v, !v.isEmpty else { return }
            raw.insert(v)
            raw.insert(v.trimmingCharacters(in: .whitespaces))
            raw.insert(v.lowercased())
            let digits = v.filter(\.isASCII).filter(\.isNumber)
            if digits.count >= 7 { raw.insert(String(digits)) }
        }
        for c in agency.cases {
            for s in c.subjects ?? [] {
                for name in (s.names ?? []) + (s.aliases ?? []) {
                    add(name.given); add(name.family)
                    add([name.given, name.family].compactMap { $0 }.joined(separator: " "))
                    if let v = try? n.name(given: name.given, family: name.family) {
                        add(v)
                        for part in v.split(separator: " ") { add(String(part)) }
                    }
                }
                if let d = s.dob {
                    add(d)
                    if let v = try? n.dob(d, order: s.dobFormat.flatMap(DateOrder.init(rawValue:))) { add(v) }
                }
                for p in s.phones ?? [] { add(p); if let v = try? n.phone(p) { add(v) } }
                for e in s.emails ?? [] { add(e); if let v = try? n.email(e) { add(v) } }
                for p in s.plates ?? [] {
                    add(p.plate)
                    if let v = try? n.plate(p.plate ?? "", region: p.region ?? "") { add(v) }
                }
                for h in s.handles ?? [] {
                    add(h.handle)
                    if let v = try? n.handle(platform: h.platform ?? "", handle: h.handle ?? "") { add(v) }
                }
                for d in s.documents ?? [] {
                    add(d.number)
                    if let v = try? n.document(type: d.type ?? "", number: d.number ?? "", issuer: d.issuer ?? "") { add(v) }
                }
            }
            add(c.narrative)
        }
        return raw
    }

    @Test(arguments: [ImportFormat.jsonl, .csv])
    func noRawIdentifierOutsidePrivateSchemaOrInLogs(format: ImportFormat) throws {
        let fed = SyntheticGenerator(agencies: 2, casesPerAgency: 150, overlap: 0.3, seed: 7).generate()
        let agency = fed.agencies[0]
        // Publish every role, so victims' and witnesses' identifiers are tokenized too.
        let n = try NodeFixture(
            "privacy-\(format.rawValue)", nodeId: agency.nodeId, agency: agency.agency, region: agency.defaultRegion,
            publishRoles: Set(SubjectRole.allCases))
        let bytes: [UInt8]
        switch format {
        case .jsonl: bytes = Array(CaseInputCoding.jsonl(agency.cases).utf8)
        case .csv: bytes = Array(CSVCaseMapping.encode(agency.cases).utf8)
        }
        let report = try n.importer.importFile(bytes: bytes, format: format, store: n.store)
        #expect(report.created == agency.cases.count)
        #expect(try n.count("SELECT count(*) FROM casebridge.tokens") > agency.cases.count)

        // Search with raw values, including ones from the other agency, so the search path logs too.
        var hits = 0
        for c in (agency.cases.prefix(20) + fed.agencies[1].cases.prefix(20)) {
            guard let s = c.subjects?.first else { continue }
            var q = SearchQuery(purpose: "privacy test")
            q.phones = s.phones ?? []
            q.emails = s.emails ?? []
            q.names = (s.names ?? []).map { [$0.given, $0.family].compactMap { $0 }.joined(separator: " ") }
            if q.isEmpty { continue }
            hits += ((try? n.search.run(q, store: n.store)) ?? []).count
        }
        #expect(hits > 0, "searching for imported subjects must find them")

        let normalizer = try IdentifierNormalizer(defaultRegion: agency.defaultRegion)
        let needles = Self.needles(agency, normalizer: normalizer).union(Self.needles(fed.agencies[1], normalizer: normalizer))
        let allowed = Self.publicByDesign(agency) + "\n" + Self.publicByDesign(fed.agencies[1])
        let dump = try n.publicDump()
        let logs = n.logs.all
        #expect(!dump.isEmpty && !logs.isEmpty)
        let dumpLower = searchable(dump.lowercased()), logsLower = searchable(logs.lowercased())

        var checked = 0, skipped = 0
        var leaks: [String] = []
        for needle in needles {
            let lower = needle.lowercased()
            // Too short to mean anything (a two-letter given name), or part of what is published by design.
            if lower.count < 4 || allowed.contains(lower) { skipped += 1; continue }
            checked += 1
            // Synthetic values only: naming them in a failure is fine and makes a leak easy to chase.
            if let at = find(lower, in: dumpLower) { leaks.append("published data holds \(needle): …\(context(dumpLower, at))…") }
            if let at = find(lower, in: logsLower) { leaks.append("logs hold \(needle): …\(context(logsLower, at))…") }
        }
        // The scan must have teeth: most needles are checked, not skipped.
        #expect(checked > 1000)
        #expect(skipped * 10 < checked, "too many needles skipped: \(skipped) of \(checked + skipped)")
        #expect(leaks.isEmpty, "\(leaks.count) leaks, e.g. \(leaks.prefix(3))")
    }

    /// Byte offset of `needle` in `haystack` (glibc's strstr: the dump is megabytes and there are thousands of
    /// needles; NUL bytes in the haystack are read as spaces).
    func find(_ needle: String, in haystack: [UInt8]) -> Int? {
        precondition(haystack.last == 0, "use searchable(_:)")
        return haystack.withUnsafeBufferPointer { hb in
            hb.withMemoryRebound(to: CChar.self) { hc in
                needle.withCString { n in
                    guard let p = strstr(hc.baseAddress!, n) else { return nil }
                    return hc.baseAddress!.distance(to: p)
                }
            }
        }
    }

    /// The bytes of `s`, NUL bytes read as spaces, NUL-terminated for strstr.
    /// Runs of 32 or more hex digits (tokens, hashes, bytea) are blanked first: a short raw value such as a plate
    /// "614B74" would otherwise turn up inside random hex by chance. No raw identifier is 32 hex digits long.
    func searchable(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        func isHex(_ c: UInt8) -> Bool { (48...57).contains(c) || (97...102).contains(c) || (65...70).contains(c) }
        var i = 0
        while i < b.count {
            if isHex(b[i]) {
                var j = i
                while j < b.count && isHex(b[j]) { j += 1 }
                if j - i >= 32 { for k in i..<j { b[k] = 35 } }
                i = j
            } else {
                i += 1
            }
        }
        for i in b.indices where b[i] == 0 { b[i] = 32 }
        b.append(0)
        return b
    }

    func context(_ bytes: [UInt8], _ at: Int) -> String {
        String(decoding: bytes[max(0, at - 60)..<min(bytes.count, at + 60)], as: UTF8.self)
    }

    @Test func theScanFindsAPlantedLeak() throws {
        // Guard against a scan that cannot fail: a raw value written outside `private` is found.
        let fed = SyntheticGenerator(agencies: 1, casesPerAgency: 5, overlap: 0, seed: 3).generate()
        let n = try NodeFixture("privacy-planted")
        _ = try n.importer.importFile(bytes: Array(CaseInputCoding.jsonl(fed.agencies[0].cases).utf8), format: .jsonl, store: n.store)
        let phones = fed.agencies[0].cases.flatMap { ($0.subjects ?? []).flatMap { $0.phones ?? [] } }
        let phone = try #require(phones.first)
        let normalizer = try IdentifierNormalizer(defaultRegion: fed.agencies[0].defaultRegion)
        let e164 = try normalizer.phone(phone)
        try n.store.db.execute("UPDATE casebridge.node SET agency = agency || $1", [e164])
        #expect(find(e164, in: searchable(try n.publicDump())) != nil)
    }
}

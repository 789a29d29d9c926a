/// Checks a `CaseInput` against the import rules (see `docs/import.md`) and normalizes its identifiers.
///
/// Every problem is reported, each with its field path and a reason that never quotes the value.
public struct CaseValidator: Sendable {
    public let normalizer: IdentifierNormalizer
    /// How to read ambiguous dates of birth when a subject has no `dobFormat`.
    public let dateOrder: DateOrder?

    /// Limits that keep one case from exhausting memory.
    public static let maxSubjects = 200
    public static let maxListItems = 100
    public static let maxTextLength = 100_000

    public init(normalizer: IdentifierNormalizer, dateOrder: DateOrder? = nil) {
        self.normalizer = normalizer
        self.dateOrder = dateOrder
    }

    /// Whether `ref` is a valid case reference: 1-64 characters of `A-Z a-z 0-9 . _ : / -`.
    public static func isValidCaseRef(_ ref: String) -> Bool {
        let u = ref.utf8
        guard (1...64).contains(u.count) else { return false }
        return u.allSatisfy { c in
            (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 46 || c == 95 || c == 58 || c == 47 || c == 45
        }
    }

    /// Validates `input`; `line` is the line of the case, `subjectLines` (CSV) the line of each subject's row.
    public func validate(_ input: CaseInput, line: Int, subjectLines: [Int]? = nil) -> (ValidatedCase?, [ImportIssue]) {
        var issues: [ImportIssue] = []
        func fail(_ field: String, _ reason: String, subject: Int? = nil) {
            var l = line
            if let subject, let lines = subjectLines, subject < lines.count { l = lines[subject] }
            issues.append(ImportIssue(line: l, field: field, reason: reason))
        }
        func required(_ value: String?, _ field: String) -> String? {
            guard let v = value?.trimmingWhitespace(), !v.isEmpty else {
                fail(field, "is required")
                return nil
            }
            return v
        }
        func enumValue<E: RawRepresentable & CaseIterable>(_ value: String?, _ field: String, _ type: E.Type) -> E? where E.RawValue == String {
            guard let v = required(value, field) else { return nil }
            guard let e = E(rawValue: v) else {
                fail(field, "must be one of: \(E.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            return e
        }

        let caseRef = required(input.caseRef, "caseRef")
        if let caseRef, !Self.isValidCaseRef(caseRef) {
            fail("caseRef", "must be 1-64 characters of letters, digits and . _ : / -")
        }
        let caseType = enumValue(input.caseType, "caseType", CaseType.self)
        let status = enumValue(input.status, "status", CaseStatus.self)
        var jurisdiction: String? = nil
        if let j = required(input.jurisdiction, "jurisdiction") {
            do { jurisdiction = try IdentifierNormalizer.region(j) } catch { fail("jurisdiction", reason(error)) }
        }
        var opened: String? = nil
        if let o = required(input.opened, "opened") {
            do { opened = try IdentifierNormalizer.isoDate(o) } catch { fail("opened", reason(error)) }
        }
        var contact: PublishedContact? = nil
        if let c = input.contact {
            let name = required(c.name, "contact.name")
            if let name, name.count > 200 { fail("contact.name", "is longer than 200 characters") }
            var phone: String? = nil
            if let p = c.phone?.trimmingWhitespace(), !p.isEmpty {
                do { phone = try normalizer.phone(p) } catch { fail("contact.phone", reason(error)) }
            }
            var email: String? = nil
            if let e = c.email?.trimmingWhitespace(), !e.isEmpty {
                do { email = try normalizer.email(e) } catch { fail("contact.email", reason(error)) }
            }
            let unit = c.unit?.trimmingWhitespace()
            if let unit, unit.count > 200 { fail("contact.unit", "is longer than 200 characters") }
            if let name { contact = PublishedContact(name: name, phone: phone, email: email, unit: unit?.isEmpty == true ? nil : unit) }
        } else {
            fail("contact", "is required (the point of contact other agencies will call)")
        }
        if let n = input.narrative, n.utf8.count > Self.maxTextLength {
            fail("narrative", "is longer than \(Self.maxTextLength) bytes")
        }

        var subjects: [ValidatedSubject] = []
        let inputs = input.subjects ?? []
        if inputs.count > Self.maxSubjects { fail("subjects", "has more than \(Self.maxSubjects) subjects") }
        for (si, s) in inputs.prefix(Self.maxSubjects).enumerated() {
            // Paths are only built when a problem is reported: most cases have none.
            var p: String { "subjects[\(si)]" }
            var ids: [NormalizedIdentifier] = []
            var seen: Set<NormalizedIdentifier> = []
            func add(_ kind: IdentifierKind, _ value: String) {
                let id = NormalizedIdentifier(kind: kind, value: value)
                // A subject has a handful of identifiers: a scan beats hashing until the list grows.
                if ids.count < 32 {
                    if !ids.contains(id) { ids.append(id) }
                    return
                }
                if seen.isEmpty { seen = Set(ids) }
                if seen.insert(id).inserted { ids.append(id) }
            }
            func each<T>(_ list: [T]?, _ field: String, _ body: (T) throws -> Void) {
                guard let list else { return }
                if list.count > Self.maxListItems { fail("\(p).\(field)", "has more than \(Self.maxListItems) items", subject: si) }
                for (i, item) in list.prefix(Self.maxListItems).enumerated() {
                    do { try body(item) } catch { fail("\(p).\(field)[\(i)]", reason(error), subject: si) }
                }
            }
            var role: SubjectRole? = nil
            if let r = s.role?.trimmingWhitespace(), !r.isEmpty {
                role = SubjectRole(rawValue: r)
                if role == nil { fail("\(p).role", "must be one of: \(SubjectRole.allCases.map(\.rawValue).joined(separator: ", "))", subject: si) }
            } else {
                fail("\(p).role", "is required", subject: si)
            }
            var order = dateOrder
            if let f = s.dobFormat?.trimmingWhitespace(), !f.isEmpty {
                order = DateOrder(rawValue: f.lowercased())
                if order == nil { fail("\(p).dobFormat", "must be one of: mdy, dmy, ymd", subject: si) }
            }
            var dob: String? = nil
            if let d = s.dob?.trimmingWhitespace(), !d.isEmpty {
                do {
                    dob = try normalizer.dob(d, order: order)
                    add(.dob, dob!)
                } catch { fail("\(p).dob", reason(error), subject: si) }
            }
            var names: [String] = []
            each(s.names, "names") { n in names.append(try normalizer.name(given: n.given, family: n.family)) }
            each(s.aliases, "aliases") { n in names.append(try normalizer.name(given: n.given, family: n.family)) }
            for n in names {
                add(.name, n)
                if let dob { add(.nameDob, n + "|" + dob) }
            }
            each(s.phones, "phones") { v in add(.phone, try normalizer.phone(v)) }
            each(s.emails, "emails") { v in add(.email, try normalizer.email(v)) }
            each(s.plates, "plates") { v in
                guard let plate = v.plate, let region = v.region, !plate.isEmpty, !region.isEmpty else {
                    throw NormalizationError(code: "plate.incomplete", reason: "a plate needs both `plate` and `region` (its issuing jurisdiction)")
                }
                add(.plate, try normalizer.plate(plate, region: region))
            }
            each(s.handles, "handles") { v in
                guard let platform = v.platform, let handle = v.handle, !platform.isEmpty, !handle.isEmpty else {
                    throw NormalizationError(code: "handle.incomplete", reason: "a handle needs both `platform` and `handle`")
                }
                add(.handle, try normalizer.handle(platform: platform, handle: handle))
            }
            each(s.documents, "documents") { v in
                guard let type = v.type, let number = v.number, let issuer = v.issuer, !type.isEmpty, !number.isEmpty, !issuer.isEmpty else {
                    throw NormalizationError(code: "document.incomplete", reason: "a document needs `type`, `number` and `issuer`")
                }
                add(.document, try normalizer.document(type: type, number: number, issuer: issuer))
            }
            if let role { subjects.append(ValidatedSubject(role: role, identifiers: ids)) }
        }

        guard issues.isEmpty, let caseRef, let caseType, let status, let jurisdiction, let opened, let contact else {
            return (nil, issues)
        }
        return (
            ValidatedCase(
                caseRef: caseRef, caseType: caseType, status: status, jurisdiction: jurisdiction, opened: opened,
                contact: contact, subjects: subjects, input: input),
            []
        )
    }

    private func reason(_ error: any Error) -> String {
        if let e = error as? NormalizationError { return e.reason }
        return "is not valid"
    }
}

extension String {
    /// The string without leading and trailing Unicode whitespace.
    func trimmingWhitespace() -> String {
        // Fast path: both ends are ASCII and not whitespace (the usual case), nothing to trim.
        let u = utf8
        if let f = u.first, let l = u.last, f > 0x20, f < 0x7F, l > 0x20, l < 0x7F { return self }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}

/// One case read from a CSV file, with the lines it came from.
public struct CSVCaseRecord: Sendable, Hashable {
    /// 1-based physical line of the case's first row.
    public var line: Int
    /// `subjectLines[i]` is the line of the row that described `input.subjects[i]`.
    public var subjectLines: [Int]
    public var input: CaseInput

    public init(line: Int, subjectLines: [Int], input: CaseInput) {
        self.line = line
        self.subjectLines = subjectLines
        self.input = input
    }
}

/// The CSV form of cases (see `docs/import.md`): one row per subject, case columns repeated on
/// every row of the case, rows grouped by `caseRef`.
///
/// List cells (`otherNames`, `aliases`, `phones`, `emails`, `plates`, `handles`, `documents`) hold
/// items separated by `|`. Structured items split on their first separators: names `given/family`,
/// plates `REGION:PLATE`, handles `platform:handle`, documents `type:ISSUER:NUMBER`. Inside list
/// cells a backslash takes the next character literally (`\|`, `\/`, `\:`, `\\`); single-value
/// cells are taken literally. Empty cells are absent values.
///
/// Only structure is checked here; `CaseValidator` judges the values.
public enum CSVCaseMapping {
    /// Every column, in the order `encode` writes them.
    public static let columns: [String] = Column.allCases.map(\.name)

    /// Columns a file must have in its header (the others may be left out entirely).
    public static let requiredColumns: [String] = Column.allCases.filter(\.isRequired).map(\.name)

    enum Column: Int, CaseIterable, Sendable {
        case caseRef, caseType, status, jurisdiction, opened
        case contactName, contactPhone, contactEmail, contactUnit, narrative
        case role, givenName, familyName, otherNames, aliases, dob, dobFormat
        case phones, emails, plates, handles, documents

        static let byName: [String: Column] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })

        var name: String {
            switch self {
            case .caseRef: "caseRef"
            case .caseType: "caseType"
            case .status: "status"
            case .jurisdiction: "jurisdiction"
            case .opened: "opened"
            case .contactName: "contactName"
            case .contactPhone: "contactPhone"
            case .contactEmail: "contactEmail"
            case .contactUnit: "contactUnit"
            case .narrative: "narrative"
            case .role: "role"
            case .givenName: "givenName"
            case .familyName: "familyName"
            case .otherNames: "otherNames"
            case .aliases: "aliases"
            case .dob: "dob"
            case .dobFormat: "dobFormat"
            case .phones: "phones"
            case .emails: "emails"
            case .plates: "plates"
            case .handles: "handles"
            case .documents: "documents"
            }
        }

        var isRequired: Bool {
            switch self {
            case .caseRef, .caseType, .status, .jurisdiction, .opened, .contactName, .role: true
            default: false
            }
        }

        var isCaseLevel: Bool {
            switch self {
            case .caseType, .status, .jurisdiction, .opened, .contactName, .contactPhone, .contactEmail,
                .contactUnit, .narrative:
                true
            default: false
            }
        }

        /// The JSON path of a case-level column.
        var casePath: String {
            switch self {
            case .contactName: "contact.name"
            case .contactPhone: "contact.phone"
            case .contactEmail: "contact.email"
            case .contactUnit: "contact.unit"
            default: name
            }
        }
    }

    static let caseLevelColumns: [Column] = Column.allCases.filter(\.isCaseLevel)
    static let subjectColumns: [Column] = [
        .role, .givenName, .familyName, .otherNames, .aliases, .dob, .dobFormat,
        .phones, .emails, .plates, .handles, .documents,
    ]

    // MARK: Decoding

    /// Reads cases from CSV bytes. Issues use the JSONL field paths (`caseType`, `contact.phone`,
    /// `subjects[0].plates[1]`) and never contain cell values.
    public static func decode(_ bytes: [UInt8]) -> (cases: [CSVCaseRecord], issues: [ImportIssue]) {
        var decoder = Decoder()
        let failures = CSVReader.read(bytes) { line, fields in
            decoder.consume(line: line, fields: fields)
        }
        return decoder.finish(failures: failures)
    }

    private struct Decoder {
        var issues: [ImportIssue] = []
        var headerLine = 0
        var names: [String?] = []
        var index: [Column: Int] = [:]
        var width = 0
        var refIndex: Int? = nil
        var caseColumns: [(Column, Int)] = []
        var subjectPositions: [Int] = []
        var presentSubjectPositions: [Int] = []
        var builders: [CaseBuilder] = []
        var byRef: [String: Int] = [:]

        mutating func consume(line: Int, fields: [String?]) {
            if headerLine == 0 {
                header(line: line, fields: fields)
            } else if refIndex != nil {
                row(line: line, fields: fields)
            }
        }

        mutating func header(line: Int, fields: [String?]) {
            headerLine = line
            width = fields.count
            for (i, cell) in fields.enumerated() {
                let name = cell.map { trimmed($0) } ?? ""
                names.append(name.isEmpty ? nil : name)
                guard !name.isEmpty else {
                    issues.append(ImportIssue(line: line, field: "", reason: "column \(i + 1) has no name"))
                    continue
                }
                guard let column = Column.byName[name] else {
                    // The name is not echoed: a file without a header would otherwise put a data row in the log.
                    issues.append(ImportIssue(line: line, field: "", reason: "column \(i + 1) has an unknown name"))
                    continue
                }
                if index[column] != nil {
                    issues.append(
                        ImportIssue(line: line, field: "", reason: "column \"\(name)\" appears more than once"))
                    continue
                }
                index[column] = i
            }
            let missing = Column.allCases.filter { $0.isRequired && index[$0] == nil }
            for column in missing {
                issues.append(
                    ImportIssue(line: line, field: "", reason: "required column \"\(column.name)\" is missing"))
            }
            if missing.count == requiredColumns.count {
                issues.append(
                    ImportIssue(
                        line: line, field: "", reason: "the first row must be the header row naming the columns"))
            }
            refIndex = index[.caseRef]
            caseColumns = caseLevelColumns.compactMap { c in index[c].map { (c, $0) } }
            subjectPositions = [Int](repeating: -1, count: Column.allCases.count)
            for (column, i) in index where !column.isCaseLevel && column != .caseRef {
                subjectPositions[column.rawValue] = i
            }
            presentSubjectPositions = subjectPositions.filter { $0 >= 0 }.sorted()
        }

        mutating func row(line: Int, fields: [String?]) {
            guard let refIndex else { return }
            if fields.count != width {
                issues.append(
                    ImportIssue(line: line, field: "", reason: "row has \(fields.count) fields but the header has \(width)"))
                return
            }
            if fields.allSatisfy({ $0 == nil }) { return }  // e.g. ",,,," left by spreadsheets

            let ref = fields[refIndex]
            let b: Int
            if let ref, let existing = byRef[ref] {
                b = existing
                let first = builders[b]
                for (k, (column, i)) in caseColumns.enumerated() where fields[i] != first.caseValues[k] {
                    issues.append(
                        ImportIssue(
                            line: line, field: column.casePath,
                            reason:
                                "differs from the case's first row (line \(first.line)); case columns must be the same on every row of a case"
                        ))
                }
            } else {
                b = builders.count
                var caseValues: [String?] = []
                caseValues.reserveCapacity(caseColumns.count)
                for (_, i) in caseColumns { caseValues.append(fields[i]) }
                builders.append(CaseBuilder(line: line, ref: ref, caseValues: caseValues))
                if let ref { byRef[ref] = b }
            }
            builders[b].rowCount += 1

            let subjectNumber = builders[b].subjects.count
            if let subject = decodeSubject(
                fields, positions: subjectPositions, present: presentSubjectPositions, line: line,
                path: "subjects[\(subjectNumber)]", issues: &issues)
            {
                builders[b].subjects.append(subject)
                builders[b].subjectLines.append(line)
            } else {
                builders[b].emptyRows.append(line)
            }
        }

        mutating func finish(failures: [CSVReader.Failure]) -> (cases: [CSVCaseRecord], issues: [ImportIssue]) {
            if headerLine == 0 || failures.contains(where: { $0.line < headerLine }) {
                // No header, or the header itself could not be read.
                var issues: [ImportIssue] = []
                if let first = failures.first {
                    issues.append(issue(for: first, names: nil))
                    issues.append(ImportIssue(line: first.line, field: "", reason: "the header row cannot be read"))
                } else {
                    issues.append(
                        ImportIssue(line: 1, field: "", reason: "the file is empty; a header row is required"))
                }
                return ([], issues)
            }
            for failure in failures { issues.append(issue(for: failure, names: names)) }
            guard refIndex != nil else { return ([], sortedByLine(issues)) }

            var cases: [CSVCaseRecord] = []
            cases.reserveCapacity(builders.count)
            for builder in builders {
                if builder.rowCount > 1 {
                    for line in builder.emptyRows {
                        issues.append(
                            ImportIssue(
                                line: line, field: "",
                                reason:
                                    "row has no subject columns filled but its case has several rows; only a case without subjects is written as a single row with empty subject columns"
                            ))
                    }
                }
                var input = CaseInput(caseRef: builder.ref)
                var contact = ContactInput()
                for (k, (column, _)) in caseColumns.enumerated() {
                    let value = builder.caseValues[k]
                    switch column {
                    case .caseType: input.caseType = value
                    case .status: input.status = value
                    case .jurisdiction: input.jurisdiction = value
                    case .opened: input.opened = value
                    case .narrative: input.narrative = value
                    case .contactName: contact.name = value
                    case .contactPhone: contact.phone = value
                    case .contactEmail: contact.email = value
                    case .contactUnit: contact.unit = value
                    default: break
                    }
                }
                if contact != ContactInput() { input.contact = contact }
                if !builder.subjects.isEmpty { input.subjects = builder.subjects }
                cases.append(CSVCaseRecord(line: builder.line, subjectLines: builder.subjectLines, input: input))
            }
            return (cases, sortedByLine(issues))
        }

        /// Stable: issues of one line keep their column order.
        func sortedByLine(_ issues: [ImportIssue]) -> [ImportIssue] {
            issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
        }
    }

    private struct CaseBuilder {
        var line: Int
        var ref: String?
        var caseValues: [String?]
        var rowCount = 0
        var subjects: [SubjectInput] = []
        var subjectLines: [Int] = []
        var emptyRows: [Int] = []
    }

    /// The subject on a row, or `nil` when every subject column is empty.
    private static func decodeSubject(
        _ fields: [String?], positions: [Int], present: [Int], line: Int, path: String, issues: inout [ImportIssue]
    ) -> SubjectInput? {
        func cell(_ c: Column) -> String? {
            let i = positions[c.rawValue]
            return i >= 0 ? fields[i] : nil
        }
        var any = false
        for i in present where fields[i] != nil {
            any = true
            break
        }
        guard any else { return nil }

        var s = SubjectInput()
        s.role = cell(.role)
        s.dob = cell(.dob)
        s.dobFormat = cell(.dobFormat)

        var names: [NameInput] = []
        let given = cell(.givenName)
        let family = cell(.familyName)
        if given != nil || family != nil { names.append(NameInput(given: given, family: family)) }
        if let raw = cell(.otherNames) {
            let offset = names.count
            if let items = listItems(raw, path: "\(path).names", offset: offset, line: line, issues: &issues) {
                for (k, item) in items.enumerated() {
                    guard let parts = parts(of: item, separator: slash, count: 2, mayOmit: true) else {
                        issues.append(badEscape(line, "\(path).names[\(k + offset)]"))
                        continue
                    }
                    names.append(NameInput(given: parts[0], family: parts[1]))
                }
            }
        }
        if !names.isEmpty { s.names = names }

        if let raw = cell(.aliases), let items = listItems(raw, path: "\(path).aliases", line: line, issues: &issues) {
            var aliases: [NameInput] = []
            for (k, item) in items.enumerated() {
                guard let parts = parts(of: item, separator: slash, count: 2, mayOmit: true) else {
                    issues.append(badEscape(line, "\(path).aliases[\(k)]"))
                    continue
                }
                aliases.append(NameInput(given: parts[0], family: parts[1]))
            }
            if !aliases.isEmpty { s.aliases = aliases }
        }
        s.phones = plainList(cell(.phones), path: "\(path).phones", line: line, issues: &issues)
        s.emails = plainList(cell(.emails), path: "\(path).emails", line: line, issues: &issues)

        if let raw = cell(.plates), let items = listItems(raw, path: "\(path).plates", line: line, issues: &issues) {
            var plates: [PlateInput] = []
            for (k, item) in items.enumerated() {
                guard let p = structured(item, count: 2, line: line, path: "\(path).plates[\(k)]",
                    shape: "REGION:PLATE", issues: &issues)
                else { continue }
                plates.append(PlateInput(plate: p[1], region: p[0]))
            }
            if !plates.isEmpty { s.plates = plates }
        }
        if let raw = cell(.handles), let items = listItems(raw, path: "\(path).handles", line: line, issues: &issues) {
            var handles: [HandleInput] = []
            for (k, item) in items.enumerated() {
                guard let p = structured(item, count: 2, line: line, path: "\(path).handles[\(k)]",
                    shape: "platform:handle", issues: &issues)
                else { continue }
                handles.append(HandleInput(platform: p[0], handle: p[1]))
            }
            if !handles.isEmpty { s.handles = handles }
        }
        if let raw = cell(.documents), let items = listItems(raw, path: "\(path).documents", line: line, issues: &issues)
        {
            var documents: [DocumentInput] = []
            for (k, item) in items.enumerated() {
                guard let p = structured(item, count: 3, line: line, path: "\(path).documents[\(k)]",
                    shape: "type:ISSUER:NUMBER", issues: &issues)
                else { continue }
                documents.append(DocumentInput(type: p[0], number: p[2], issuer: p[1]))
            }
            if !documents.isEmpty { s.documents = documents }
        }
        return s
    }

    // MARK: List cells

    private static let pipe: UInt8 = 0x7C
    private static let backslash: UInt8 = 0x5C
    private static let slash: UInt8 = 0x2F
    private static let colon: UInt8 = 0x3A

    private static func badEscape(_ line: Int, _ path: String) -> ImportIssue {
        ImportIssue(line: line, field: path, reason: "ends with a lone backslash; write \\\\ for a backslash")
    }

    /// Splits a list cell on unescaped `|`, keeping escapes in the items. Reports empty items.
    private static func listItems(
        _ raw: String, path: String, offset: Int = 0, line: Int, issues: inout [ImportIssue]
    ) -> [Substring.UTF8View]? {
        let utf8 = raw.utf8
        var items: [Substring.UTF8View] = []
        var start = utf8.startIndex
        var i = start
        var ok = true
        while i < utf8.endIndex {
            let b = utf8[i]
            if b == backslash {
                i = utf8.index(after: i)
                if i < utf8.endIndex { i = utf8.index(after: i) }
                continue
            }
            if b == pipe {
                items.append(raw[start..<i].utf8)
                i = utf8.index(after: i)
                start = i
                continue
            }
            i = utf8.index(after: i)
        }
        items.append(raw[start..<utf8.endIndex].utf8)
        for (k, item) in items.enumerated() where item.isEmpty {
            issues.append(
                ImportIssue(
                    line: line, field: "\(path)[\(k + offset)]",
                    reason: "empty list item; items are separated by a single |"))
            ok = false
        }
        return ok ? items : nil
    }

    private static func plainList(
        _ raw: String?, path: String, line: Int, issues: inout [ImportIssue]
    ) -> [String]? {
        guard let raw, let items = listItems(raw, path: path, line: line, issues: &issues) else { return nil }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for (k, item) in items.enumerated() {
            guard let p = parts(of: item, separator: nil, count: 1, mayOmit: false) else {
                issues.append(badEscape(line, "\(path)[\(k)]"))
                continue
            }
            if let v = p[0] { out.append(v) }
        }
        return out.isEmpty ? nil : out
    }

    private static func structured(
        _ item: Substring.UTF8View, count: Int, line: Int, path: String, shape: String,
        issues: inout [ImportIssue]
    ) -> [String?]? {
        guard let p = parts(of: item, separator: colon, count: count, mayOmit: false) else {
            // Either a lone trailing backslash or too few separators.
            if item.last == backslash, hasDanglingBackslash(item) {
                issues.append(badEscape(line, path))
            } else {
                issues.append(
                    ImportIssue(
                        line: line, field: path,
                        reason: "expected \(shape) (\(count - 1) unescaped ':' separator\(count > 2 ? "s" : ""))"))
            }
            return nil
        }
        return p
    }

    private static func hasDanglingBackslash(_ item: Substring.UTF8View) -> Bool {
        var run = 0
        for b in item.reversed() {
            if b == backslash { run += 1 } else { break }
        }
        return run % 2 == 1
    }

    /// Splits an item into `count` parts at the first `count - 1` unescaped separators and
    /// resolves escapes. The last part keeps later separators. Empty parts are `nil`.
    /// Returns `nil` for a dangling backslash, or for too few separators unless `mayOmit`,
    /// in which case the missing trailing parts are `nil`.
    private static func parts(
        of item: Substring.UTF8View, separator: UInt8?, count: Int, mayOmit: Bool
    ) -> [String?]? {
        var result: [String?] = []
        result.reserveCapacity(count)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(item.count)
        var i = item.startIndex
        while i < item.endIndex {
            let b = item[i]
            if b == backslash {
                let next = item.index(after: i)
                guard next < item.endIndex else { return nil }
                buffer.append(item[next])
                i = item.index(after: next)
                continue
            }
            if let separator, b == separator, result.count < count - 1 {
                result.append(buffer.isEmpty ? nil : String(decoding: buffer, as: UTF8.self))
                buffer.removeAll(keepingCapacity: true)
                i = item.index(after: i)
                continue
            }
            buffer.append(b)
            i = item.index(after: i)
        }
        result.append(buffer.isEmpty ? nil : String(decoding: buffer, as: UTF8.self))
        if result.count < count {
            guard mayOmit else { return nil }
            while result.count < count { result.append(nil) }
        }
        return result
    }

    // MARK: Encoding

    /// Writes `cases` as CSV: the header and one row per subject (one row for a case without
    /// subjects), LF line breaks.
    ///
    /// `decode(encode(x))` gives back `x` when `x` is in canonical form: every case has a
    /// non-empty `caseRef`, unique within `x`; no string is empty; no list is empty and no list
    /// item is an empty string; every name, plate, handle and document has at least one part set;
    /// no subject has every field `nil`; `contact` is `nil` rather than all-`nil`; `subjects` is
    /// `nil` rather than empty. Anything else encodes to its canonical form.
    public static func encode(_ cases: [CaseInput]) -> String {
        var out = columns.joined(separator: ",")
        out += "\n"
        out.reserveCapacity(cases.count * 200)
        for c in cases {
            let subjects = c.subjects ?? []
            if subjects.isEmpty {
                appendRow(c, nil, to: &out)
            } else {
                for s in subjects { appendRow(c, s, to: &out) }
            }
        }
        return out
    }

    private static func appendRow(_ c: CaseInput, _ s: SubjectInput?, to out: inout String) {
        var first = true
        func put(_ value: String?) {
            if first { first = false } else { out += "," }
            CSVReader.appendField(value, to: &out)
        }
        put(c.caseRef)
        put(c.caseType)
        put(c.status)
        put(c.jurisdiction)
        put(c.opened)
        put(c.contact?.name)
        put(c.contact?.phone)
        put(c.contact?.email)
        put(c.contact?.unit)
        put(c.narrative)
        put(s?.role)
        let names = (s?.names ?? []).filter { $0.given?.isEmpty == false || $0.family?.isEmpty == false }
        put(names.first?.given)
        put(names.first?.family)
        put(joinList(names.dropFirst().map { nameItem($0) }))
        put(joinList((s?.aliases ?? []).compactMap { $0.given?.isEmpty == false || $0.family?.isEmpty == false ? nameItem($0) : nil }))
        put(s?.dob)
        put(s?.dobFormat)
        put(joinList((s?.phones ?? []).map { escape($0, extra: nil) }))
        put(joinList((s?.emails ?? []).map { escape($0, extra: nil) }))
        put(joinList((s?.plates ?? []).map { structuredItem([$0.region, $0.plate]) }))
        put(joinList((s?.handles ?? []).map { structuredItem([$0.platform, $0.handle]) }))
        put(joinList((s?.documents ?? []).map { structuredItem([$0.type, $0.issuer, $0.number]) }))
        out += "\n"
    }

    private static func joinList(_ items: [String]) -> String? {
        let items = items.filter { !$0.isEmpty }
        return items.isEmpty ? nil : items.joined(separator: "|")
    }

    private static func nameItem(_ n: NameInput) -> String {
        escape(n.given ?? "", extra: slash) + "/" + escape(n.family ?? "", extra: nil)
    }

    /// Separators are escaped in every part but the last, which keeps later ones as data
    /// (so `instagram:https://…` stays readable).
    private static func structuredItem(_ parts: [String?]) -> String {
        if parts.allSatisfy({ $0?.isEmpty != false }) { return "" }
        var out = ""
        for (k, part) in parts.enumerated() {
            if k > 0 { out += ":" }
            out += escape(part ?? "", extra: k < parts.count - 1 ? colon : nil)
        }
        return out
    }

    private static func escape(_ value: String, extra: UInt8?) -> String {
        var needs = false
        for b in value.utf8 where b == backslash || b == pipe || b == extra {
            needs = true
            break
        }
        guard needs else { return value }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 4)
        for b in value.utf8 {
            if b == backslash || b == pipe || b == extra { bytes.append(backslash) }
            bytes.append(b)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Helpers

    private static func trimmed(_ s: String) -> String {
        var sub = Substring(s)
        while let f = sub.first, f == " " || f == "\t" || f == "\u{FEFF}" { sub.removeFirst() }
        while let l = sub.last, l == " " || l == "\t" { sub.removeLast() }
        return String(sub)
    }

    private static func issue(for failure: CSVReader.Failure, names: [String?]?) -> ImportIssue {
        func column(_ i: Int) -> String {
            if let names, i < names.count, let name = names[i], Column.byName[name] != nil {
                return "column \(i + 1) \"\(name)\""
            }
            return "column \(i + 1)"
        }
        let reason: String
        switch failure.error {
        case .strayQuote(let f):
            reason = "quote character inside an unquoted field (\(column(f))); quote the whole field and double quotes inside it"
        case .textAfterClosingQuote(let f):
            reason = "text after the closing quote of a quoted field (\(column(f)))"
        case .unterminatedQuote(let f):
            reason = "quoted field (\(column(f))) is never closed; the file ends inside it"
        case .invalidUTF8(let f):
            reason = "field is not valid UTF-8 (\(column(f)))"
        case .notUTF8:
            reason = "the file is not UTF-8 (it starts with a UTF-16 byte order mark)"
        }
        return ImportIssue(line: failure.line, field: "", reason: reason)
    }
}

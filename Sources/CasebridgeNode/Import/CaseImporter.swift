public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Foundation
public import Logging

/// Input file formats for `cases import`.
public enum ImportFormat: String, Sendable, CaseIterable, Codable {
    case jsonl, csv

    /// The format implied by a file name's extension, if any.
    public static func guess(path: String) -> ImportFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") { return .jsonl }
        if lower.hasSuffix(".csv") { return .csv }
        return nil
    }
}

/// The import was refused: the listed problems, nothing written.
public struct ImportRejected: Error, Sendable, CustomStringConvertible {
    public var issues: [ImportIssue]

    public var description: String { "import refused: \(issues.count) problem(s) in the input; nothing was written" }
}

/// What an import did.
public struct ImportReport: Sendable, Codable {
    public var cases = 0
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    /// Cases whose private data changed but whose published record did not (no entry written).
    public var privateOnly = 0
    public var entries = 0
    public var firstSeq: UInt64?
    public var lastSeq: UInt64?
    public var seconds = 0.0
    public var parseSeconds = 0.0
    public var publishSeconds = 0.0
    public var storeSeconds = 0.0
}

/// Phases reported to a progress display.
public enum ImportPhase: String, Sendable {
    case validating, pseudonymizing, signing, storing
}

/// Imports cases: validates everything first, then pseudonymizes, signs and stores in one transaction.
public struct CaseImporter {
    public let context: NodeContext
    public let logger: Logger

    public init(context: NodeContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    /// A case read from the file, with where it came from.
    struct SourcedCase: Sendable {
        var line: Int
        var subjectLines: [Int]?
        var input: CaseInput
    }

    /// Parses and validates a whole file; throws `ImportRejected` listing every problem.
    public func validate(
        bytes: [UInt8], format: ImportFormat, progress: (@Sendable (ImportPhase, Int, Int) -> Void)? = nil
    ) throws -> [ValidatedCase] {
        var issues: [ImportIssue] = []
        var sourced: [SourcedCase] = []
        switch format {
        case .jsonl:
            let lines = Self.splitLines(bytes)
            let total = lines.count
            let decoded = Parallel.map(lines, chunkDone: progress.map { p in { @Sendable n in p(.validating, n, total) } }) { l in
                CaseInputDecoder.decode(line: l.line, bytes: bytes[l.range])
            }
            for (i, d) in decoded.enumerated() {
                issues += d.1
                if let input = d.0 { sourced.append(SourcedCase(line: lines[i].line, subjectLines: nil, input: input)) }
            }
        case .csv:
            let (records, csvIssues) = CSVCaseMapping.decode(bytes)
            issues += csvIssues
            sourced = records.map { SourcedCase(line: $0.line, subjectLines: $0.subjectLines, input: $0.input) }
        }
        let validator = context.validator
        let total = sourced.count
        let results = Parallel.map(sourced, chunkDone: progress.map { p in { @Sendable n in p(.validating, n, total) } }) { s in
            validator.validate(s.input, line: s.line, subjectLines: s.subjectLines)
        }
        var cases: [ValidatedCase] = []
        cases.reserveCapacity(results.count)
        var firstLine: [String: Int] = [:]
        for (i, r) in results.enumerated() {
            issues += r.1
            guard let c = r.0 else { continue }
            if let previous = firstLine[c.caseRef] {
                issues.append(ImportIssue(line: sourced[i].line, field: "caseRef", reason: "duplicate case reference (first on line \(previous))"))
                continue
            }
            firstLine[c.caseRef] = sourced[i].line
            cases.append(c)
        }
        if bytes.isEmpty || (sourced.isEmpty && issues.isEmpty) {
            issues.append(ImportIssue(line: 1, field: "", reason: "the file holds no cases"))
        }
        if !issues.isEmpty {
            throw ImportRejected(issues: issues.sorted { ($0.line, $0.field) < ($1.line, $1.field) })
        }
        return cases
    }

    /// A case made ready to store: private row, published record and body, tokens.
    struct Prepared: Sendable {
        var caseRef: String
        var recordId: String
        var privateJSON: String
        var rawHash: [UInt8]
        var record: PublishedRecord
        var body: [UInt8]
        var bodyHash: [UInt8]
        var tokens: [NodeStore.TokenRow]
    }

    /// Imports a file's bytes into `store`. All or nothing: on any input problem nothing is written.
    public func importFile(
        bytes: [UInt8], format: ImportFormat, store: NodeStore,
        progress: (@Sendable (ImportPhase, Int, Int) -> Void)? = nil
    ) throws -> ImportReport {
        let t0 = Date()
        let cases = try validate(bytes: bytes, format: format, progress: progress)
        let parseSeconds = Date().timeIntervalSince(t0)
        var report = try importCases(cases, store: store, progress: progress)
        report.parseSeconds = parseSeconds
        report.seconds = Date().timeIntervalSince(t0)
        return report
    }

    /// Stores validated cases: writes private rows, and a signed entry for each case whose published record
    /// is new or changed, all in one transaction.
    public func importCases(
        _ cases: [ValidatedCase], store: NodeStore, progress: (@Sendable (ImportPhase, Int, Int) -> Void)? = nil
    ) throws -> ImportReport {
        let t0 = Date()
        var report = ImportReport()
        report.cases = cases.count
        let pseudonymizer = context.pseudonymizer
        let ctx = context
        let total = cases.count
        let prepared = Parallel.map(cases, chunkDone: progress.map { p in { @Sendable n in p(.pseudonymizing, n, total) } }) { c in
            Self.prepare(c, context: ctx, pseudonymizer: pseudonymizer)
        }
        report.publishSeconds = Date().timeIntervalSince(t0)
        let t1 = Date()
        let origin = context.config.nodeId
        let key = context.signingKey
        try store.db.transaction {
            let head = try store.lockOriginHead(origin: origin)
            let existing = try store.existingCases(prepared.map(\.caseRef))
            var privateRows: [NodeStore.PrivateCaseRow] = []
            var changed: [(index: Int, version: VersionVector)] = []
            for (i, p) in prepared.enumerated() {
                let old = existing[p.caseRef]
                let publishedChanged = old == nil || old!.deleted || old!.bodyHash.map({ !Sodium.constantTimeEqual($0, p.bodyHash) }) ?? true
                let rawChanged = old == nil || old!.privateDeleted || !Sodium.constantTimeEqual(old!.rawHash, p.rawHash)
                if publishedChanged {
                    changed.append((i, (old?.version ?? VersionVector()).incremented(for: origin)))
                    if old == nil { report.created += 1 } else { report.updated += 1 }
                } else if rawChanged {
                    report.privateOnly += 1
                } else {
                    report.unchanged += 1
                }
                if rawChanged || publishedChanged {
                    privateRows.append(.init(caseRef: p.caseRef, recordId: old?.recordId ?? p.recordId, json: p.privateJSON, rawHash: p.rawHash))
                }
            }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let changedCount = changed.count
            let signed = Parallel.map(Array(changed.enumerated()), chunkSize: 256, chunkDone: progress.map { p in { @Sendable n in p(.signing, n, changedCount) } }) { item in
                let (offset, change) = item
                let p = prepared[change.index]
                return SignedEntry.make(
                    kind: .record, origin: origin, seq: head + UInt64(offset) + 1, recordId: p.recordId,
                    version: change.version, timestamp: now, body: p.body, key: key)
            }
            progress?(.storing, 0, 1)
            try store.upsertPrivateCases(privateRows)
            try store.appendLog(origin: origin, signed.enumerated().map { (i, e) in
                (seq: head + UInt64(i) + 1, kind: EntryKind.record, recordId: prepared[changed[i].index].recordId, entry: e)
            })
            var records: [NodeStore.RecordRow] = []
            var tokens: [NodeStore.TokenRow] = []
            records.reserveCapacity(changed.count)
            for (i, change) in changed.enumerated() {
                let p = prepared[change.index]
                records.append(.init(
                    recordId: p.recordId, origin: origin, seq: head + UInt64(i) + 1, caseRef: p.caseRef,
                    version: change.version, deleted: false, bodyHash: p.bodyHash, record: p.record))
                tokens += p.tokens
            }
            try store.upsertRecords(records, tokens: tokens)
            if !changed.isEmpty {
                try store.setVector(origin: origin, seq: head + UInt64(changed.count))
                report.firstSeq = head + 1
                report.lastSeq = head + UInt64(changed.count)
            }
            report.entries = changed.count
            progress?(.storing, 1, 1)
        }
        report.storeSeconds = Date().timeIntervalSince(t1)
        report.seconds = Date().timeIntervalSince(t0)
        logger.info(
            "import committed",
            metadata: [
                "cases": "\(report.cases)", "created": "\(report.created)", "updated": "\(report.updated)",
                "unchanged": "\(report.unchanged)", "entries": "\(report.entries)",
            ])
        return report
    }

    static func prepare(_ c: ValidatedCase, context: NodeContext, pseudonymizer: Pseudonymizer) -> Prepared {
        let record = pseudonymizer.record(for: c)
        let body = Pseudonymizer.encode(record)
        let privateJSON = Pseudonymizer.encode(c.input)
        let recordId = context.recordId(caseRef: c.caseRef)
        var tokens: [NodeStore.TokenRow] = []
        for (si, s) in record.subjects.enumerated() {
            for t in s.tokens {
                tokens.append(.init(token: Hex.decode(t.token)!, epoch: record.epoch, recordId: recordId, kind: t.kind, subject: si, role: s.role))
            }
        }
        return Prepared(
            caseRef: c.caseRef, recordId: recordId, privateJSON: String(decoding: privateJSON, as: UTF8.self),
            rawHash: Blake2b.hash(privateJSON), record: record, body: body, bodyHash: Blake2b.hash(body), tokens: tokens)
    }

    struct Line: Sendable {
        var line: Int
        var range: Range<Int>
    }

    /// Non-blank lines with their 1-based numbers; a trailing `\r` is dropped.
    static func splitLines(_ bytes: [UInt8]) -> [Line] {
        var out: [Line] = []
        var start = 0
        var number = 1
        func flush(_ end: Int) {
            var e = end
            if e > start, bytes[e - 1] == 13 { e -= 1 }
            var blank = true
            var i = start
            while i < e {
                let b = bytes[i]
                if b != 32 && b != 9 { blank = false; break }
                i += 1
            }
            if !blank { out.append(Line(line: number, range: start..<e)) }
        }
        for (i, b) in bytes.enumerated() where b == 10 {
            flush(i)
            start = i + 1
            number += 1
        }
        if start < bytes.count { flush(bytes.count) }
        return out
    }
}

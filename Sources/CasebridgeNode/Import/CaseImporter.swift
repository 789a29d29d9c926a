public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Dispatch
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
    /// Deconfliction, watch and movement alerts the imported cases raised.
    public var alerts = 0
    public var alertSeconds = 0.0
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
        try validateWithLines(bytes: bytes, format: format, progress: progress).cases
    }

    /// `validate`, with the line each case reference starts on.
    func validateWithLines(
        bytes: [UInt8], format: ImportFormat, progress: (@Sendable (ImportPhase, Int, Int) -> Void)?
    ) throws -> (cases: [ValidatedCase], lines: [String: Int]) {
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
        return (cases, firstLine)
    }

    /// A case made ready to store: private row, published record and body, tokens.
    struct Prepared: Sendable {
        var caseRef: String
        var recordId: String
        var privateJSON: [UInt8]
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
        let (cases, lines) = try validateWithLines(bytes: bytes, format: format, progress: progress)
        let parseSeconds = Date().timeIntervalSince(t0)
        var report = try importCases(cases, store: store, progress: progress, lines: lines)
        report.parseSeconds = parseSeconds
        report.seconds = Date().timeIntervalSince(t0)
        return report
    }

    /// Stores validated cases: writes private rows, and a signed entry for each case whose published record
    /// is new or changed, all in one transaction.
    ///
    /// The work is pipelined so that the database server and the client's cores work at the same time: cases are
    /// pseudonymized on a background thread, chunks ahead of the COPY that streams the private rows of earlier chunks;
    /// then entries are signed on a background thread (all cores but one) while the records and tokens are stored, and the
    /// signed entries go into the origin log last. `publishSeconds` is the pseudonymizing stage (with the private
    /// rows' COPY), `storeSeconds` everything after it.
    ///
    /// A reference whose case was purged is refused (`ImportRejected`, nothing written): the purge tombstone
    /// expunges whatever is published under that record id at every node, so the case needs a new reference.
    /// `lines` (reference -> input line) places that refusal in the file.
    public func importCases(
        _ cases: [ValidatedCase], store: NodeStore, progress: (@Sendable (ImportPhase, Int, Int) -> Void)? = nil,
        lines: [String: Int] = [:]
    ) throws -> ImportReport {
        let t0 = Date()
        let origin = context.config.nodeId
        let run = StoreRun(cases: cases, context: context, origin: origin, progress: progress)
        var t1 = Date()
        try store.db.transaction {
            let (head, key) = try Publishing.begin(context: context, store: store)
            run.key = key
            var purged: Set<String> = []
            run.existing = try store.existingCases(cases.map(\.caseRef), recordIdPrefix: origin + "/", recordsWithoutCase: &purged)
            if !purged.isEmpty {
                throw ImportRejected(issues: purged.map {
                    ImportIssue(
                        line: lines[$0] ?? 0, field: "caseRef",
                        reason: "this reference belonged to a case that was purged; a purged reference cannot be re-used (import the case under a new reference)")
                }.sorted { $0.line < $1.line })
            }
            // A new version must dominate every current version of its record, siblings included (docs/protocol.md,
            // "Rules for record versions"); the lookup gave the display row's version, enough for all other records.
            let withSiblings = run.existing.filter(\.value.hasSiblings)
            if !withSiblings.isEmpty {
                let joined = try store.joinedCurrentVersions(Set(withSiblings.values.map(\.recordId)))
                for (ref, e) in withSiblings {
                    run.existing[ref]?.version = (e.version ?? VersionVector()).merged(with: joined[e.recordId] ?? VersionVector())
                }
            }
            // Stage 1: pseudonymize (on a background thread, chunks ahead of the COPY); new cases' private rows go
            // straight into the table.
            let preparing = PrefetchStream(depth: 2) { run.nextPreparedChunk() }
            defer { preparing.close() }
            try store.insertPrivateCases(preparing)
            preparing.close()
            if !run.updatedPrivate.isEmpty { try store.upsertPrivateCases(run.updatedPrivate) }
            t1 = Date()
            // Stage 2: sign the new versions on a background thread (all cores but one: the database server needs
            // one) while the records and tokens are stored; the log goes last.
            let signers = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
            let signing = PrefetchStream(depth: Int.max) { run.nextSignedChunk(head: head, workers: signers) }
            defer { signing.close() }
            var records: [NodeStore.RecordRow] = []
            var tokens: [[NodeStore.TokenRow]] = []
            records.reserveCapacity(run.changed.count)
            tokens.reserveCapacity(run.changed.count)
            for (i, change) in run.changed.enumerated() {
                let p = run.prepared[change.index]
                records.append(.init(
                    recordId: p.recordId, origin: origin, seq: head + UInt64(i) + 1, caseRef: p.caseRef,
                    version: change.version, deleted: false, bodyHash: p.bodyHash, record: p.record,
                    isNew: run.existing[p.caseRef] == nil))
                tokens.append(p.tokens)
            }
            try store.upsertRecords(records, tokenGroups: tokens)
            // Records that had siblings now have one version, the one just written.
            if !withSiblings.isEmpty {
                try store.collapseToDisplayVersion(run.changed.compactMap { c in
                    withSiblings[run.prepared[c.index].caseRef] != nil ? run.prepared[c.index].recordId : nil
                })
            }
            run.writtenTokens = tokens
            run.writtenRecords = records
            progress?(.storing, 0, 1)
            try store.appendLog(origin: origin, signing)
            if !run.changed.isEmpty {
                try store.setVector(origin: origin, seq: head + UInt64(run.changed.count))
                run.report.firstSeq = head + 1
                run.report.lastSeq = head + UInt64(run.changed.count)
            }
            progress?(.storing, 1, 1)
            run.report.entries = run.changed.count
        }
        if let last = run.report.lastSeq { Publishing.committed(context: context, head: last) }
        var report = run.report
        report.publishSeconds = t1.timeIntervalSince(t0)
        report.storeSeconds = Date().timeIntervalSince(t1)
        // Alerts after the commit: the import stands whether or not the scan succeeds, and a failed scan is logged.
        if !run.changed.isEmpty {
            let t2 = Date()
            do {
                report.alerts = try store.db.transaction {
                    try store.scanAlerts(changedGroups: run.writtenTokens, selfId: origin, settings: context.alertSettings).count
                }
            } catch {
                logger.error("alert scan after import failed", metadata: ["error": "\(error)"])
            }
            report.alertSeconds = Date().timeIntervalSince(t2)
        }
        report.seconds = Date().timeIntervalSince(t0)
        Self.releaseLater(run)
        logger.info(
            "import committed",
            metadata: [
                "cases": "\(report.cases)", "created": "\(report.created)", "updated": "\(report.updated)",
                "unchanged": "\(report.unchanged)", "entries": "\(report.entries)",
            ])
        return report
    }

    /// The state of one import's store stage, advanced chunk by chunk by the streams that feed the COPYs.
    /// `nextPreparedChunk` and `nextSignedChunk` run on a `PrefetchStream`'s thread while the transaction's thread
    /// waits for (stage 1) or only reads (stage 2: `changed`, `prepared`, `existing`) what they write; each chunk's
    /// items run in parallel.
    final class StoreRun {
        static let chunkSize = 4096

        let cases: [ValidatedCase]
        let context: NodeContext
        let origin: String
        let progress: (@Sendable (ImportPhase, Int, Int) -> Void)?
        /// Tokens written by the store stage (one group per record), for the alert scan after the commit.
        var writtenTokens: [[NodeStore.TokenRow]] = []
        /// The record rows written, kept so that they are freed with the run (see `releaseLater`).
        var writtenRecords: [NodeStore.RecordRow] = []
        /// The key valid for the seqs this run signs (from `Publishing.begin`).
        var key: SigningKey?
        let timestamp = Int64(Date().timeIntervalSince1970 * 1000)
        var existing: [String: NodeStore.ExistingCase] = [:]
        var report = ImportReport()
        var prepared: [Prepared] = []
        /// Cases whose published record is new or changed, in seq order, with their new version.
        var changed: [(index: Int, version: VersionVector)] = []
        /// Private rows of cases that already exist on the node.
        var updatedPrivate: [NodeStore.PrivateCaseRow] = []
        private var nextCase = 0
        private var nextChange = 0

        init(cases: [ValidatedCase], context: NodeContext, origin: String, progress: (@Sendable (ImportPhase, Int, Int) -> Void)?) {
            self.cases = cases
            self.context = context
            self.origin = origin
            self.progress = progress
            report.cases = cases.count
            prepared.reserveCapacity(cases.count)
        }

        /// Pseudonymizes the next chunk of cases, sorts them into created, updated, private-only and unchanged,
        /// and returns the private rows of the new ones (nil when all cases are done).
        func nextPreparedChunk() -> [NodeStore.PrivateCaseRow]? {
            guard nextCase < cases.count else { return nil }
            let lo = nextCase
            let hi = min(cases.count, lo + Self.chunkSize)
            nextCase = hi
            let ctx = context
            let pseudonymizer = context.pseudonymizer
            let chunk = Array(cases[lo..<hi])
            let done = Parallel.map(chunk, chunkSize: 256) { c in CaseImporter.prepare(c, context: ctx, pseudonymizer: pseudonymizer) }
            var newRows: [NodeStore.PrivateCaseRow] = []
            newRows.reserveCapacity(done.count)
            for p in done {
                let i = prepared.count
                prepared.append(p)
                guard let old = existing[p.caseRef] else {
                    changed.append((i, VersionVector().incremented(for: origin)))
                    report.created += 1
                    newRows.append(.init(caseRef: p.caseRef, recordId: p.recordId, jsonUTF8: p.privateJSON, rawHash: p.rawHash))
                    continue
                }
                let publishedChanged = old.deleted || old.bodyHash.map({ !Sodium.constantTimeEqual($0, p.bodyHash) }) ?? true
                let rawChanged = old.privateDeleted || !Sodium.constantTimeEqual(old.rawHash, p.rawHash)
                if publishedChanged {
                    changed.append((i, (old.version ?? VersionVector()).incremented(for: origin)))
                    report.updated += 1
                } else if rawChanged {
                    report.privateOnly += 1
                } else {
                    report.unchanged += 1
                }
                if rawChanged || publishedChanged {
                    updatedPrivate.append(.init(caseRef: p.caseRef, recordId: old.recordId, jsonUTF8: p.privateJSON, rawHash: p.rawHash))
                }
            }
            progress?(.pseudonymizing, hi, cases.count)
            return newRows
        }

        /// Signs the next chunk of changed records as log entries on `workers` threads (nil when all are done).
        func nextSignedChunk(head: UInt64, workers: Int? = nil) -> [(seq: UInt64, kind: EntryKind, recordId: String, entry: SignedEntry)]? {
            guard nextChange < changed.count else { return nil }
            let lo = nextChange
            let hi = min(changed.count, lo + Self.chunkSize)
            nextChange = hi
            let origin = origin
            let key = key ?? context.signingKey
            let now = timestamp
            let items = Array(changed[lo..<hi].enumerated()).map { (offset: lo + $0.offset, index: $0.element.index, version: $0.element.version) }
            let prepared = prepared
            let out = Parallel.map(items, chunkSize: 256, workers: workers) { item in
                let p = prepared[item.index]
                let seq = head + UInt64(item.offset) + 1
                let entry = SignedEntry.make(
                    kind: .record, origin: origin, seq: seq, recordId: p.recordId,
                    version: item.version, timestamp: now, body: p.body, key: key)
                return (seq: seq, kind: EntryKind.record, recordId: p.recordId, entry: entry)
            }
            progress?(.signing, hi, changed.count)
            return out
        }
    }

    /// Frees `run` on a background thread shortly after the caller has dropped it. A large import's working set is
    /// millions of small allocations (each case's prepared rows, a token array per identifier: 1.35 M per 100,000
    /// cases), and freeing them took about 0.4 s of one core after the commit, before the caller got its report.
    /// A command-line import exits without waiting for it.
    static func releaseLater(_ run: StoreRun) {
        guard run.prepared.count >= 10_000 else { return }
        let held = UncheckedSendableBox(Unmanaged.passRetained(run))
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + 0.05) { held.value.release() }
    }

    static func prepare(_ c: ValidatedCase, context: NodeContext, pseudonymizer: Pseudonymizer) -> Prepared {
        let (record, rawTokens) = pseudonymizer.pseudonymize(c)
        let body = Pseudonymizer.encode(record)
        let privateJSON = Pseudonymizer.encode(c.input)
        let recordId = context.recordId(caseRef: c.caseRef)
        var tokens: [NodeStore.TokenRow] = []
        tokens.reserveCapacity(rawTokens.reduce(0) { $0 + $1.count })
        for (si, s) in rawTokens.enumerated() {
            let role = record.subjects[si].role
            for t in s {
                tokens.append(.init(token: t.token, epoch: record.epoch, recordId: recordId, kind: t.kind, subject: si, role: role))
            }
        }
        return Prepared(
            caseRef: c.caseRef, recordId: recordId, privateJSON: privateJSON,
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

/// Carries a value that is handed over whole to another thread (nothing else touches it meanwhile).
private struct UncheckedSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

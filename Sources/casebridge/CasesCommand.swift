public import ArgumentParser
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeStore
import Foundation

struct CasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases", abstract: "Import, inspect and delete this node's cases.",
        subcommands: [Import.self, Show.self, Delete.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import cases from JSONL or CSV (see docs/import.md).",
            discussion: """
                Everything is validated first; on any problem nothing is written and every problem is listed with
                its line and field (never the value). Importing the same file twice changes nothing.
                Exit codes: 65 bad input, 66 file not found, 69 database unavailable.
                """)

        @OptionGroup var options: NodeOptions

        @Argument(help: "The file to import.")
        var file: String

        @Option(help: "Input format: jsonl or csv (default: from the file extension).")
        var format: ImportFormat?

        @Option(help: "Report format: text or json.")
        var outputFormat: OutputFormat = .text

        @Option(help: "List at most this many problems (0: all).")
        var maxErrors: Int = 200

        func run() async throws {
            try await runReportingErrors(format: outputFormat) {
                guard let fmt = format ?? ImportFormat.guess(path: file) else {
                    throw CLIError(message: "\(file): cannot tell the format from the extension; pass --format jsonl or --format csv", code: Exit.usage)
                }
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CLIError(message: "\(file): cannot read the file", code: Exit.noInput)
                }
                let (context, store, logger) = try options.openNode()
                let display = ProgressDisplay(enabled: isatty(2) == 1 && outputFormat == .text)
                let importer = CaseImporter(context: context, logger: logger)
                let report: ImportReport
                do {
                    report = try importer.importFile(bytes: Array(data), format: fmt, store: store) { phase, done, total in
                        display.update(phase.rawValue, done, total)
                    }
                    display.finish()
                } catch let rejected as ImportRejected {
                    display.finish()
                    let shown = maxErrors > 0 ? Array(rejected.issues.prefix(maxErrors)) : rejected.issues
                    if outputFormat == .json {
                        struct Out: Encodable { var file: String; var errors: [ImportIssue]; var total: Int; var written: Int }
                        try printJSON(Out(file: file, errors: shown, total: rejected.issues.count, written: 0))
                    } else {
                        for i in shown { printError("\(file):\(i.line): \(i.field.isEmpty ? "" : i.field + ": ")\(i.reason)") }
                        if shown.count < rejected.issues.count { printError("... and \(rejected.issues.count - shown.count) more") }
                    }
                    throw CLIError(message: "\(file): \(rejected.issues.count) problem(s); nothing was imported", code: Exit.dataError)
                }
                if outputFormat == .json {
                    try printJSON(report)
                } else {
                    print("Imported \(file): \(report.cases) case(s): \(report.created) new, \(report.updated) changed, \(report.unchanged) unchanged, \(report.privateOnly) changed privately only")
                    if let f = report.firstSeq, let l = report.lastSeq {
                        print("Wrote \(report.entries) signed entr\(report.entries == 1 ? "y" : "ies") (seq \(f)-\(l)) in \(String(format: "%.2f", report.seconds)) s")
                    } else {
                        print("No new entries (nothing published changed).")
                    }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a case as held privately and, beside it, exactly what the node publishes.")

        @OptionGroup var options: NodeOptions

        @Argument(help: "The case reference.")
        var ref: String

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (_, store, _) = try options.openNode()
                guard let priv = try store.privateCase(caseRef: ref) else {
                    throw CLIError(message: "no case with that reference on this node", code: Exit.dataError)
                }
                let head = try store.recordHead(recordId: priv.recordId)
                let header = try head.map { try EntryHeader(decoding: $0.entry.header) }
                let body = head?.entry.body.map { String(decoding: $0, as: UTF8.self) }
                if format == .json {
                    var obj: [String: Any] = [
                        "private": (try? JSONSerialization.jsonObject(with: Data(priv.json.utf8))) ?? priv.json,
                        "deleted": priv.deleted,
                    ]
                    if let head, let header {
                        obj["published"] = [
                            "recordId": priv.recordId, "origin": head.origin, "seq": head.seq,
                            "kind": header.kind.description, "version": header.version.counters,
                            "keyId": Hex.encode(header.keyId), "bodyHash": Hex.encode(header.bodyHash),
                            "timestamp": header.timestamp,
                            "body": body.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull(),
                            "entryBytes": ["header": head.entry.header.count, "body": head.entry.body?.count ?? 0, "signature": head.entry.signature.count],
                        ] as [String: Any]
                    }
                    let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print("== PRIVATE (stays on this node) ==")
                    print(pretty(priv.json))
                    if priv.deleted { print("(deleted)") }
                    print("")
                    print("== PUBLISHED (what other agencies receive) ==")
                    if let head, let header {
                        print("entry: origin \(head.origin) seq \(head.seq) kind \(header.kind) version \(header.version)")
                        print("signed by key \(Hex.encode(header.keyId)), body hash \(Hex.encode(header.bodyHash))")
                        if let body { print(pretty(body)) }
                    } else {
                        print("(nothing published)")
                    }
                }
            }
        }

        func pretty(_ json: String) -> String {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
                  let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            else { return json }
            return String(decoding: data, as: UTF8.self)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw a case from publication: writes a signed tombstone entry.",
            discussion: "The private record is kept (marked deleted); re-importing the case publishes it again as a newer version.")

        @OptionGroup var options: NodeOptions

        @Argument(help: "The case reference.")
        var ref: String

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, logger) = try options.openNode()
                let seq = try CaseDeleter(context: context, logger: logger).delete(caseRef: ref, store: store)
                if format == .json {
                    try printJSON(["caseRef": ref, "tombstoneSeq": String(seq)])
                } else {
                    print("Deleted \(ref): tombstone entry seq \(seq).")
                }
            }
        }
    }
}

extension ImportFormat: ExpressibleByArgument {}

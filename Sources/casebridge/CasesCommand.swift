public import ArgumentParser
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import Foundation

struct CasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases", abstract: "Import, inspect and delete this node's cases.",
        subcommands: [Import.self, Show.self, Delete.self, Revalidate.self, Purge.self])

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
            abstract: "Show one of your agency's cases as held privately and, beside it, exactly what the node publishes (through the local API; audited).")

        @OptionGroup var api: APIOptions

        @Argument(help: "The case reference.")
        var ref: String

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let data = try await api.client().send("GET", "/v1/cases/" + pathSegment(ref))
                if format == .json {
                    print(String(decoding: data, as: UTF8.self))
                    return
                }
                let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                print("== PRIVATE (stays on this node) ==")
                print(pretty(obj["private"]))
                if obj["deleted"] as? Bool == true { print("(deleted)") }
                print("")
                print("== PUBLISHED (what other agencies receive) ==")
                if let p = obj["published"] as? [String: Any] {
                    print("entry: origin \(p["origin"] ?? "?") seq \(p["seq"] ?? "?") kind \(p["kind"] ?? "?") version \(pretty(p["version"], compact: true))")
                    print("signed by key \(p["keyId"] ?? "?"), body hash \(p["bodyHash"] ?? "?")")
                    if let body = p["body"], !(body is NSNull) { print(pretty(body)) }
                } else {
                    print("(nothing published)")
                }
            }
        }

        func pretty(_ value: Any?, compact: Bool = false) -> String {
            guard let value, JSONSerialization.isValidJSONObject(value),
                  let data = try? JSONSerialization.data(withJSONObject: value, options: compact ? [.sortedKeys] : [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            else { return value.map { "\($0)" } ?? "null" }
            return String(decoding: data, as: UTF8.self)
        }
    }

    struct Revalidate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep a case past its review date (28 CFR 23.20(h)): sets the review date retention.review_years ahead (supervisors; audited).")
        @OptionGroup var api: APIOptions
        @Argument(help: "The case reference.") var ref: String
        @Option(help: "Why the case remains relevant (required).") var reason: String
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                struct Out: Codable { var caseRef: String; var reviewBy: String }
                let out = try await api.client().call("POST", "/v1/cases/\(pathSegment(ref))/revalidate", body: ReasonRequest(reason: reason), as: Out.self)
                if format == .json { try printJSON(out) } else { print("\(out.caseRef): next review by \(out.reviewBy)") }
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Expunge a case: its tokens and published bodies disappear from every node, the private record is deleted (supervisors; audited).")
        @OptionGroup var api: APIOptions
        @Argument(help: "The case reference.") var ref: String
        @Option(help: "Why the case is purged (required).") var reason: String
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let out = try await api.client().call("POST", "/v1/cases/\(pathSegment(ref))/purge", body: ReasonRequest(reason: reason), as: CasePurger.Report.self)
                if format == .json { try printJSON(out) } else {
                    print("\(out.caseRef): purged (purge entry seq \(out.seq); \(out.bodiesDropped) published bod\(out.bodiesDropped == 1 ? "y" : "ies") dropped here, peers drop theirs when they sync)")
                }
            }
        }
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

extension ImportFormat: ExpressibleByArgument {}

import ArgumentParser
import CasebridgeCore
import CasebridgeNode
import Foundation

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Developer tools.", subcommands: [Generate.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate synthetic, realistic cases for several agencies, with known cross-agency links.",
            discussion: """
                Writes DIR/NODE.jsonl and DIR/NODE.csv per agency, DIR/agencies.json (node ids, names, regions) and
                DIR/truth.json (the true cross-agency links, for measuring recall and precision). All data is fictional.
                """)

        @Option(help: "Number of agencies.")
        var agencies: Int = 3

        @Option(help: "Cases per agency.")
        var casesPerAgency: Int = 100

        @Option(help: "Fraction (0-1) of subjects that also appear at another agency.")
        var overlap: Double = 0.1

        @Option(help: "Random seed (same seed, same data).")
        var seed: UInt64 = 1

        @Option(help: "Output folder (created if missing).")
        var out: String

        @Option(help: "Output format of the summary: text or json.")
        var format: OutputFormat = .text

        func validate() throws {
            guard agencies >= 1, agencies <= 1000 else { throw ValidationError("--agencies must be 1...1000") }
            guard casesPerAgency >= 0 else { throw ValidationError("--cases-per-agency must be 0 or more") }
            guard (0...1).contains(overlap) else { throw ValidationError("--overlap must be between 0 and 1") }
        }

        func run() async throws {
            try await runReportingErrors(format: format) {
                let fed = SyntheticGenerator(agencies: agencies, casesPerAgency: casesPerAgency, overlap: overlap, seed: seed).generate()
                let fm = FileManager.default
                try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
                struct AgencyOut: Encodable { var nodeId: String; var agency: String; var defaultRegion: String; var jurisdiction: String; var cases: Int }
                var summary: [AgencyOut] = []
                for a in fed.agencies {
                    try Data(CaseInputCoding.jsonl(a.cases).utf8).write(to: URL(fileURLWithPath: "\(out)/\(a.nodeId).jsonl"))
                    try Data(CSVCaseMapping.encode(a.cases).utf8).write(to: URL(fileURLWithPath: "\(out)/\(a.nodeId).csv"))
                    summary.append(AgencyOut(nodeId: a.nodeId, agency: a.agency, defaultRegion: a.defaultRegion, jurisdiction: a.jurisdiction, cases: a.cases.count))
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                try encoder.encode(summary).write(to: URL(fileURLWithPath: "\(out)/agencies.json"))
                try encoder.encode(fed.truth).write(to: URL(fileURLWithPath: "\(out)/truth.json"))
                if format == .json {
                    struct Out: Encodable { var out: String; var agencies: [AgencyOut]; var truthLinks: Int }
                    try printJSON(Out(out: out, agencies: summary, truthLinks: fed.truth.count))
                } else {
                    for a in summary { print("\(out)/\(a.nodeId).jsonl, .csv: \(a.cases) cases (\(a.agency), region \(a.defaultRegion))") }
                    print("\(out)/truth.json: \(fed.truth.count) cross-agency links")
                }
            }
        }
    }
}

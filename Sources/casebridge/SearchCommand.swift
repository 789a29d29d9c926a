import ArgumentParser
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeStore
import Foundation

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find cases, at any agency, that share identifiers with the query.",
        discussion: """
            Identifiers are normalized and tokenized on the node; only tokens are looked up. Any combination of
            options; each may be repeated. A purpose (case number or reason) is required.
            """)

    @OptionGroup var options: NodeOptions

    @Option(help: "Phone number, in any common format (national numbers use the node's default region).")
    var phone: [String] = []

    @Option(help: "Full name, \"GIVEN FAMILY\" (order does not matter).")
    var name: [String] = []

    @Option(help: "Date of birth (ISO 8601 or a common format).")
    var dob: String?

    @Option(help: "How to read an ambiguous --dob: mdy, dmy or ymd.")
    var dobFormat: String?

    @Option(help: "Email address.")
    var email: [String] = []

    @Option(help: "Vehicle plate (needs --plate-region).")
    var plate: [String] = []

    @Option(help: "Issuing region of --plate, e.g. US-CA.")
    var plateRegion: String?

    @Option(help: "Online handle as PLATFORM:HANDLE, e.g. instagram:@jdoe.")
    var handle: [String] = []

    @Option(help: "Identity document as TYPE:ISSUER:NUMBER, e.g. passport:MX:G1234567.")
    var document: [String] = []

    @Option(help: "Why you are searching: case number or reason (required).")
    var purpose: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        guard let purpose, !purpose.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("--purpose is required: state the case number or reason for this search")
        }
        if !plate.isEmpty && plateRegion == nil { throw ValidationError("--plate needs --plate-region (the issuing jurisdiction, e.g. US-CA)") }
        if let dobFormat, DateOrder(rawValue: dobFormat) == nil { throw ValidationError("--dob-format must be mdy, dmy or ymd") }
        for h in handle where !h.contains(":") { throw ValidationError("--handle must be PLATFORM:HANDLE") }
        for d in document where d.split(separator: ":", maxSplits: 2).count != 3 { throw ValidationError("--document must be TYPE:ISSUER:NUMBER") }
        if phone.isEmpty && name.isEmpty && dob == nil && email.isEmpty && plate.isEmpty && handle.isEmpty && document.isEmpty {
            throw ValidationError("give at least one identifier: --phone, --name, --dob, --email, --plate, --handle or --document")
        }
    }

    func run() async throws {
        try await runReportingErrors(format: format) {
            let (context, store, logger) = try options.openNode()
            var q = SearchQuery(purpose: purpose!)
            q.phones = phone
            q.names = name
            q.dob = dob
            q.dobFormat = dobFormat.flatMap(DateOrder.init(rawValue:))
            q.emails = email
            q.plates = plate.map { ($0, plateRegion!) }
            q.handles = handle.map { h in
                let i = h.firstIndex(of: ":")!
                return (String(h[..<i]), String(h[h.index(after: i)...]))
            }
            q.documents = document.map { d in
                let parts = d.split(separator: ":", maxSplits: 2).map(String.init)
                return (parts[0], parts[2], parts[1])
            }
            let hits = try CaseSearch(context: context, logger: logger).run(q, store: store)
            if format == .json {
                struct Out: Encodable { var hits: [SearchHit]; var purpose: String }
                try printJSON(Out(hits: hits, purpose: q.purpose))
            } else if hits.isEmpty {
                print("No matching cases.")
            } else {
                print("\(hits.count) matching case(s), strongest first:")
                for h in hits {
                    print("")
                    print("  \(h.caseRef) at \(h.agency ?? h.origin) [\(h.origin)]\(h.local ? " (this node)" : "")")
                    print("    matched: \(h.matched.joined(separator: ", ")) (score \(h.score))")
                    print("    case: \(h.caseType ?? "?"), \(h.status ?? "?"), \(h.jurisdiction ?? "?"); updated \(h.updatedAt)\(h.originSyncedAt.map { "; \(h.origin) data last synced \($0)" } ?? "")\(h.conflict ? "; CONFLICT: concurrent versions" : "")")
                    if let c = h.contact {
                        let parts = [c.name, c.unit, c.phone, c.email].compactMap { $0 }
                        print("    contact: \(parts.joined(separator: ", "))")
                    }
                }
            }
        }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the node's identity, schema and what it holds.")

    @OptionGroup var options: NodeOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        try await runReportingErrors(format: format) {
            let (context, store, _) = try options.openNode()
            let c = try store.counts()
            let v = try store.vector()
            if format == .json {
                struct Out: Encodable {
                    var nodeId: String; var agency: String; var keyId: String; var pseudonymEpoch: Int
                    var schema: Int; var privateCases: Int; var publishedRecords: Int; var tokens: Int; var logEntries: Int
                    var vector: [String: UInt64]
                }
                try printJSON(Out(
                    nodeId: context.config.nodeId, agency: context.config.agency, keyId: context.signingKey.publicKey.keyIdHex,
                    pseudonymEpoch: context.pseudonymKey.epoch, schema: Migration.latestVersion, privateCases: c.privateCases,
                    publishedRecords: c.records, tokens: c.tokens, logEntries: c.logEntries, vector: v.counters))
            } else {
                print("node \(context.config.nodeId) (\(context.config.agency)), signing key \(context.signingKey.publicKey.keyIdHex), pseudonym epoch \(context.pseudonymKey.epoch)")
                print("schema \(Migration.latestVersion); \(c.privateCases) private case(s), \(c.records) published record(s), \(c.tokens) token(s), \(c.logEntries) log entr\(c.logEntries == 1 ? "y" : "ies")")
                print("vector \(v)")
            }
        }
    }
}

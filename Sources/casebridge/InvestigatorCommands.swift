import ArgumentParser
import CasebridgeCore
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import Foundation

/// Identifier options shared by `search` and `watch add`.
struct IdentifierOptions: ParsableArguments {
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

    func validate() throws {
        if !plate.isEmpty && plateRegion == nil { throw ValidationError("--plate needs --plate-region (the issuing jurisdiction, e.g. US-CA)") }
        if let dobFormat, DateOrder(rawValue: dobFormat) == nil { throw ValidationError("--dob-format must be mdy, dmy or ymd") }
        for h in handle where !h.contains(":") { throw ValidationError("--handle must be PLATFORM:HANDLE") }
        for d in document where d.split(separator: ":", maxSplits: 2).count != 3 { throw ValidationError("--document must be TYPE:ISSUER:NUMBER") }
        if phone.isEmpty && name.isEmpty && dob == nil && email.isEmpty && plate.isEmpty && handle.isEmpty && document.isEmpty {
            throw ValidationError("give at least one identifier: --phone, --name, --dob, --email, --plate, --handle or --document")
        }
    }

    var query: IdentifierQuery {
        var q = IdentifierQuery()
        q.phones = phone.isEmpty ? nil : phone
        q.names = name.isEmpty ? nil : name
        q.dob = dob
        q.dobFormat = dobFormat
        q.emails = email.isEmpty ? nil : email
        q.plates = plate.isEmpty ? nil : plate.map { .init(plate: $0, region: plateRegion!) }
        q.handles = handle.isEmpty ? nil : handle.map { h in
            let i = h.firstIndex(of: ":")!
            return .init(platform: String(h[..<i]), handle: String(h[h.index(after: i)...]))
        }
        q.documents = document.isEmpty ? nil : document.map { d in
            let p = d.split(separator: ":", maxSplits: 2).map(String.init)
            return .init(type: p[0], issuer: p[1], number: p[2])
        }
        return q
    }
}

/// The purpose every search and watch states.
struct PurposeOptions: ParsableArguments {
    @Option(help: "The case this serves (your case number). Required.")
    var caseNumber: String?

    @Option(help: "Why: the reason for this inquiry. Required; do not repeat the identifiers here.")
    var purpose: String?

    func validate() throws {
        guard let caseNumber, !caseNumber.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("--case-number is required: the case this inquiry serves")
        }
        guard let purpose, !purpose.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("--purpose is required: state the reason for this inquiry")
        }
    }

    var value: Purpose { Purpose(caseNumber: caseNumber!, reason: purpose!) }
}

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Store your API token for the investigator commands (checked against the node first).",
        discussion: """
            Reads the token from standard input (or --token-file), checks it with the node's local API, and writes
            the node URL and token to a credentials file with mode 0600.
            """)

    @Option(help: "Local API of your node.") var node: String = ProcessInfo.processInfo.environment["CASEBRIDGE_NODE"] ?? "http://127.0.0.1:7080"
    @Option(help: "Where to write the credentials (default: $CASEBRIDGE_CREDENTIALS, else ~/.config/casebridge/credentials.json).") var credentials: String?
    @Option(help: "Read the token from this file instead of standard input.") var tokenFile: String?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() async throws {
        try await runReportingErrors(format: format) {
            let text: String
            if let tokenFile {
                guard let d = FileManager.default.contents(atPath: tokenFile) else { throw CLIError(message: "\(tokenFile): cannot read", code: Exit.noInput) }
                text = String(decoding: d, as: UTF8.self)
            } else {
                if isatty(0) == 1 { FileHandle.standardError.write(Data("API token: ".utf8)) }
                text = readLine(strippingNewline: true) ?? ""
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard APIToken(parsing: token) != nil else {
                throw CLIError(message: "that is not a casebridge API token (cbt_USER_...)", code: Exit.dataError)
            }
            let client = LocalAPIClient(baseURL: node, token: token)
            let me = try await client.call("GET", "/v1/whoami", as: UserAccounts.Principal.self)
            let path = Credentials.defaultPath(credentials)
            try Credentials(node: node, token: token).save(path: path)
            if format == .json {
                struct Out: Encodable { var user: String; var role: String; var tokenExpiresAt: String?; var credentials: String }
                try printJSON(Out(user: me.user, role: me.role.rawValue, tokenExpiresAt: me.tokenExpiresAt, credentials: path))
            } else {
                print("logged in to \(node) as \(me.user) (\(me.role.rawValue)); token expires \(me.tokenExpiresAt ?? "?"); credentials in \(path)")
            }
        }
    }
}

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Deconfliction, watch and movement alerts: who to call.",
        subcommands: [List.self, Ack.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List open alerts (or all with --all).")
        @OptionGroup var api: APIOptions
        @Flag(help: "Include acknowledged alerts.") var all = false
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                struct Out: Codable { var alerts: [NodeStore.AlertRow] }
                let out = try await api.client().call("GET", "/v1/alerts" + (all ? "?all=true" : ""), as: Out.self)
                if format == .json { try printJSON(out); return }
                if out.alerts.isEmpty { print(all ? "No alerts." : "No open alerts."); return }
                for a in out.alerts { printAlert(a) }
            }
        }
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Acknowledge an alert.")
        @OptionGroup var api: APIOptions
        @Argument(help: "Alert id.") var id: Int64

        func run() async throws {
            try await runReportingErrors {
                _ = try await api.client().send("POST", "/v1/alerts/\(id)/ack")
                print("acknowledged alert \(id)")
            }
        }
    }
}

func printAlert(_ a: NodeStore.AlertRow) {
    let state = a.ackedAt.map { " (acknowledged by \(a.ackedBy ?? "?") at \($0))" } ?? ""
    switch a.kind {
    case "deconfliction":
        print("#\(a.id) DECONFLICTION \(a.raisedAt)\(state)")
        print("  your case \(a.caseRef ?? "?") shares \(a.matched.joined(separator: ", ")) with \(a.otherAgency ?? a.otherOrigin ?? "?") case \(a.otherCaseRef ?? "?")")
    case "watch":
        print("#\(a.id) WATCH \(a.watchId.map(String.init) ?? "?") \(a.raisedAt)\(state)")
        print("  \(a.matched.joined(separator: ", ")) found in \(a.otherAgency ?? a.otherOrigin ?? "?") case \(a.otherCaseRef ?? "?")")
    case "equivocation":
        print("#\(a.id) EQUIVOCATION \(a.raisedAt)\(state)")
        print("  \(a.otherAgency ?? a.otherOrigin ?? "?") signed two different entries for one position; its entries are frozen here until an admin resolves it (casebridge trust evidence / trust unfreeze)")
    default:
        print("#\(a.id) MOVEMENT \(a.raisedAt)\(state)")
        print("  one \(a.matched.joined(separator: "/")) in cases of \(a.jurisdictions?.count ?? 0) jurisdictions: \((a.jurisdictions ?? []).joined(separator: ", "))")
        print("  records: \((a.records ?? []).joined(separator: ", "))")
    }
    if let c = a.otherContact {
        print("  call: \([c.name, c.unit, c.phone, c.email].compactMap { $0 }.joined(separator: ", "))")
    }
}

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Standing queries: be alerted when an identifier appears at any agency.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Watch identifiers (one watch per identifier).")
        @OptionGroup var api: APIOptions
        @OptionGroup var ids: IdentifierOptions
        @OptionGroup var purpose: PurposeOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                struct Out: Codable { var watches: [Int64]; var alertsRaised: Int }
                let out = try await api.client().call("POST", "/v1/watches", body: WatchRequest(purpose: purpose.value, query: ids.query), as: Out.self)
                if format == .json { try printJSON(out); return }
                print("watching: \(out.watches.map { "#\($0)" }.joined(separator: ", "))")
                if out.alertsRaised > 0 { print("\(out.alertsRaised) alert(s) raised already: see `casebridge alerts`") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your watches (supervisors: everyone's).")
        @OptionGroup var api: APIOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                struct Out: Codable { var watches: [NodeStore.WatchRow] }
                let out = try await api.client().call("GET", "/v1/watches", as: Out.self)
                if format == .json { try printJSON(out); return }
                if out.watches.isEmpty { print("No watches."); return }
                for w in out.watches { print("#\(w.id)  \(w.kind)  \(w.owner)  since \(w.createdAt)  \(w.purpose)") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a watch.")
        @OptionGroup var api: APIOptions
        @Argument(help: "Watch id.") var id: Int64

        func run() async throws {
            try await runReportingErrors {
                _ = try await api.client().send("DELETE", "/v1/watches/\(id)")
                print("removed watch \(id)")
            }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The tamper-evident audit log: verify the chain, export for the SIEM.",
        subcommands: [Verify.self, Export.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain; names the first edited, deleted or reordered row (exit 65 if broken).")
        @OptionGroup var api: APIOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let v = try await api.client().call("GET", "/v1/audit/verify", as: AuditLog.Verification.self)
                if format == .json {
                    try printJSON(v)
                } else if v.ok {
                    print("audit log intact: \(v.rows) row(s), head \(v.headSeq) \(v.headHash)")
                } else if let p = v.problem {
                    print("audit log BROKEN at row \(p.seq): \(p.kind): \(p.message) (\(v.headSeq) row(s) intact before it)")
                }
                if !v.ok { throw ExitCode(Exit.dataError) }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write audit rows as JSON lines (one row per line, with chain hashes).")
        @OptionGroup var api: APIOptions
        @Option(help: "Only rows at or after this UTC date or time (ISO 8601).") var since: String?
        @Option(help: "Write to this file instead of standard output.") var out: String?

        func run() async throws {
            try await runReportingErrors {
                let client = try api.client()
                struct Page: Codable { var rows: [AuditLog.ExportedRow]; var next: UInt64? }
                var after: UInt64 = 0
                var lines = Data()
                var count = 0
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                while true {
                    var q = "/v1/audit?after=\(after)&limit=5000"
                    if let since { q += "&since=" + pathSegment(since) }
                    let page = try await client.call("GET", q, as: Page.self)
                    for r in page.rows {
                        lines.append(try encoder.encode(r))
                        lines.append(0x0A)
                    }
                    count += page.rows.count
                    guard let next = page.next else { break }
                    after = next
                }
                try writeOutput(lines, to: out, restricted: true, summary: "wrote \(count) audit row(s) to \(out ?? "")")
            }
        }
    }
}

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention", abstract: "28 CFR 23.20(h) review: cases due for revalidation or purge.",
        subcommands: [Due.self])

    struct Due: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List cases whose review date has passed or falls within --within days.")
        @OptionGroup var api: APIOptions
        @Option(help: "Days ahead to look.") var within: Int = 30
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                struct Out: Codable { var withinDays: Int; var reviewYears: Int; var cases: [NodeStore.ReviewRow] }
                let out = try await api.client().call("GET", "/v1/retention/due?within=\(within)", as: Out.self)
                if format == .json { try printJSON(out); return }
                if out.cases.isEmpty { print("No case due for review within \(within) days."); return }
                print("\(out.cases.count) case(s) due for review (retention \(out.reviewYears) years):")
                for c in out.cases {
                    print("  \(c.caseRef)  review by \(c.reviewBy)  last updated \(c.updatedAt)\(c.revalidated ? "  (revalidated)" : "")\(c.deleted ? "  (deleted)" : "")")
                }
                print("Revalidate with `casebridge cases revalidate REF --reason ...` or expunge with `casebridge cases purge REF --reason ...`.")
            }
        }
    }
}

import ArgumentParser
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import Foundation

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find cases, at any agency, that share identifiers with the query (through your node's local API).",
        discussion: """
            Identifiers are normalized and tokenized on the node; only tokens are looked up, and the CLI holds no
            key. Any combination of identifier options; each may be repeated. A case number and a purpose are
            required, and the search is written to the node's audit log. Log in first with `casebridge login`.
            """)

    @OptionGroup var api: APIOptions
    @OptionGroup var ids: IdentifierOptions
    @OptionGroup var purpose: PurposeOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        try await runReportingErrors(format: format) {
            let response = try await api.client().call(
                "POST", "/v1/search", body: SearchRequest(purpose: purpose.value, query: ids.query), as: SearchResponse.self)
            let hits = response.hits
            if format == .json {
                try printJSON(response)
            } else if hits.isEmpty {
                print("No matching cases. (audited as row \(response.auditSeq))")
            } else {
                print("\(hits.count) matching case(s), strongest first:")
                for h in hits {
                    print("")
                    print("  \(h.caseRef) at \(h.agency ?? h.origin) [\(h.origin)]\(h.local ? " (this node)" : "")")
                    print("    matched: \(h.matched.joined(separator: ", ")) (score \(h.score))")
                    print("    case: \(h.caseType ?? "?"), \(h.status ?? "?"), \(h.jurisdiction ?? "?"); updated \(h.updatedAt)\(h.originSyncedAt.map { "; \(h.origin) data last synced \($0)" } ?? "")\(h.conflict ? "; CONFLICT: concurrent versions" : "")")
                    if let c = h.contact {
                        let parts = [c.name, c.unit, c.phone, c.email].compactMap { $0 }
                        print("    call: \(parts.joined(separator: ", "))")
                    }
                }
                print("")
                print("(audited as row \(response.auditSeq))")
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
            let cache = try store.cacheSizes()
            let advice = cache.advice
            if format == .json {
                struct Out: Encodable {
                    var nodeId: String; var agency: String; var keyId: String; var pseudonymEpoch: Int
                    var schema: Int; var privateCases: Int; var publishedRecords: Int; var tokens: Int; var logEntries: Int
                    var vector: [String: UInt64]
                    var sharedBuffersBytes: Int; var tokenIndexBytes: Int; var warnings: [String]
                }
                try printJSON(Out(
                    nodeId: context.config.nodeId, agency: context.config.agency, keyId: context.signingKey.publicKey.keyIdHex,
                    pseudonymEpoch: context.pseudonymKey.epoch, schema: Migration.latestVersion, privateCases: c.privateCases,
                    publishedRecords: c.records, tokens: c.tokens, logEntries: c.logEntries, vector: v.counters,
                    sharedBuffersBytes: cache.sharedBuffers, tokenIndexBytes: cache.tokenIndexes, warnings: advice.map { [$0] } ?? []))
            } else {
                print("node \(context.config.nodeId) (\(context.config.agency)), signing key \(context.signingKey.publicKey.keyIdHex), pseudonym epoch \(context.pseudonymKey.epoch)")
                print("schema \(Migration.latestVersion); \(c.privateCases) private case(s), \(c.records) published record(s), \(c.tokens) token(s), \(c.logEntries) log entr\(c.logEntries == 1 ? "y" : "ies")")
                print("vector \(v)")
                print("database cache: shared_buffers \(NodeStore.CacheSizes.megabytes(cache.sharedBuffers)), token indexes \(NodeStore.CacheSizes.megabytes(cache.tokenIndexes))")
                if let advice { print("warning: \(advice)") }
            }
        }
    }
}

import ArgumentParser
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeStore
import Foundation

extension TrustCommand {
    struct Evidence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export equivocation evidence: for each conflict, both validly signed entries (hex) and the origin's key.",
            discussion: """
                Each item holds the entry this node kept and the conflicting one, exactly as received (header, body,
                signature in hex), and the origin's signing public keys: anyone can check that both signatures verify
                over different headers for the same origin and seq (docs/protocol.md, sections 1.3 and 1.5).
                """)
        @OptionGroup var options: NodeOptions
        @Option(help: "Only this origin.") var origin: String?
        @Option(help: "Write the JSON here instead of standard output.") var out: String?

        func run() async throws {
            try await runReportingErrors {
                let (_, store, _) = try options.openNode()
                let rows = try store.equivocationEvidence(origin: origin)
                struct Entry: Encodable { var header: String; var body: String?; var signature: String }
                struct Key: Encodable { var keyId: String; var publicKey: String; var validFromSeq: UInt64; var validUntilSeq: UInt64? }
                struct Item: Encodable {
                    var origin: String; var seq: UInt64; var servedBy: String; var detectedAt: String
                    var held: Entry?; var conflicting: Entry; var signingKeys: [Key]
                }
                func hex(_ e: SignedEntry) -> Entry { Entry(header: Hex.encode(e.header), body: e.body.map { Hex.encode($0) }, signature: Hex.encode(e.signature)) }
                var keys: [String: [Key]] = [:]
                for o in Set(rows.map(\.origin)) {
                    keys[o] = try store.signingKeys(origin: o).map { Key(keyId: Hex.encode($0.keyId), publicKey: Hex.encode($0.publicKey), validFromSeq: $0.from, validUntilSeq: $0.until) }
                }
                struct Out: Encodable { var format = "casebridge.equivocation-evidence.v1"; var items: [Item] }
                let value = Out(items: rows.map {
                    Item(origin: $0.origin, seq: $0.seq, servedBy: $0.peer, detectedAt: $0.detectedAt, held: $0.held.map(hex), conflicting: hex($0.conflicting), signingKeys: keys[$0.origin] ?? [])
                })
                try writeOutput(prettyJSON(value), to: out, restricted: true, summary: "wrote \(rows.count) piece(s) of evidence to \(out ?? "")")
            }
        }
    }

    struct Frozen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Origins frozen after equivocation (and past freezes with their resolution).")
        @OptionGroup var options: NodeOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (_, store, _) = try options.openNode()
                let rows = try store.frozenList()
                if format == .json {
                    struct Out: Encodable { var frozen: [NodeStore.FrozenRow] }
                    try printJSON(Out(frozen: rows))
                } else if rows.isEmpty {
                    print("No origin is or was frozen.")
                } else {
                    for r in rows {
                        let state = r.resolvedAt.map { "resolved \($0) by \(r.resolvedBy ?? "?"): \(r.resolution ?? "")" } ?? "FROZEN"
                        print("\(r.origin)  seq \(r.seq)  since \(r.frozenAt)  \(state)  (\(r.reason))")
                    }
                }
            }
        }
    }

    struct Unfreeze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a freeze: the origin's entries are accepted again (after the admins have dealt with the equivocation).",
            discussion: "Typically after the origin revoked the compromised key or the peers agreed which history stands. Audited.")
        @OptionGroup var options: NodeOptions
        @Argument(help: "Node id of the frozen origin.") var origin: String
        @Option(help: "How it was resolved (required).") var reason: String

        func run() async throws {
            try await runReportingErrors {
                let (_, store, _) = try options.openNode()
                let ok = try store.db.transaction { () -> Bool in
                    guard try store.unfreezeOrigin(origin, by: hostActor(), resolution: reason) else { return false }
                    try AuditLog().record(.init(actor: hostActor(), action: "trust.unfreeze", outcome: "ok", purpose: reason, target: origin), store: store, inTransaction: true)
                    return true
                }
                guard ok else { throw CLIError(message: "\(origin) is not frozen", code: Exit.dataError) }
                print("\(origin): unfrozen; its entries are accepted again at the next pull")
            }
        }
    }
}

import ArgumentParser
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeStore
import Foundation

extension KeysCommand {
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rotate this node's Ed25519 signing key in-band.",
            discussion: """
                Generates a new key, publishes a rotation entry in this node's origin log (signed by the old key,
                carrying the new key's signature over its own introduction, naming the seq from which the new key
                signs) and replaces the key file (keys.signing) with the new key; the old secret is overwritten.
                Peers learn the new key through replication alone; a running `casebridge serve` switches to it at
                its next entry. Audited.
                """)
        @OptionGroup var options: NodeOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, logger) = try options.openNode()
                let r = try KeyManager(context: context, logger: logger).rotate(actor: hostActor(), store: store)
                if format == .json {
                    try printJSON(r)
                } else {
                    print("Rotated: key \(r.oldKeyId) signed up to seq \(r.seq) (the rotation entry); key \(r.newKeyId) signs from seq \(r.fromSeq).")
                    print("New key in \(r.keyFile) (0600). Peers learn it at their next pull.")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke one of this node's signing keys from a seq on (after a compromise).",
            discussion: """
                Publishes a revocation entry (signed by the key in use, which must not be the revoked one: rotate
                first). Every node that receives it quarantines the record and tombstone entries the revoked key
                signed at seq >= --from-seq: they stay in the log as evidence, leave search, and are listed by
                `casebridge trust quarantine`. This node then re-publishes its genuine records that the quarantine
                touched, under the key in use, above any version the thief signed. Audited.
                See docs/operations/key-compromise.md.
                """)
        @OptionGroup var options: NodeOptions
        @Option(help: "The key id to revoke (32 hex digits; `casebridge keys list`).") var key: String
        @Option(help: "The first seq the revoked key may have signed without this node's consent.") var fromSeq: UInt64
        @Option(help: "Why (required; no case data).") var reason: String
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, logger) = try options.openNode()
                let r = try KeyManager(context: context, logger: logger).revoke(
                    keyIdHex: key.lowercased(), fromSeq: fromSeq, reason: reason, actor: hostActor(), store: store)
                if format == .json {
                    try printJSON(r)
                } else {
                    print("Revoked key \(r.keyId) from seq \(r.fromSeq) (revocation entry seq \(r.seq)).")
                    print("Quarantined here: \(r.quarantined) entr\(r.quarantined == 1 ? "y" : "ies"); records rebuilt: \(r.recordsRebuilt); re-published: \(r.republished).")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "This node's signing keys: id, seq range, how introduced, revocation.")
        @OptionGroup var options: NodeOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, _) = try options.openNode()
                let rows = try keyRows(store: store, origin: context.config.nodeId, inUse: context.signingKey.publicKey.keyIdHex)
                if format == .json {
                    struct Out: Encodable { var origin: String; var keys: [KeyRow] }
                    try printJSON(Out(origin: context.config.nodeId, keys: rows))
                } else {
                    for k in rows { print(k.line) }
                }
            }
        }
    }
}

/// One signing key of an origin as the CLI shows it.
struct KeyRow: Encodable {
    var keyId: String
    var validFromSeq: UInt64
    var validUntilSeq: UInt64?
    var revokedFromSeq: UInt64?
    var inUse: Bool?

    var line: String {
        let range = "seq \(validFromSeq)-\(validUntilSeq.map(String.init) ?? "")"
        let revoked = revokedFromSeq.map { "  REVOKED from seq \($0)" } ?? ""
        return "\(keyId)  \(range)\(inUse == true ? "  (in use)" : "")\(revoked)"
    }
}

func keyRows(store: NodeStore, origin: String, inUse: String?) throws -> [KeyRow] {
    let revoked = Dictionary(try store.revocations().filter { $0.origin == origin }.map { ($0.keyId, $0.fromSeq) }, uniquingKeysWith: min)
    return try store.signingKeys(origin: origin).sorted { $0.from < $1.from }.map { k in
        let id = Hex.encode(k.keyId)
        return KeyRow(keyId: id, validFromSeq: k.from, validUntilSeq: k.until, revokedFromSeq: revoked[id], inUse: inUse.map { $0 == id })
    }
}

extension TrustCommand {
    struct Quarantine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Entries quarantined after a key revocation: kept as evidence, hidden from search.",
            discussion: "Also lists the revocations this node holds. Exit code 0 whether or not anything is quarantined.")
        @OptionGroup var options: NodeOptions
        @Option(help: "Only this origin.") var origin: String?
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (_, store, _) = try options.openNode()
                let rows = try store.quarantined(origin: origin, limit: 100_000)
                let revocations = try store.revocations().filter { origin == nil || $0.origin == origin }
                if format == .json {
                    struct Out: Encodable { var revocations: [NodeStore.RevocationRow]; var quarantined: [NodeStore.QuarantineRow] }
                    try printJSON(Out(revocations: revocations, quarantined: rows))
                    return
                }
                if revocations.isEmpty { print("No key revocation received.") }
                for r in revocations {
                    print("revocation: \(r.origin) key \(r.keyId) from seq \(r.fromSeq) (entry seq \(r.statementSeq), \(r.revokedAt)): \(r.reason)")
                }
                print("\(rows.count) quarantined entr\(rows.count == 1 ? "y" : "ies")")
                for q in rows { print("\(q.origin)#\(q.seq)  \(q.kind)  \(q.recordId)  key \(q.keyId)  since \(q.quarantinedAt)") }
            }
        }
    }

    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Signing keys this node holds for an origin (learned from trust cards and rotation entries).")
        @OptionGroup var options: NodeOptions
        @Argument(help: "Node id of the origin.") var origin: String
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (_, store, _) = try options.openNode()
                let rows = try keyRows(store: store, origin: origin, inUse: nil)
                guard !rows.isEmpty else { throw CLIError(message: "no signing key known for `\(origin)`", code: Exit.noInput) }
                if format == .json {
                    struct Out: Encodable { var origin: String; var keys: [KeyRow] }
                    try printJSON(Out(origin: origin, keys: rows))
                } else {
                    for k in rows { print(k.line) }
                }
            }
        }
    }
}

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "This node's publishing state: log head, witness, fence (rollback protection).",
        subcommands: [Status.self, Fence.self, ConfirmHead.self], defaultSubcommand: Status.self)

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Log head, witness head, fence, and the signing key in use.")
        @OptionGroup var options: NodeOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, _) = try options.openNode()
                struct Out: Encodable {
                    var nodeId: String; var head: UInt64; var witnessHead: UInt64?; var witnessFile: String
                    var canPublish: Bool; var fence: NodeStore.PublishFence?; var signingKey: String
                }
                let head = try store.vector()[context.config.nodeId]
                let witness = Publishing.readWitness(context: context)
                let fence = try store.publishFence()
                let out = Out(
                    nodeId: context.config.nodeId, head: head, witnessHead: witness, witnessFile: Publishing.witnessPath(context),
                    canPublish: try Publishing.refusal(context: context, store: store, head: head) == nil, fence: fence, signingKey: context.signingKey.publicKey.keyIdHex)
                if format == .json { try printJSON(out); return }
                print("node \(out.nodeId): log head \(head), witness \(witness.map(String.init) ?? "none") (\(out.witnessFile))")
                print("signing key \(out.signingKey)")
                if let f = fence, f.fenced {
                    print("FENCED since \(f.raisedAt): \(f.reason)")
                } else if (witness ?? 0) > head {
                    print("BEHIND ITS WITNESS: the database misses seqs \(head + 1)-\(witness!) this node signed; it learns them from peers (`casebridge serve`)")
                } else {
                    print("publishing: allowed\(fence?.liftedAt.map { " (fence lifted \($0) by \(fence?.liftedBy ?? "?"))" } ?? "")")
                }
            }
        }
    }

    struct Fence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop this node from signing until a peer has served its own log back (after restoring a whole machine).",
            discussion: """
                A database restored from a backup is detected by the witness file next to the signing key. When the
                key folder was restored too (a whole-machine image), raise the fence by hand before `serve`: the
                node then signs nothing until a peer has served it this node's own entries. Audited.
                """)
        @OptionGroup var options: NodeOptions
        @Option(help: "Why (required).") var reason: String

        func run() async throws {
            try await runReportingErrors {
                let (context, store, _) = try options.openNode()
                try store.db.transaction {
                    try store.raiseFence(reason: "raised by \(hostActor()): \(reason)", witnessHead: Publishing.readWitness(context: context))
                    try AuditLog().record(.init(actor: hostActor(), role: "admin", action: "node.fence", outcome: "ok", reason: reason, target: context.config.nodeId), store: store, inTransaction: true)
                }
                print("Fenced: \(context.config.nodeId) signs nothing until a peer confirms its log head (`casebridge serve`).")
            }
        }
    }

    struct ConfirmHead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "confirm-head",
            abstract: "Lift the fence without a peer's confirmation (last resort; audited).",
            discussion: """
                Use only when no peer holds this node's newer entries (e.g. they were never replicated). Seqs above
                the database head that were signed before are then signed again with different content: any node
                that held the old ones will see equivocation. Requires --force.
                """)
        @OptionGroup var options: NodeOptions
        @Flag(help: "Confirm that seqs above the database head may be signed again.") var force = false
        @Option(help: "Why (required).") var reason: String

        func run() async throws {
            try await runReportingErrors {
                guard force else { throw CLIError(message: "refusing without --force (read `casebridge node confirm-head --help`)", code: Exit.usage) }
                let (context, store, _) = try options.openNode()
                let head = try store.vector()[context.config.nodeId]
                try store.db.transaction {
                    try store.liftFence(head: head, by: hostActor())
                    try AuditLog().record(
                        .init(actor: hostActor(), role: "admin", action: "node.confirm-head", outcome: "ok", reason: reason, target: context.config.nodeId,
                              details: ["head": "\(head)", "witness": "\(Publishing.readWitness(context: context).map(String.init) ?? "none")"]),
                        store: store, inTransaction: true)
                }
                try Publishing.writeWitness(context: context, head: head)
                print("Confirmed head \(head) of \(context.config.nodeId) by hand; publishing allowed.")
            }
        }
    }
}

extension KeysCommand {
    struct PseudonymRotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pseudonym-rotate",
            abstract: "Install the federation's next pseudonymization key (a new epoch) and announce it.",
            discussion: """
                The key file comes from `casebridge keys pseudonym-generate --epoch N` (made once for the federation,
                handed to every agency out of band). This node keeps its current key beside the new one, searches
                under both, and announces the epoch in its origin log. Once every trusted origin has announced it,
                `casebridge serve` publishes under the new epoch, re-tokenizes this node's records, and retires the
                old epoch (tokens, bodies, key file) when no origin uses it any more. `casebridge trust status`
                shows the progress. Audited.
                """)
        @OptionGroup var options: NodeOptions
        @Option(help: "The new epoch's key file (mode 0600).") var key: String
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, logger) = try options.openNode()
                let r = try EpochManager(context: context, logger: logger).rotate(newKeyPath: key, actor: hostActor(), store: store)
                if format == .json {
                    try printJSON(r)
                } else {
                    print("Installed pseudonym epoch \(r.epoch) (fingerprint \(r.fingerprint)), announced at seq \(r.seq); epoch \(r.previousEpoch) is kept until retired.")
                    print(r.waitingFor.isEmpty
                        ? "Every trusted origin holds it: `casebridge serve` now re-tokenizes this node's records."
                        : "Waiting for: \(r.waitingFor.joined(separator: ", ")) (they publish under epoch \(r.previousEpoch) until then).")
                }
            }
        }
    }

    struct PseudonymStep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pseudonym-step",
            abstract: "Advance a pseudonym-epoch transition now (what `serve` does every sync.epoch_step_seconds).")
        @OptionGroup var options: NodeOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, logger) = try options.openNode()
                let m = EpochManager(context: context, logger: logger)
                var total = try m.step(store: store)
                var republished = total.republished
                while total.republished > 0 {
                    total = try m.step(store: store)
                    republished += total.republished
                }
                total.republished = republished
                if format == .json { try printJSON(total); return }
                print("publishing under epoch \(total.publishEpoch)\(total.switched ? " (switched now)" : ""); re-tokenized \(republished) record(s)")
                if !total.retiredEpochs.isEmpty {
                    print("retired epoch(s) \(total.retiredEpochs.map(String.init).joined(separator: ", ")): \(total.tokensRemoved) tokens and \(total.bodiesRemoved) bodies removed")
                }
                if !total.waitingForAnnouncement.isEmpty { print("waiting for announcements from: \(total.waitingForAnnouncement.joined(separator: ", "))") }
                if !total.waitingForRepublication.isEmpty { print("waiting for re-publication by: \(total.waitingForRepublication.joined(separator: ", "))") }
            }
        }
    }
}

extension TrustCommand {
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trust state per origin: signing keys, revocations, pseudonym epochs announced and re-publication progress.")
        @OptionGroup var options: NodeOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, _) = try options.openNode()
                try context.refreshPseudonymKeys(store: store)
                struct Origin: Encodable {
                    var origin: String; var keys: [KeyRow]; var announcedEpochs: [String: String]; var liveRecordsByEpoch: [String: Int]
                    var frozen: Bool; var quarantined: Int
                }
                struct Out: Encodable {
                    var nodeId: String; var publishEpoch: Int; var searchEpochs: [Int]; var epochs: [NodeStore.LocalEpoch]; var origins: [Origin]
                }
                let frozen = try store.frozenOrigins()
                let quarantined = Dictionary(grouping: try store.quarantined(limit: 1_000_000), by: \.origin).mapValues(\.count)
                let origins = try store.epochProgress().map { p in
                    Origin(
                        origin: p.origin, keys: try keyRows(store: store, origin: p.origin, inUse: nil),
                        announcedEpochs: Dictionary(uniqueKeysWithValues: p.announced.map { (String($0.key), $0.value) }),
                        liveRecordsByEpoch: Dictionary(uniqueKeysWithValues: p.liveRecords.map { (String($0.key), $0.value) }),
                        frozen: frozen.contains(p.origin), quarantined: quarantined[p.origin] ?? 0)
                }
                let out = Out(
                    nodeId: context.config.nodeId, publishEpoch: context.pseudonymKey.epoch, searchEpochs: context.searchPseudonymKeys.map(\.epoch),
                    epochs: try store.localEpochs(), origins: origins)
                if format == .json { try printJSON(out); return }
                print("node \(out.nodeId): publishes under pseudonym epoch \(out.publishEpoch), searches under \(out.searchEpochs.map(String.init).joined(separator: ", "))")
                for o in origins {
                    let epochs = o.liveRecordsByEpoch.sorted { $0.key < $1.key }.map { "epoch \($0.key): \($0.value)" }.joined(separator: ", ")
                    let announced = o.announcedEpochs.keys.sorted().joined(separator: ",")
                    print("\(o.origin): keys \(o.keys.count)\(o.keys.contains { $0.revokedFromSeq != nil } ? " (revocation held)" : ""); announced epochs [\(announced)]; live records \(epochs.isEmpty ? "none" : epochs)\(o.frozen ? "; FROZEN" : "")\(o.quarantined > 0 ? "; \(o.quarantined) quarantined" : "")")
                }
            }
        }
    }
}

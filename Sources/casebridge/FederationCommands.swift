import ArgumentParser
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import CasebridgeTrust
import Foundation
import Logging
import ServiceLifecycle

struct CACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca", abstract: "The federation certificate authority (P-256).", subcommands: [Init.self, Revoke.self, CRL.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a federation CA: DIR/ca.pem (certificate) and DIR/ca.key (private key, mode 0600).",
            discussion: "Refuses to overwrite an existing CA. Keep ca.key offline; hand ca.pem to every member node.")

        @Option(help: "The CA's name (certificate subject), e.g. \"Western Task Force Federation\".")
        var name: String

        @Option(help: "Output folder (created mode 0700 if missing).")
        var out: String

        @Option(help: "Validity in days.")
        var validityDays: Int = 3650

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let ca = try FederationCA.create(name: name, validityDays: validityDays)
                try ca.write(to: out)
                let info = ca.info
                if format == .json {
                    try printJSON(["certificate": out + "/ca.pem", "key": out + "/ca.key", "subject": info.subject,
                                   "notAfter": ISO8601DateFormatter().string(from: info.notAfter), "sha256": info.sha256Fingerprint])
                } else {
                    print("Federation CA \(info.subject)")
                    print("  certificate: \(out)/ca.pem (sha256 \(info.sha256Fingerprint))")
                    print("  key:         \(out)/ca.key (mode 0600; keep it offline)")
                    print("  valid until: \(ISO8601DateFormatter().string(from: info.notAfter))")
                }
            }
        }
    }
}

struct CertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert", abstract: "Node TLS certificates.", subcommands: [Issue.self, Renew.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a node's TLS certificate (P-256) naming its node id (SAN URI casebridge://node/ID).",
            discussion: "Writes OUT/node.pem (certificate chain), OUT/node.key (mode 0600) and OUT/ca.pem. A node's default configuration reads them from tls/ next to casebridge.toml.")

        @Option(help: "The CA folder (ca.pem, ca.key).")
        var ca: String

        @Option(help: "The node id the certificate names.")
        var nodeId: String

        @Option(help: "DNS name for the certificate (repeatable).")
        var dns: [String] = []

        @Option(help: "IP address for the certificate (repeatable).")
        var ip: [String] = []

        @Option(help: "Validity in days (short by default: renew often).")
        var validityDays: Int = 30

        @Option(help: "Output folder.")
        var out: String

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let authority = try FederationCA.load(from: ca)
                let cert = try authority.issueNodeCertificate(nodeId: nodeId, dnsNames: dns, ipAddresses: ip, validityDays: validityDays)
                try cert.write(to: out)
                let info = cert.info
                if format == .json {
                    try printJSON(["nodeId": nodeId, "certificate": out + "/node.pem", "key": out + "/node.key",
                                   "notAfter": ISO8601DateFormatter().string(from: info.notAfter), "sha256": info.sha256Fingerprint])
                } else {
                    print("Certificate for node \(nodeId): \(out)/node.pem, key \(out)/node.key (mode 0600)")
                    print("  SANs: \((info.uris + info.dnsNames + info.ipAddresses).joined(separator: ", "))")
                    print("  valid until \(ISO8601DateFormatter().string(from: info.notAfter)); sha256 \(info.sha256Fingerprint)")
                }
            }
        }
    }
}

struct TrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust", abstract: "The trust store: which nodes this node admits and accepts entries from.",
        subcommands: [Export.self, Add.self, List.self, Remove.self, Rejections.self, Evidence.self, Frozen.self, Unfreeze.self, Quarantine.self, Keys.self, Status.self, CRLImport.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write this node's trust card (node id, agency, endpoint, signing public keys).")
        @OptionGroup var options: NodeOptions
        @Option(help: "Output file (default: stdout).")
        var out: String?

        func run() async throws {
            try await runReportingErrors {
                let (context, store, _) = try options.openNode()
                let card = try NodeCard.make(config: context.config, store: store)
                try writeOutput(prettyJSON(card), to: out, restricted: false, summary: "wrote \(out ?? "")")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trust a node from its card file (or from flags). Takes effect without a restart.")
        @OptionGroup var options: NodeOptions
        @Argument(help: "A trust card file from `casebridge trust export`.")
        var file: String?
        @Option(help: "Node id (instead of a card file).") var nodeId: String?
        @Option(help: "Agency name (with --node-id).") var agency: String?
        @Option(help: "Federation endpoint https://host:port (with --node-id; omit for a relayed-only origin).") var endpoint: String?
        @Option(help: "Signing public key, 64 hex digits (with --node-id; repeatable).") var signingKey: [String] = []
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let card: TrustCard
                if let file {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw CLIError(message: "\(file): cannot read the card", code: Exit.noInput)
                    }
                    do { card = try JSONDecoder().decode(TrustCard.self, from: data) } catch {
                        throw CLIError(message: "\(file): not a trust card (JSON with format, nodeId, agency, endpoint, signingKeys)", code: Exit.dataError)
                    }
                } else {
                    guard let nodeId, let agency, !signingKey.isEmpty else {
                        throw CLIError(message: "give a card FILE, or --node-id, --agency and --signing-key", code: Exit.usage)
                    }
                    var keys: [TrustCard.SigningKeyInfo] = []
                    for k in signingKey {
                        guard let bytes = Hex.decode(k), let pk = try? SigningPublicKey(bytes: bytes) else {
                            throw CLIError(message: "--signing-key: must be 64 hex digits", code: Exit.usage)
                        }
                        keys.append(.init(keyId: pk.keyIdHex, publicKey: Hex.encode(bytes)))
                    }
                    card = TrustCard(nodeId: nodeId, agency: agency, endpoint: endpoint, signingKeys: keys)
                }
                do { try card.validate() } catch let e as TrustCardError {
                    throw CLIError(message: "\(file ?? "card"): field \(e.field): \(e.reason)", code: Exit.dataError)
                }
                for k in card.signingKeys {
                    guard let pk = try? SigningPublicKey(bytes: Hex.decode(k.publicKey) ?? []), pk.keyIdHex == k.keyId else {
                        throw CLIError(message: "\(file ?? "card"): keyId \(k.keyId) does not match its public key", code: Exit.dataError)
                    }
                }
                let (_, store, _) = try options.openNode()
                try store.upsertPeer(card, audit: (
                    AuditEvent(actor: hostActor(), action: "trust.add", outcome: "ok", target: card.nodeId,
                               counts: ["signingKeys": card.signingKeys.count], details: ["endpoint": card.endpoint ?? "(relayed only)"]),
                    AuditLog.chain))
                if format == .json {
                    try printJSON(["nodeId": card.nodeId, "agency": card.agency, "endpoint": card.endpoint ?? "", "keys": String(card.signingKeys.count)])
                } else {
                    print("Trusted \(card.nodeId) (\(card.agency))\(card.endpoint.map { " at \($0)" } ?? ", relayed only"), \(card.signingKeys.count) signing key(s)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List trusted nodes.")
        @OptionGroup var options: NodeOptions
        @Flag(help: "Include removed nodes.") var all = false
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (_, store, _) = try options.openNode()
                let peers = try store.peers(includeRemoved: all)
                if format == .json {
                    struct Out: Encodable { var peers: [NodeStore.PeerRow] }
                    try printJSON(Out(peers: peers))
                } else if peers.isEmpty {
                    print("no trusted nodes (add one with `casebridge trust add CARD`)")
                } else {
                    for p in peers {
                        print("\(p.nodeId)\t\(p.status)\t\(p.endpoint ?? "(relayed only)")\t\(p.agency)\tkeys: \(p.card.signingKeys.map(\.keyId).joined(separator: ","))")
                    }
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop trusting a node: its certificate is refused and its entries are no longer accepted.")
        @OptionGroup var options: NodeOptions
        @Argument(help: "Node id.") var nodeId: String
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (_, store, _) = try options.openNode()
                guard try store.removePeer(nodeId: nodeId, audit: (AuditEvent(actor: hostActor(), action: "trust.remove", outcome: "ok", target: nodeId), AuditLog.chain)) else {
                    throw CLIError(message: "\(nodeId) is not a trusted node", code: Exit.dataError)
                }
                if format == .json { try printJSON(["removed": nodeId]) } else { print("Removed \(nodeId) from the trust store") }
            }
        }
    }

    struct Rejections: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Entries peers served that this node refused, newest first, with reasons.")
        @OptionGroup var options: NodeOptions
        @Option(help: "How many.") var limit: Int = 50
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (_, store, _) = try options.openNode()
                let rows = try store.rejections(limit: limit)
                if format == .json {
                    struct R: Encodable { var peer: String; var origin: String?; var seq: UInt64?; var reason: String; var message: String; var at: String }
                    struct Out: Encodable { var rejections: [R] }
                    try printJSON(Out(rejections: rows.map { R(peer: $0.peer, origin: $0.origin, seq: $0.seq, reason: $0.reason, message: $0.message, at: $0.at) }))
                } else {
                    for r in rows { print("\(r.at)\tfrom \(r.peer)\t\(r.origin ?? "?")#\(r.seq.map(String.init) ?? "?")\t\(r.reason)\t\(r.message)") }
                }
            }
        }
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the node: federation API (mutual TLS), local API (/metrics, /v1/peers) and the sync scheduler.",
        discussion: "Stops gracefully on SIGINT or SIGTERM. Listen addresses, TLS files and sync limits come from the configuration's [federation], [local] and [sync] sections.")
    @OptionGroup var options: NodeOptions

    func run() async throws {
        try await runReportingErrors {
            let cfg = try options.loadConfig()
            var logger = options.makeLogger(config: cfg)
            if options.logLevel == nil && ProcessInfo.processInfo.environment["CASEBRIDGE_LOG_LEVEL"] == nil { logger.logLevel = .info }
            let server = try NodeServer(config: cfg, logger: logger)
            let group = try server.serviceGroup()
            logger.info(
                "serving", metadata: ["federation": "\(cfg.federation.listen)", "local": "\(cfg.federation.localListen)", "endpoint": "\(cfg.federation.endpoint)"])
            do {
                try await group.run()
            } catch {
                await server.shutdown()
                throw error
            }
            await server.shutdown()
            logger.info("stopped")
        }
    }
}

struct PeersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers", abstract: "Peers and replication.", subcommands: [Status.self, Pull.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per peer: endpoint, last success, last error, and per origin how far behind this node is.")
        @OptionGroup var options: NodeOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, _) = try options.openNode()
                let own = try? CertificateInfo.parse(pem: CertificateRenewal.readText(context.config.federation.certificatePath))
                let s = try PeersStatus.make(store: store, ownCertificate: own)
                if format == .json { try printJSON(s); return }
                print("node \(s.nodeId)")
                if let c = s.certificate {
                    print("  TLS certificate \(c.serial): expires \(c.notAfter), in \(c.daysToExpiry) day(s)\(c.revoked ? " (REVOKED)" : "")")
                }
                if let l = s.revocationList {
                    print("  revocation list \(l.sequence) (issued \(l.issuedAt), from \(l.source)): \(l.revoked) revoked certificate(s)")
                }
                for o in s.origins { print("  holds \(o.origin) up to seq \(o.seq)\(o.lastApplied.map { ", last applied \($0)" } ?? "")") }
                for p in s.peers {
                    print("peer \(p.nodeId) (\(p.agency)) \(p.status) \(p.endpoint ?? "(relayed only)")")
                    print("  last success: \(p.lastSuccess ?? "never"); pulls \(p.pulls), errors \(p.errors), entries applied \(p.entriesApplied)")
                    if let e = p.lastError { print("  last error (\(p.lastErrorAt ?? "?")): \(e)") }
                    for c in p.certificates ?? [] {
                        print("  certificate as \(c.role) \(c.serial): expires \(c.notAfter), in \(c.daysToExpiry) day(s)\(c.revoked ? " (REVOKED)" : ""); seen \(c.seenAt ?? "?")")
                    }
                    for o in p.origins { print("  \(o.origin): they hold \(o.theirSeq), we hold \(o.ourSeq), behind \(o.behind)") }
                }
            }
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pull now from one peer (or all), until caught up; shows progress. The running server does this on its own.")
        @OptionGroup var options: NodeOptions
        @Option(help: "Peer node id (default: every peer with an endpoint).") var peer: String?
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, logger) = try options.openNode()
                let cfg = context.config
                let peers = try store.peers().filter { $0.endpoint != nil && (peer == nil || $0.nodeId == peer) }
                if let peer, peers.isEmpty { throw CLIError(message: "\(peer) is not a trusted node with an endpoint", code: Exit.dataError) }
                let pool = StorePool(conninfo: cfg.database, maxConnections: 2)
                let client = try PeerClient(config: cfg)
                var results: [PullResult] = []
                var failed = false
                let showProgress = format == .text && isatty(2) != 0
                for p in peers {
                    do {
                        let r = try await client.catchUp(
                            peer: p.nodeId, endpoint: p.endpoint!, pool: pool, logger: logger,
                            progress: { rep in
                                if showProgress { FileHandle.standardError.write(Data("\r\(p.nodeId): \(rep.applied) entries applied".utf8)) }
                            },
                            afterEachPull: { r in
                                try? await pool.withStore {
                                    try $0.notePull(peer: p.nodeId, success: true, error: nil, theirVector: r.theirVector, applied: r.report.applied)
                                }
                            })
                        if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
                        let total = r.report
                        results.append(r)
                        if format == .text {
                            print("\(p.nodeId): applied \(total.applied), duplicates \(total.duplicates), refused \(total.rejected.count)")
                            for x in total.rejected.prefix(20) { print("  refused \(x)") }
                        }
                    } catch {
                        failed = true
                        let message = "\(error)"
                        try? await pool.withStore { try $0.notePull(peer: p.nodeId, success: false, error: message, theirVector: nil, applied: 0) }
                        printError("\(p.nodeId): \(message)")
                    }
                }
                await client.shutdown()
                if format == .json {
                    struct Out: Encodable { var pulls: [PullResult] }
                    try printJSON(Out(pulls: results))
                }
                if failed { throw CLIError(message: "some pulls failed", code: Exit.unavailable) }
            }
        }
    }
}

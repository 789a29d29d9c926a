import ArgumentParser
import CasebridgeCore
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import CasebridgeTrust
import Foundation

extension CertCommand {
    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-issue this node's TLS certificate from the federation CA: same node id and names, new key.",
            discussion: """
                Reads the current certificate from the configuration's federation.certificate, issues a new one with a fresh \
                P-256 key from the CA in --ca (which must be the CA in federation.ca), and replaces federation.certificate and \
                federation.key atomically (key mode 0600), or writes node.pem, node.key and ca.pem to --out. A running \
                `casebridge serve` picks the new pair up on SIGHUP or within federation.certificate_check_seconds, without a restart.
                """)

        @OptionGroup var options: NodeOptions

        @Option(help: "The CA folder (ca.pem, ca.key).")
        var ca: String

        @Option(help: "DNS name for the new certificate (repeatable; default: the current certificate's).")
        var dns: [String] = []

        @Option(help: "IP address for the new certificate (repeatable; default: the current certificate's).")
        var ip: [String] = []

        @Option(help: "Validity in days (short by default: renew often).")
        var validityDays: Int = 30

        @Option(help: "Write node.pem, node.key and ca.pem to this folder instead of the configured paths.")
        var out: String?

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func validate() throws {
            guard (1...3650).contains(validityDays) else { throw ValidationError("--validity-days must be 1 to 3650") }
        }

        func run() async throws {
            try await runReportingErrors(format: format) {
                let cfg = try options.loadConfig()
                let r = try CertificateRenewal.renew(
                    nodeId: cfg.nodeId, settings: cfg.federation, caDirectory: ca, dnsNames: dns.isEmpty ? nil : dns,
                    ipAddresses: ip.isEmpty ? nil : ip, validityDays: validityDays, outDirectory: out)
                let info = r.certificate.info
                let notAfter = ISO8601DateFormatter().string(from: info.notAfter)
                if format == .json {
                    try printJSON([
                        "nodeId": cfg.nodeId, "certificate": r.certificatePath, "key": r.keyPath, "serial": info.serial,
                        "notAfter": notAfter, "sha256": info.sha256Fingerprint,
                    ])
                } else {
                    print("Renewed the certificate of node \(cfg.nodeId): \(r.certificatePath), key \(r.keyPath) (mode 0600)")
                    print("  serial \(info.serial); SANs: \((info.uris + info.dnsNames + info.ipAddresses).joined(separator: ", "))")
                    print("  valid until \(notAfter); sha256 \(info.sha256Fingerprint)")
                    if out == nil { print("  a running node uses it for new connections within seconds (or now: kill -HUP its pid)") }
                }
            }
        }
    }
}

extension CACommand {
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a node certificate (recorded in DIR/revocations.json); then run `ca crl` and distribute the list.")

        @Option(help: "The CA folder (ca.pem, ca.key).")
        var ca: String

        @Option(help: "Serial number of the certificate to revoke (hex, colons allowed).")
        var serial: String?

        @Option(help: "The certificate file to revoke (PEM; its serial and node id are read from it).")
        var cert: String?

        @Option(help: "Why (kept in the list; no personal data).")
        var reason: String?

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func validate() throws {
            guard (serial == nil) != (cert == nil) else { throw ValidationError("give exactly one of --serial and --cert") }
        }

        func run() async throws {
            try await runReportingErrors(format: format) {
                // Loading the CA checks the key: only the CA holder revokes.
                let authority = try FederationCA.load(from: ca)
                var serialHex = serial ?? ""
                var nodeId: String? = nil
                if let cert {
                    guard let data = FileManager.default.contents(atPath: cert) else {
                        throw CLIError(message: "\(cert): cannot read the certificate", code: Exit.noInput)
                    }
                    let info = try CertificateInfo.parse(pem: String(decoding: data, as: UTF8.self))
                    guard info.issuer == authority.info.subject else {
                        throw CLIError(message: "\(cert) was not issued by the CA in \(ca) (issuer \(info.issuer))", code: Exit.dataError)
                    }
                    serialHex = info.serial
                    nodeId = info.nodeId
                }
                var registry = try RevocationRegistry.load(from: ca)
                let added = try registry.revoke(serial: serialHex, nodeId: nodeId, reason: reason)
                try registry.save(to: ca)
                let normalized = CertificateRevocationList.Revocation.normalizedSerial(serialHex)
                if format == .json {
                    try printJSON(["serial": normalized, "nodeId": nodeId ?? "", "added": added ? "true" : "false", "revoked": String(registry.revoked.count)])
                } else {
                    print(added ? "Revoked certificate \(normalized)\(nodeId.map { " of node \($0)" } ?? "")" : "Certificate \(normalized) was already revoked")
                    print("  \(registry.revoked.count) revoked in \(ca)/\(RevocationRegistry.fileName); now run `casebridge ca crl --ca \(ca) --out FILE` and import it at any node")
                }
            }
        }
    }

    struct CRL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crl",
            abstract: "Sign the certificate revocation list (next sequence number) with the CA key.",
            discussion: "Import the file at any one node with `casebridge trust crl-import FILE`; nodes pass it on to each other at every sync.")

        @Option(help: "The CA folder (ca.pem, ca.key, revocations.json).")
        var ca: String

        @Option(help: "Output file (replaced atomically).")
        var out: String

        @Flag(help: "Also install the list in this node's database (needs --config).")
        var install = false

        @OptionGroup var options: NodeOptions

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let authority = try FederationCA.load(from: ca)
                var registry = try RevocationRegistry.load(from: ca)
                let crl = try authority.issueRevocationList(from: &registry)
                let tmp = out + ".tmp-\(getpid())"
                guard FileManager.default.createFile(atPath: tmp, contents: Data(crl.document), attributes: [.posixPermissions: 0o644]),
                    rename(tmp, out) == 0
                else {
                    unlink(tmp)
                    throw CLIError(message: "\(out): cannot write the revocation list", code: Exit.cantCreate)
                }
                try registry.save(to: ca)
                var installed = ""
                if install {
                    let (context, store, _) = try options.openNode()
                    let caPEM = try CertificateRenewal.readText(context.config.federation.caPath)
                    let outcome = try RevocationLists.install(
                        document: crl.document, caPEM: caPEM, source: "cli:ca-crl", store: store,
                        audit: (AuditEvent(actor: hostActor(), action: "trust.crl-install", outcome: "ok", target: "sequence \(crl.sequence)"), AuditLog.chain))
                    installed = "\(outcome)"
                }
                if format == .json {
                    try printJSON(["file": out, "sequence": String(crl.sequence), "revoked": String(crl.revoked.count), "installed": installed])
                } else {
                    print("Signed revocation list \(crl.sequence) (\(crl.revoked.count) revoked certificate(s)): \(out)")
                    if !installed.isEmpty { print("  installed in this node: \(installed)") }
                }
            }
        }
    }
}

extension TrustCommand {
    struct CRLImport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crl-import",
            abstract: "Install a certificate revocation list signed by the federation CA; peers learn it at their next sync.",
            discussion: "The list must verify under the CA in federation.ca and be newer (higher sequence) than the installed one. Revoked certificates are refused at once, on new and established connections.")
        @OptionGroup var options: NodeOptions
        @Argument(help: "A list from `casebridge ca crl`.") var file: String
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CLIError(message: "\(file): cannot read the revocation list", code: Exit.noInput)
                }
                let (context, store, _) = try options.openNode()
                let caPEM = try CertificateRenewal.readText(context.config.federation.caPath)
                let outcome = try RevocationLists.install(
                    document: Array(data), caPEM: caPEM, source: "cli:\(hostActor())", store: store,
                    audit: (AuditEvent(actor: hostActor(), action: "trust.crl-install", outcome: "ok", target: file), AuditLog.chain))
                switch outcome {
                case .installed(let sequence, let revoked):
                    if format == .json { try printJSON(["installed": "true", "sequence": String(sequence), "revoked": String(revoked)]) } else {
                        print("Installed revocation list \(sequence): \(revoked) revoked certificate(s); peers receive it at their next sync")
                    }
                case .notNewer(let have, let offered):
                    if format == .json { try printJSON(["installed": "false", "sequence": String(have), "offered": String(offered)]) } else {
                        print("Not installed: this node already has list \(have) (offered \(offered))")
                    }
                }
            }
        }
    }
}

import ArgumentParser
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeStore
import Foundation

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Set up a node: configuration file, Ed25519 signing key (0600) and database schema.",
        discussion: "Refuses to overwrite an existing signing key or configuration file.")

    @Option(help: "Stable short node id, e.g. us-ca-sfpd (a-z, 0-9, -).")
    var nodeId: String

    @Option(help: "The agency's name as other agencies will see it.")
    var agency: String

    @Option(help: "libpq conninfo or URI of the node's database (empty: PG* environment).")
    var database: String = ""

    @Option(help: "The federation's pseudonymization key file (from `casebridge keys pseudonym-generate`).")
    var pseudonymKey: String

    @Option(help: "ISO 3166-1 alpha-2 region for reading national phone numbers, e.g. US.")
    var defaultRegion: String

    @Option(help: "Folder for casebridge.toml and the signing key (created if missing).")
    var dir: String = "."

    @Option(help: "Comma-separated subject roles to publish (default: suspect,associate).")
    var publishRoles: String?

    @Option(help: "Federation API listen address (mutual TLS), HOST:PORT.")
    var federationListen: String = "127.0.0.1:7443"

    @Option(help: "Federation endpoint advertised in this node's trust card (default: https://<federation-listen>).")
    var endpoint: String?

    @Option(help: "Local API listen address (plain HTTP; keep it on loopback), HOST:PORT.")
    var localListen: String = "127.0.0.1:7080"

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        guard FederationSettings.Address(federationListen) != nil else { throw ValidationError("--federation-listen must be HOST:PORT") }
        guard FederationSettings.Address(localListen) != nil else { throw ValidationError("--local-listen must be HOST:PORT") }
        if let endpoint, !(endpoint.hasPrefix("https://")) { throw ValidationError("--endpoint must be an https:// URL") }
        guard EntryHeader.isValidNodeId(nodeId) else {
            throw ValidationError("--node-id must be 1-63 characters of a-z, 0-9 and -, starting with a letter or digit")
        }
        guard !agency.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--agency must not be empty") }
        if let publishRoles {
            for r in publishRoles.split(separator: ",") where SubjectRole(rawValue: r.trimmingCharacters(in: .whitespaces)) == nil {
                throw ValidationError("--publish-roles: unknown role (use suspect, victim, witness, associate)")
            }
        }
    }

    func run() async throws {
        try await runReportingErrors(format: format) {
            let fm = FileManager.default
            let absDir = dir.hasPrefix("/") ? dir : fm.currentDirectoryPath + "/" + dir
            let region = defaultRegion.uppercased()
            do { _ = try IdentifierNormalizer(defaultRegion: region) } catch {
                throw CLIError(message: "--default-region: \(error)", code: Exit.usage)
            }
            let pseudonymPath = pseudonymKey.hasPrefix("/") ? pseudonymKey : fm.currentDirectoryPath + "/" + pseudonymKey
            let pkey = try PseudonymKey.load(path: pseudonymPath)
            try fm.createDirectory(atPath: absDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let configPath = absDir + "/casebridge.toml"
            let signingPath = absDir + "/signing.key"
            // The node keeps its own copy of the federation's key: `keys pseudonym-rotate` replaces it in place and
            // keeps the old epoch beside it, which must not touch a file other nodes on this machine may share.
            let nodePseudonymPath = absDir + "/pseudonym.key"
            if fm.fileExists(atPath: configPath) {
                throw CLIError(message: "\(configPath) already exists; refusing to overwrite it", code: Exit.cantCreate)
            }
            if fm.fileExists(atPath: signingPath) {
                throw CLIError(message: "\(signingPath): a signing key already exists; refusing to overwrite it", code: Exit.cantCreate)
            }
            if fm.fileExists(atPath: nodePseudonymPath) && pseudonymPath != nodePseudonymPath {
                throw CLIError(message: "\(nodePseudonymPath): a pseudonymization key already exists; refusing to overwrite it", code: Exit.cantCreate)
            }
            let store = try NodeStore(conninfo: database)
            if let existing = try? store.nodeId(), existing != nodeId {
                throw CLIError(message: "the database already belongs to node `\(existing)`", code: Exit.config)
            }
            let applied = try Migrator.migrate(store.db)
            let key = SigningKey.generate()
            try key.write(to: signingPath, nodeId: nodeId)
            let copiedPseudonymKey = pseudonymPath != nodePseudonymPath
            do {
                if copiedPseudonymKey { try pkey.write(to: nodePseudonymPath) }
                try store.registerNode(nodeId: nodeId, agency: agency, keyId: key.publicKey.keyId, publicKey: key.publicKey.bytes)
                let roles = publishRoles.map { Set($0.split(separator: ",").compactMap { SubjectRole(rawValue: $0.trimmingCharacters(in: .whitespaces)) }) }
                let cfg = NodeConfig(
                    nodeId: nodeId, agency: agency, defaultRegion: region, database: database,
                    signingKeyPath: signingPath, pseudonymKeyPath: nodePseudonymPath,
                    publishRoles: roles ?? NodeConfig.defaultPublishRoles)
                var cfg2 = cfg
                cfg2.federation.listen = FederationSettings.Address(federationListen)!
                cfg2.federation.localListen = FederationSettings.Address(localListen)!
                cfg2.federation.endpoint = endpoint ?? cfg2.federation.defaultEndpoint
                let text = cfg2.rendered(signingKeyPath: "signing.key", pseudonymKeyPath: "pseudonym.key")
                guard fm.createFile(atPath: configPath, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw CLIError(message: "\(configPath): cannot write configuration", code: Exit.cantCreate)
                }
            } catch {
                try? fm.removeItem(atPath: signingPath)
                if copiedPseudonymKey { try? fm.removeItem(atPath: nodePseudonymPath) }
                throw error
            }
            if format == .json {
                try printJSON([
                    "nodeId": nodeId, "config": configPath, "signingKey": signingPath, "pseudonymKey": nodePseudonymPath,
                    "keyId": key.publicKey.keyIdHex, "pseudonymEpoch": String(pkey.epoch),
                    "pseudonymFingerprint": pkey.fingerprint, "migrationsApplied": String(applied.count),
                ])
            } else {
                print("Initialized node \(nodeId) (\(agency))")
                print("  configuration:   \(configPath)")
                print("  signing key:     \(signingPath) (mode 0600, key id \(key.publicKey.keyIdHex))")
                print("  pseudonym key:   \(nodePseudonymPath) (copy, mode 0600; epoch \(pkey.epoch), fingerprint \(pkey.fingerprint))")
                print("  database schema: version \(Migration.latestVersion) (\(applied.count) migration(s) applied now)")
            }
        }
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage keys.", subcommands: [PseudonymGenerate.self, Rotate.self, Revoke.self, List.self, PseudonymRotate.self, PseudonymStep.self])

    struct PseudonymGenerate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pseudonym-generate",
            abstract: "Create the federation's pseudonymization key (32 random bytes, epoch 1, file mode 0600).",
            discussion: "Made once per federation and handed to member agencies out of band. Refuses to overwrite a file.")

        @Option(help: "Where to write the key file.")
        var out: String

        @Option(help: "Key epoch (1 for a new federation).")
        var epoch: Int = 1

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func validate() throws {
            guard epoch >= 1 else { throw ValidationError("--epoch must be 1 or more") }
        }

        func run() async throws {
            try await runReportingErrors(format: format) {
                let key = PseudonymKey.generate(epoch: epoch)
                try key.write(to: out)
                if format == .json {
                    try printJSON(["path": out, "epoch": String(epoch), "fingerprint": key.fingerprint])
                } else {
                    print("Wrote pseudonymization key epoch \(epoch) to \(out) (mode 0600, fingerprint \(key.fingerprint)).")
                    print("Hand it to member agencies out of band; compare fingerprints by phone.")
                }
            }
        }
    }
}

struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Database schema.", subcommands: [Migrate.self, Status.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending schema migrations (each in a transaction; safe to run twice).")

        @OptionGroup var options: NodeOptions
        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let cfg = try options.loadConfig()
                let store = try NodeStore(conninfo: cfg.database)
                let applied = try Migrator.migrate(store.db)
                if format == .json {
                    try printJSON(["applied": applied.map(\.version), "version": [Migration.latestVersion]])
                } else if applied.isEmpty {
                    print("Schema is up to date (version \(Migration.latestVersion)).")
                } else {
                    for m in applied { print("applied \(m.version) \(m.name)") }
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the schema version and pending migrations.")

        @OptionGroup var options: NodeOptions
        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let cfg = try options.loadConfig()
                let store = try NodeStore(conninfo: cfg.database)
                let s = try Migrator.status(store.db)
                if format == .json {
                    try printJSON(["current": [s.current], "latest": [s.latest], "pending": s.pending])
                } else {
                    print("schema version \(s.current), this build knows \(s.latest); pending: \(s.pending.isEmpty ? "none" : s.pending.map(String.init).joined(separator: ", "))")
                }
            }
        }
    }
}

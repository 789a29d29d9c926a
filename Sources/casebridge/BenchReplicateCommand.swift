import ArgumentParser
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import CasebridgeTrust
import Dispatch
import Foundation
import Logging
import ServiceLifecycle

/// `casebridge bench replicate`: two nodes, real mutual TLS on loopback, real PostgreSQL.
struct ReplicateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicate",
        abstract: "Measure replication: verified-and-committed entries/s from an empty receiver, and catch-up after 1% new entries.",
        discussion: """
            Creates two scratch databases next to the one --database names (needs CREATEDB), a scratch CA and node
            certificates. The source node holds N signed record entries (real pseudonymized record bodies, ~1 KB) and
            serves them from this process over mutual TLS; the receiver is a separate process (`casebridge peers pull`)
            so its peak RSS is its own. Then 1% new entries are published and the receiver catches up again.
            """)

    @Option(help: "Entries at the source.")
    var entries: Int = 200_000

    @Option(help: "libpq conninfo of a database to create the scratch databases from (default: PG* environment).")
    var database: String = ""

    @Flag(help: "Keep the scratch databases and folder.")
    var keep = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    struct Phase: Encodable {
        var entries: Int
        var seconds: Double
        var entriesPerSecond: Double
        var receiverPeakRSSMegabytes: Double
    }

    struct Result: Encodable {
        var entries: Int
        var cores: Int
        var buildConfiguration: String
        var entryBytesAverage: Int
        var fromEmpty: Phase
        var catchUp: Phase
        var ed25519VerifyPerSecondPerCore: Double
    }

    func validate() throws {
        guard entries >= 100 else { throw ValidationError("--entries must be at least 100") }
    }

    func run() async throws {
        try await runReportingErrors(format: format) {
            let say: (String) -> Void = { s in if format == .text { printError(s) } }
            #if DEBUG
            let build = "debug"
            say("warning: this is a debug build; use a release build for figures (Deploy/local/bench.sh replicate ...)")
            #else
            let build = "release"
            #endif
            let fm = FileManager.default
            let work = NSTemporaryDirectory() + "casebridge-bench-\(getpid())"
            try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
            let suffix = "\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
            let srcDB = "casebridge_bench_src_\(suffix)", dstDB = "casebridge_bench_dst_\(suffix)"
            let admin = try PostgresConnection(conninfo: database)
            try admin.execute("CREATE DATABASE \(srcDB)")
            try admin.execute("CREATE DATABASE \(dstDB)")
            defer {
                if !keep {
                    _ = try? admin.execute("DROP DATABASE IF EXISTS \(srcDB) WITH (FORCE)")
                    _ = try? admin.execute("DROP DATABASE IF EXISTS \(dstDB) WITH (FORCE)")
                    try? fm.removeItem(atPath: work)
                }
            }
            let conninfo = { (db: String) in database.isEmpty ? "dbname=\(db)" : "\(database) dbname=\(db)" }

            // CA, certificates, keys, configurations.
            let ca = try FederationCA.create(name: "Bench Federation")
            try ca.write(to: work + "/ca")
            let pkey = PseudonymKey.generate()
            try pkey.write(to: work + "/pseudonym.key")
            func makeNode(_ id: String, db: String) throws -> (NodeConfig, SigningKey, String) {
                let dir = work + "/" + id
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try ca.issueNodeCertificate(nodeId: id, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"]).write(to: dir + "/tls")
                let key = SigningKey.generate()
                try key.write(to: dir + "/signing.key", nodeId: id)
                var cfg = NodeConfig(
                    nodeId: id, agency: "Bench \(id)", defaultRegion: "US", database: conninfo(db),
                    signingKeyPath: dir + "/signing.key", pseudonymKeyPath: work + "/pseudonym.key")
                cfg.federation.listen = .init(host: "127.0.0.1", port: 0)
                cfg.federation.localListen = .init(host: "127.0.0.1", port: 0)
                cfg.federation.certificatePath = dir + "/tls/node.pem"
                cfg.federation.keyPath = dir + "/tls/node.key"
                cfg.federation.caPath = dir + "/tls/ca.pem"
                cfg.federation.certificatePathAsWritten = cfg.federation.certificatePath
                cfg.federation.keyPathAsWritten = cfg.federation.keyPath
                cfg.federation.caPathAsWritten = cfg.federation.caPath
                let store = try NodeStore(conninfo: cfg.database)
                try Migrator.migrate(store.db)
                try store.registerNode(nodeId: id, agency: cfg.agency, keyId: key.publicKey.keyId, publicKey: key.publicKey.bytes)
                return (cfg, key, dir)
            }
            let made = try makeNode("bench-source", db: srcDB)
            var srcCfg = made.0
            let srcKey = made.1
            let (dstCfg, _, dstDir) = try makeNode("bench-sink", db: dstDB)

            // Real record bodies: import a base set of synthetic cases at the source, then sign N entries that
            // reuse those bodies under distinct case references, straight into the source's log.
            let baseCount = min(entries, 5000)
            say("preparing \(entries) signed entries at the source...")
            let fed = SyntheticGenerator(agencies: 1, casesPerAgency: baseCount, overlap: 0, seed: 17).generate()
            let context = try NodeContext(config: srcCfg, signingKey: srcKey, pseudonymKey: pkey)
            let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
            let srcStore = try NodeStore(conninfo: srcCfg.database)
            let validated = try CaseImporter(context: context, logger: quiet)
                .validate(bytes: Array(CaseInputCoding.jsonl(fed.agencies[0].cases).utf8), format: .jsonl, progress: nil)
            let bodies: [(caseRef: String, body: String)] = validated.map { c in
                (c.caseRef, String(decoding: Pseudonymizer.encode(context.pseudonymizer.record(for: c)), as: UTF8.self))
            }
            func publish(_ range: Range<Int>) throws -> Int {
                var totalBytes = 0
                var start = range.lowerBound
                while start < range.upperBound {
                    let end = min(range.upperBound, start + 20_000)
                    let now = Int64(Date().timeIntervalSince1970 * 1000)
                    let signed = Parallel.map(Array(start..<end), chunkSize: 256) { i -> (UInt64, String, SignedEntry) in
                        let base = bodies[i % bodies.count]
                        let ref = "\(base.caseRef)-\(i)"
                        let body = Array(base.body.replacingOccurrences(of: "\"caseRef\":\"\(base.caseRef)\"", with: "\"caseRef\":\"\(ref)\"").utf8)
                        let recordId = "bench-source/\(ref)"
                        let seq = UInt64(i + 1)
                        return (seq, recordId, SignedEntry.make(
                            kind: .record, origin: "bench-source", seq: seq, recordId: recordId, version: VersionVector(["bench-source": 1]),
                            timestamp: now, body: body, key: srcKey))
                    }
                    try srcStore.db.transaction {
                        try srcStore.appendLog(origin: "bench-source", signed.map { ($0.0, EntryKind.record, $0.1, $0.2) })
                        try srcStore.setVector(origin: "bench-source", seq: UInt64(end))
                    }
                    totalBytes += signed.reduce(0) { $0 + $1.2.framed().count }
                    start = end
                }
                return totalBytes
            }
            let bytes = try publish(0..<entries)

            // The source serves over mutual TLS from this process.
            let server = try NodeServer(context: context, logger: quiet)
            let group = try server.serviceGroup(signals: [])
            let serverTask = Task { try await group.run() }
            for _ in 0..<400 where server.boundFederationPort == nil { try await Task.sleep(for: .milliseconds(25)) }
            guard let port = server.boundFederationPort else { throw CLIError(message: "the source server did not start", code: Exit.software) }
            srcCfg.federation.endpoint = "https://127.0.0.1:\(port)"
            let dstStore = try NodeStore(conninfo: dstCfg.database)
            try dstStore.upsertPeer(try NodeCard.make(config: srcCfg, store: srcStore))
            try srcStore.upsertPeer(try NodeCard.make(config: dstCfg, store: dstStore))
            // The receiver's configuration file, for the child process.
            let cfgText = dstCfg.rendered(signingKeyPath: dstDir + "/signing.key", pseudonymKeyPath: work + "/pseudonym.key")
            try Data(cfgText.utf8).write(to: URL(fileURLWithPath: dstDir + "/casebridge.toml"))

            func pullInChild() throws -> (seconds: Double, peakMB: Double) {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0].hasPrefix("/")
                    ? CommandLine.arguments[0] : fm.currentDirectoryPath + "/" + CommandLine.arguments[0])
                p.arguments = ["peers", "pull", "--config", dstDir + "/casebridge.toml", "--format", "json"]
                p.standardOutput = FileHandle.nullDevice
                let err = Pipe()
                p.standardError = err
                // CASEBRIDGE_BENCH_RECEIVER_LOG=FILE: the receiver logs at debug level (batch timings) to FILE.
                if let logPath = ProcessInfo.processInfo.environment["CASEBRIDGE_BENCH_RECEIVER_LOG"] {
                    p.arguments! += ["--log-level", "debug"]
                    if !fm.fileExists(atPath: logPath) { fm.createFile(atPath: logPath, contents: nil) }
                    let h = FileHandle(forWritingAtPath: logPath)
                    _ = try? h?.seekToEnd()
                    p.standardError = h
                }
                let t0 = DispatchTime.now().uptimeNanoseconds
                try p.run()
                var peakKB = 0
                while p.isRunning {
                    if let s = try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8),
                       let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                       let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
                        peakKB = max(peakKB, kb)
                    }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                guard p.terminationStatus == 0 else {
                    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    throw CLIError(message: "the receiver failed: \(text.prefix(500))", code: Exit.software)
                }
                return (seconds, Double(peakKB) / 1024)
            }
            say("receiver pulling \(entries) entries from empty (separate process)...")
            let first = try pullInChild()
            let held = try dstStore.vector()["bench-source"]
            guard held == UInt64(entries) else { throw CLIError(message: "the receiver holds \(held) of \(entries)", code: Exit.software) }
            let extra = max(1, entries / 100)
            say("publishing \(extra) new entries (1%) and catching up...")
            _ = try publish(entries..<(entries + extra))
            let second = try pullInChild()
            guard try dstStore.vector()["bench-source"] == UInt64(entries + extra) else {
                throw CLIError(message: "the receiver did not catch up", code: Exit.software)
            }
            await group.triggerGracefulShutdown()
            _ = try? await serverTask.value
            await server.shutdown()

            let result = Result(
                entries: entries, cores: ProcessInfo.processInfo.activeProcessorCount, buildConfiguration: build,
                entryBytesAverage: bytes / entries,
                fromEmpty: Phase(entries: entries, seconds: first.seconds, entriesPerSecond: Double(entries) / first.seconds, receiverPeakRSSMegabytes: first.peakMB),
                catchUp: Phase(entries: extra, seconds: second.seconds, entriesPerSecond: Double(extra) / second.seconds, receiverPeakRSSMegabytes: second.peakMB),
                ed25519VerifyPerSecondPerCore: BenchCommand.ImportBench.ceilings().ed25519VerifyPerSecondPerCore)
            if format == .json {
                try printJSON(result)
            } else {
                print("replication of \(entries) entries (~\(result.entryBytesAverage) B each; \(build) build, \(result.cores) cores; mutual TLS on loopback):")
                print(String(format: "  from empty: %.0f entries/s verified and committed (%.2f s), receiver peak RSS %.0f MB",
                             result.fromEmpty.entriesPerSecond, first.seconds, first.peakMB))
                print(String(format: "  catch-up of %d new entries (1%%): %.2f s (%.0f entries/s), peak RSS %.0f MB",
                             extra, second.seconds, result.catchUp.entriesPerSecond, second.peakMB))
                print(String(format: "  ceiling: Ed25519 verify %.0f/s per core", result.ed25519VerifyPerSecondPerCore))
            }
        }
    }
}

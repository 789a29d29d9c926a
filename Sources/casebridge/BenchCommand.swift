import ArgumentParser
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeStore
import Dispatch
import Foundation
import Logging

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (use a release build: swift build -c release).",
        subcommands: [ImportBench.self, ReplicateBench.self, SearchBench.self])

    struct ImportBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Measure import throughput: parse, validate, normalize, tokenize, sign and store through COPY.",
            discussion: """
                Creates a scratch database next to the one --database names (needs CREATEDB), imports N synthetic
                cases from JSONL bytes in memory, re-imports them unchanged, and drops the database. Reports the
                machine's measured ceilings (Ed25519 signs/s, verifies/s, keyed BLAKE2b/s per core) beside the figures.
                """)

        @Option(help: "Number of records (cases) to import.")
        var records: Int = 100_000

        @Option(help: "libpq conninfo of a database to create the scratch database from (default: PG* environment).")
        var database: String = ""

        @Flag(help: "Keep the scratch database instead of dropping it.")
        var keep: Bool = false

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func validate() throws {
            guard records >= 1 else { throw ValidationError("--records must be at least 1") }
        }

        struct Result: Encodable {
            var records: Int
            var cores: Int
            var buildConfiguration: String
            var importSeconds: Double
            var recordsPerSecond: Double
            var parseValidateSeconds: Double
            var pseudonymizeSeconds: Double
            var signAndStoreSeconds: Double
            var entries: Int
            var tokens: Int
            /// CPU time of this process during the first import (all threads).
            var clientCPUSeconds: Double
            /// CPU time of the PostgreSQL cluster's processes during the first import (backend, parallel index-build
            /// workers, WAL writer...), from /proc; nil when the server's processes cannot be read (another machine).
            var serverCPUSeconds: Double?
            var reimportUnchangedSeconds: Double
            var reimportRecordsPerSecond: Double
            var ceilings: Ceilings
        }

        struct Ceilings: Encodable {
            var ed25519SignPerSecondPerCore: Double
            var ed25519VerifyPerSecondPerCore: Double
            var blake2bKeyed32BytesPerSecondPerCore: Double
        }

        func run() async throws {
            try await runReportingErrors(format: format) {
                let say: (String) -> Void = { s in if format == .text { printError(s) } }
                #if DEBUG
                let build = "debug"
                say("warning: this is a debug build; figures will be far below a release build (swift build -c release)")
                #else
                let build = "release"
                #endif
                say("generating \(records) synthetic cases...")
                let fed = SyntheticGenerator(agencies: 1, casesPerAgency: records, overlap: 0, seed: 42).generate()
                let agency = fed.agencies[0]
                let jsonl = Array(CaseInputCoding.jsonl(agency.cases).utf8)
                let dbName = "casebridge_bench_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
                let admin = try PostgresConnection(conninfo: database)
                try admin.execute("CREATE DATABASE \(dbName)")
                defer { if !keep { _ = try? admin.execute("DROP DATABASE IF EXISTS \(dbName) WITH (FORCE)") } }
                let store = try NodeStore(conninfo: database, database: dbName)
                try Migrator.migrate(store.db)
                let key = SigningKey.generate()
                try store.registerNode(nodeId: agency.nodeId, agency: agency.agency, keyId: key.publicKey.keyId, publicKey: key.publicKey.bytes)
                let cfg = NodeConfig(
                    nodeId: agency.nodeId, agency: agency.agency, defaultRegion: agency.defaultRegion, database: database,
                    signingKeyPath: "", pseudonymKeyPath: "")
                let context = try NodeContext(config: cfg, signingKey: key, pseudonymKey: PseudonymKey.generate())
                let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
                let importer = CaseImporter(context: context, logger: logger)
                let display = ProgressDisplay(enabled: isatty(2) == 1 && format == .text)
                say("importing into scratch database \(dbName)...")
                let serverPid = try store.db.execute("SELECT pg_backend_pid()").scalar.flatMap { Int32($0) }
                let clientBefore = Self.processCPUSeconds()
                let serverBefore = serverPid.flatMap(ServerCPU.init(backend:))
                let first = try importer.importFile(bytes: jsonl, format: .jsonl, store: store) { p, d, t in display.update(p.rawValue, d, t) }
                let clientCPU = Self.processCPUSeconds() - clientBefore
                let serverCPU = serverPid.flatMap { pid in serverBefore.flatMap { before in ServerCPU(backend: pid).map { $0.seconds - before.seconds } } }
                display.finish()
                say("re-importing unchanged...")
                let second = try importer.importFile(bytes: jsonl, format: .jsonl, store: store) { p, d, t in display.update(p.rawValue, d, t) }
                display.finish()
                let tokens = try store.counts().tokens
                say("measuring ceilings...")
                let result = Result(
                    records: records, cores: ProcessInfo.processInfo.activeProcessorCount, buildConfiguration: build,
                    importSeconds: first.seconds, recordsPerSecond: Double(records) / first.seconds,
                    parseValidateSeconds: first.parseSeconds, pseudonymizeSeconds: first.publishSeconds,
                    signAndStoreSeconds: first.storeSeconds, entries: first.entries, tokens: tokens,
                    clientCPUSeconds: clientCPU, serverCPUSeconds: serverCPU,
                    reimportUnchangedSeconds: second.seconds, reimportRecordsPerSecond: Double(records) / second.seconds,
                    ceilings: Self.ceilings())
                if format == .json {
                    try printJSON(result)
                } else {
                    print("import of \(records) records (\(build) build, \(result.cores) cores):")
                    print(String(format: "  %.0f records/s  (%.2f s: parse+validate %.2f s, pseudonymize %.2f s, sign+store %.2f s)",
                                 result.recordsPerSecond, first.seconds, first.parseSeconds, first.publishSeconds, first.storeSeconds))
                    print("  \(first.entries) signed entries, \(tokens) tokens")
                    print(String(format: "  CPU: client %.2f s, PostgreSQL %@ (less noisy than the wall-clock rate on a shared machine)",
                                 clientCPU, serverCPU.map { String(format: "%.2f s", $0) } ?? "not readable"))
                    print(String(format: "  re-import unchanged: %.0f records/s (%.2f s, %d entries)", result.reimportRecordsPerSecond, second.seconds, second.entries))
                    print(String(format: "  ceilings per core: Ed25519 sign %.0f/s, verify %.0f/s, keyed BLAKE2b (32 B) %.0f/s",
                                 result.ceilings.ed25519SignPerSecondPerCore, result.ceilings.ed25519VerifyPerSecondPerCore,
                                 result.ceilings.blake2bKeyed32BytesPerSecondPerCore))
                }
            }
        }

        /// User + system CPU time of this process so far.
        static func processCPUSeconds() -> Double {
            var u = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
            return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
        }

        /// CPU time used by a PostgreSQL cluster on this machine: its postmaster (found as the parent of `backend`) with
        /// the children it has reaped (backends and parallel workers that have exited), plus its live children.
        struct ServerCPU {
            var seconds: Double

            init?(backend: Int32) {
                guard let b = Self.stat(backend), let postmaster = Int32(b[1]), let pm = Self.stat(postmaster) else { return nil }
                let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
                func ticks(_ f: [String], _ range: ClosedRange<Int>) -> Double { range.reduce(0) { $0 + (Double(f[$1]) ?? 0) } }
                // Fields after the command name: [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime.
                var total = ticks(pm, 11...14)
                let procs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
                for name in procs {
                    guard let pid = Int32(name), pid != postmaster, let f = Self.stat(pid), f[1] == String(postmaster) else { continue }
                    total += ticks(f, 11...12)
                }
                seconds = total / tick
            }

            /// The fields of /proc/PID/stat after the command name (which may hold spaces), starting with the state.
            static func stat(_ pid: Int32) -> [String]? {
                guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                    let close = text.lastIndex(of: ")")
                else { return nil }
                let fields = text[text.index(after: close)...].split(separator: " ").map(String.init)
                return fields.count > 14 ? fields : nil
            }
        }

        static func ceilings() -> Ceilings {
            let key = SigningKey.generate()
            let msg = [UInt8](repeating: 7, count: 300)
            func rate(_ body: () -> Void) -> Double {
                var n = 0
                let start = DispatchTime.now().uptimeNanoseconds
                var elapsed: UInt64 = 0
                while elapsed < 500_000_000 {
                    for _ in 0..<100 { body() }
                    n += 100
                    elapsed = DispatchTime.now().uptimeNanoseconds - start
                }
                return Double(n) / (Double(elapsed) / 1e9)
            }
            let sig = key.sign(msg)
            let pk = PseudonymKey.generate()
            return Ceilings(
                ed25519SignPerSecondPerCore: rate { _ = key.sign(msg) },
                ed25519VerifyPerSecondPerCore: rate { _ = key.publicKey.verify(signature: sig, message: msg) },
                blake2bKeyed32BytesPerSecondPerCore: rate { _ = pk.token(tag: "phone", value: "+14155550123 pad to 32") })
        }
    }
}

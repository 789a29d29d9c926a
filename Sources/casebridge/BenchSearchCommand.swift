import ArgumentParser
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `casebridge bench search`: search latency through the local API over a node holding N replicated records.
struct SearchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Measure search latency (p50/p95/p99) through the local API with N replicated records.",
        discussion: """
            Creates a scratch database next to the one --database names (needs CREATEDB) and fills it with N records
            of three other origins, 8 tokens each (phone, email, name, dob, name+dob, plate, handle, document; a third
            of the phones and emails shared by two records), as replication leaves them. Then it serves the local API
            from this process and sends authenticated searches over HTTP on 127.0.0.1, one at a time and then from
            several clients at once. Every search is authenticated, tokenized, looked up, ranked and audited, as in
            production. 90% of the queries name a phone that some record holds, 10% one that none holds.
            """)

    @Option(help: "Replicated records to hold.") var records: Int = 1_000_000
    @Option(help: "Measured searches per phase.") var queries: Int = 2000
    @Option(help: "Clients of the concurrent phase.") var clients: Int = 4
    @Option(help: "libpq conninfo of a database to create the scratch database from (default: PG* environment).") var database: String = ""
    @Flag(help: "Keep the scratch database and folder.") var keep = false
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    struct Phase: Encodable {
        var clients: Int
        var queries: Int
        var seconds: Double
        var queriesPerSecond: Double
        var p50Milliseconds: Double
        var p95Milliseconds: Double
        var p99Milliseconds: Double
        var maxMilliseconds: Double
        var queriesWithHits: Int
    }

    struct Result: Encodable {
        var records: Int
        var tokens: Int
        var cores: Int
        var buildConfiguration: String
        var loadSeconds: Double
        var sequential: Phase
        var concurrent: Phase
    }

    func validate() throws {
        guard records >= 1000 else { throw ValidationError("--records must be at least 1000") }
        guard queries >= 100 else { throw ValidationError("--queries must be at least 100") }
        guard (1...64).contains(clients) else { throw ValidationError("--clients must be 1...64") }
    }

    /// The phone of pool slot `k` (a third of the slots are held by two records).
    static func phone(_ k: Int) -> String { "+1213\(2_000_000 + k)" }

    func run() async throws {
        try await runReportingErrors(format: format) {
            let say: (String) -> Void = { s in if format == .text { printError(s) } }
            #if DEBUG
            let build = "debug"
            say("warning: this is a debug build; use a release build for figures (Deploy/local/bench.sh search ...)")
            #else
            let build = "release"
            #endif
            let fm = FileManager.default
            let work = NSTemporaryDirectory() + "casebridge-bench-search-\(getpid())"
            try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
            let dbName = "casebridge_bench_search_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
            let admin = try PostgresConnection(conninfo: database)
            try admin.execute("CREATE DATABASE \(dbName)")
            defer {
                if !keep {
                    _ = try? admin.execute("DROP DATABASE IF EXISTS \(dbName) WITH (FORCE)")
                    try? fm.removeItem(atPath: work)
                }
            }
            let key = SigningKey.generate()
            try key.write(to: work + "/signing.key", nodeId: "bench-node")
            let pkey = PseudonymKey.generate()
            try pkey.write(to: work + "/pseudonym.key")
            var cfg = NodeConfig(
                nodeId: "bench-node", agency: "Bench Node", defaultRegion: "US",
                database: database.isEmpty ? "dbname=\(dbName)" : "\(database) dbname=\(dbName)",
                signingKeyPath: work + "/signing.key", pseudonymKeyPath: work + "/pseudonym.key")
            cfg.federation.localListen = .init(host: "127.0.0.1", port: 0)
            let context = try NodeContext(config: cfg, signingKey: key, pseudonymKey: pkey)
            let store = try NodeStore(conninfo: cfg.database)
            try Migrator.migrate(store.db)
            try store.registerNode(nodeId: cfg.nodeId, agency: cfg.agency, keyId: key.publicKey.keyId, publicKey: key.publicKey.bytes)

            // Load: records by SQL, tokens (other origins' records: the remote partition) by binary COPY with that
            // partition's indexes built afterwards.
            let t0 = Date()
            let n = records
            let pool = n * 3 / 4
            say("loading \(n) replicated records (8 tokens each)...")
            try store.db.execute(
                """
                INSERT INTO casebridge.records (record_id, origin, seq, case_ref, version, deleted, body_hash, agency, case_type,
                  status, jurisdiction, opened, contact, epoch)
                SELECT o || '/CASE-' || i, o, i, 'CASE-' || i, jsonb_build_object(o, 1), false, '\\x00'::bytea, 'Agency ' || o,
                  (ARRAY['sex-trafficking','labor-trafficking','both'])[1 + i % 3], (ARRAY['open','closed','inactive'])[1 + i % 3],
                  (ARRAY['US-CA','US-TX','US-NY','US-NV','US-FL'])[1 + i % 5], current_date - (i % 2000),
                  jsonb_build_object('name', 'Det. Bench ' || (i % 100), 'phone', '+12135550100', 'unit', 'Human Trafficking Unit'), 1
                FROM generate_series(1, $1::integer) i, LATERAL (SELECT 'bench-' || (ARRAY['a','b','c'])[1 + i % 3] AS o) x
                """, [String(n)])
            try store.db.execute(
                "INSERT INTO casebridge.origin_status (origin, last_applied) VALUES ('bench-a', now()), ('bench-b', now()), ('bench-c', now())")
            let defs = try store.db.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'casebridge' AND tablename = 'tokens_remote'").rows
            for d in defs { try store.db.execute("DROP INDEX casebridge.\"\(d[0]!)\"") }
            let pz = context.pseudonymizer
            var tokenCount = 0
            try store.db.copyIn("COPY casebridge.tokens_remote (token, epoch, record_id, kind, subject, role, record_seq) FROM STDIN WITH (FORMAT binary)") { send in
                var enc = BinaryCopyEncoder(capacity: 1 << 21)
                for i in 1...n {
                    let rid = "bench-\(["a", "b", "c"][i % 3])/CASE-\(i)"
                    let k = i % pool
                    let ids: [NormalizedIdentifier] = [
                        .init(kind: .phone, value: Self.phone(k)),
                        .init(kind: .email, value: "user\(k)@example.org"),
                        .init(kind: .name, value: "family\(i % 20_000) given\(i % 50_000)"),
                        .init(kind: .dob, value: "19\(60 + i % 40)-0\(1 + i % 9)-1\(i % 9)"),
                        .init(kind: .nameDob, value: "family\(i % 20_000) given\(i % 50_000)|19\(60 + i % 40)-0\(1 + i % 9)-1\(i % 9)"),
                        .init(kind: .plate, value: "US-CA:BN\(i)"),
                        .init(kind: .handle, value: "instagram:bench\(i)"),
                        .init(kind: .document, value: "passport:MX:G\(i)"),
                    ]
                    for id in ids {
                        enc.row(fields: 7)
                        enc.bytea(pz.token(id)); enc.int4(1); enc.text(rid); enc.text(id.kind.rawValue); enc.int2(0); enc.text("suspect")
                        enc.int8(Int64(i))
                        tokenCount += 1
                    }
                    if enc.buffer.count > 1 << 20 { try send(&enc.buffer) }
                    if i % 100_000 == 0 { say("  \(i) records") }
                }
                enc.finish()
                try send(&enc.buffer)
            }
            say("building token indexes...")
            for d in defs { try store.db.execute(d[1]!) }
            try store.db.execute("ANALYZE")
            let loadSeconds = Date().timeIntervalSince(t0)
            say("loaded in \(String(format: "%.1f", loadSeconds)) s")

            // Serve the local API from this process.
            let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
            let storePool = StorePool(conninfo: cfg.database, maxConnections: 8)
            let api = LocalAPI(pool: storePool, metrics: NodeMetrics(), context: context, logger: quiet)
            let port = PortBox()
            let app = Application(
                router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "bench"),
                onServerRunning: { ch in port.set(ch.localAddress?.port) }, logger: quiet)
            let group = ServiceGroup(configuration: .init(services: [.init(service: app)], gracefulShutdownSignals: [], logger: quiet))
            let serverTask = Task { try await group.run() }
            for _ in 0..<400 where port.port == nil { try await Task.sleep(for: .milliseconds(25)) }
            guard let p = port.port else { throw CLIError(message: "the local API did not start", code: Exit.software) }
            let token = try UserAccounts(settings: cfg.investigators, logger: quiet).add(name: "bench", role: .investigator, actor: "host:bench", store: store)
            let client = LocalAPIClient(baseURL: "http://127.0.0.1:\(p)", token: token.text)

            func query(_ q: Int) -> Data {
                var rng = SyntheticRandom(seed: UInt64(q))
                let k = Int(rng.next() % UInt64(pool))
                let miss = q % 10 == 9
                let digits = miss ? "\(9_000_000 + k % 999_999)" : "\(2_000_000 + k)"
                // As a person types it: national format with separators.
                let typed = "(213) \(digits.prefix(3))-\(digits.suffix(4))"
                let body: [String: Any] = [
                    "purpose": ["caseNumber": "BENCH-\(q)", "reason": "latency benchmark"],
                    "query": ["phones": [typed]],
                ]
                return try! JSONSerialization.data(withJSONObject: body)
            }
            func phase(clients: Int, base: Int) async throws -> Phase {
                let perClient = queries / clients
                let start = ContinuousClock.now
                let results = try await withThrowingTaskGroup(of: [(Double, Bool)].self) { tg in
                    for c in 0..<clients {
                        tg.addTask {
                            var out: [(Double, Bool)] = []
                            for j in 0..<perClient {
                                let body = query(base + c * perClient + j)
                                let t = ContinuousClock.now
                                let data = try await client.send("POST", "/v1/search", json: body)
                                let d = ContinuousClock.now - t
                                let hits = (try? JSONDecoder().decode(SearchResponse.self, from: data).hits.count) ?? 0
                                out.append((d.milliseconds, hits > 0))
                            }
                            return out
                        }
                    }
                    var all: [(Double, Bool)] = []
                    for try await r in tg { all += r }
                    return all
                }
                let secs = (ContinuousClock.now - start).seconds
                let lat = results.map(\.0).sorted()
                func pct(_ p: Double) -> Double { lat[min(lat.count - 1, Int(Double(lat.count) * p))] }
                return Phase(
                    clients: clients, queries: lat.count, seconds: secs, queriesPerSecond: Double(lat.count) / secs,
                    p50Milliseconds: pct(0.50), p95Milliseconds: pct(0.95), p99Milliseconds: pct(0.99), maxMilliseconds: lat.last ?? 0,
                    queriesWithHits: results.filter(\.1).count)
            }
            say("warming up...")
            _ = try await phase(clients: 1, base: 10_000_000)
            say("\(queries) searches, one client...")
            let seq = try await phase(clients: 1, base: 0)
            say("\(queries) searches, \(clients) clients...")
            let conc = try await phase(clients: clients, base: 1_000_000)
            await group.triggerGracefulShutdown()
            _ = try? await serverTask.value

            let result = Result(
                records: n, tokens: tokenCount, cores: ProcessInfo.processInfo.activeProcessorCount, buildConfiguration: build,
                loadSeconds: loadSeconds, sequential: seq, concurrent: conc)
            if format == .json {
                try printJSON(result)
            } else {
                for ph in [seq, conc] {
                    print(String(
                        format: "%d client(s): %d searches in %.2f s (%.0f/s); latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms; %d with hits",
                        ph.clients, ph.queries, ph.seconds, ph.queriesPerSecond, ph.p50Milliseconds, ph.p95Milliseconds, ph.p99Milliseconds,
                        ph.maxMilliseconds, ph.queriesWithHits))
                }
                print("(\(n) records, \(tokenCount) tokens, \(result.cores) cores, \(build) build; every search authenticated and audited)")
            }
        }
    }
}

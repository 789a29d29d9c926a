import AsyncHTTPClient
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import CasebridgeTestSupport
import CasebridgeTrust
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A federation CA in a temporary folder, issuing node certificates.
final class TestCA: @unchecked Sendable {
    let dir: String
    let ca: FederationCA

    init(name: String = "Test Federation", now: Date = Date()) throws {
        dir = NSTemporaryDirectory() + "casebridge-ca-\(UUID().uuidString)"
        ca = try FederationCA.create(name: name, now: now)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try ca.write(to: dir + "/ca")
    }

    /// Writes node.pem, node.key, ca.pem for `nodeId` into a fresh folder and returns it.
    func issue(_ nodeId: String, validityDays: Int = 30) throws -> String {
        let out = dir + "/\(nodeId)-\(UUID().uuidString.prefix(8))"
        let cert = try ca.issueNodeCertificate(nodeId: nodeId, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], validityDays: validityDays)
        try cert.write(to: out)
        return out
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }
}

/// One node: a fresh database, keys, a TLS certificate, and (once started) a running server on ephemeral ports.
final class TestNode: @unchecked Sendable {
    let id: String
    let agency: String
    let db: TestDatabase
    let store: NodeStore
    let context: NodeContext
    var config: NodeConfig
    let logs = LogCapture()
    let tlsDir: String
    var server: NodeServer?
    var group: ServiceGroup?
    var runTask: Task<Void, any Error>?

    init(_ id: String, ca: TestCA, pseudonymKey: PseudonymKey, syncInterval: Int = 1, applyBatch: Int = 500, certificateDays: Int = 30) throws {
        self.id = id
        agency = "Agency \(id)"
        db = try TestDatabase(id)
        store = try db.migratedStore()
        let key = SigningKey.generate()
        try store.registerNode(nodeId: id, agency: agency, keyId: key.publicKey.keyId, publicKey: key.publicKey.bytes)
        tlsDir = try ca.issue(id, validityDays: certificateDays)
        // The signing key lives in a 0600 file like a real node's (rotation replaces it; the witness sits beside it).
        try key.write(to: tlsDir + "/signing.key", nodeId: id)
        try pseudonymKey.write(to: tlsDir + "/pseudonym.key")
        var cfg = NodeConfig(
            nodeId: id, agency: agency, defaultRegion: "US", database: db.conninfo, signingKeyPath: tlsDir + "/signing.key",
            pseudonymKeyPath: tlsDir + "/pseudonym.key")
        cfg.federation.listen = .init(host: "127.0.0.1", port: 0)
        cfg.federation.localListen = .init(host: "127.0.0.1", port: 0)
        cfg.federation.certificatePath = tlsDir + "/node.pem"
        cfg.federation.keyPath = tlsDir + "/node.key"
        cfg.federation.caPath = tlsDir + "/ca.pem"
        cfg.federation.syncIntervalSeconds = syncInterval
        cfg.federation.applyBatch = applyBatch
        cfg.federation.epochStepSeconds = 3600  // tests step pseudonym-epoch transitions by hand
        config = cfg
        context = try NodeContext(config: cfg, signingKey: key, pseudonymKey: pseudonymKey)
    }

    /// The same node (id, keys, certificate, witness file) on another database: a restore from a backup.
    init(restoredFrom other: TestNode, database: TestDatabase) throws {
        id = other.id
        agency = other.agency
        db = database
        store = try database.store()
        tlsDir = other.tlsDir
        var cfg = other.config
        cfg.database = database.conninfo
        config = cfg
        context = try NodeContext(config: cfg, signingKey: SigningKey.load(path: cfg.signingKeyPath), pseudonymKey: other.context.pseudonymKey)
    }

    deinit { db.drop() }

    var logger: Logger { logs.logger }

    /// Starts the server; the endpoint is known once the federation port is bound.
    func start() async throws {
        let s = try NodeServer(context: NodeContext(config: config, signingKey: context.signingKey, pseudonymKey: context.pseudonymKey), logger: logger)
        let g = try s.serviceGroup(signals: [])
        server = s
        group = g
        runTask = Task { try await g.run() }
        for _ in 0..<200 {
            if s.boundFederationPort != nil && s.boundLocalPort != nil { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        guard let port = s.boundFederationPort else { throw ServerError(code: "test", reason: "server did not start") }
        config.federation.endpoint = "https://127.0.0.1:\(port)"
    }

    func stop() async {
        await group?.triggerGracefulShutdown()
        _ = try? await runTask?.value
        await server?.shutdown()
        server = nil
    }

    var endpoint: String { config.federation.endpoint }
    var localURL: String { "http://127.0.0.1:\(server?.boundLocalPort ?? 0)" }

    /// This node's trust card (with its current endpoint), or without an endpoint for relayed-only trust.
    func card(withEndpoint: Bool = true) throws -> TrustCard {
        var c = try NodeCard.make(config: config, store: store)
        if !withEndpoint { c.endpoint = nil }
        return c
    }

    func trust(_ other: TestNode, direct: Bool = true) throws {
        try store.upsertPeer(other.card(withEndpoint: direct))
    }

    func importCases(_ cases: [CaseInput]) throws -> ImportReport {
        try CaseImporter(context: context, logger: logger)
            .importFile(bytes: Array(CaseInputCoding.jsonl(cases).utf8), format: .jsonl, store: store)
    }

    /// One pull from `peer` until caught up, through a fresh client (as `casebridge peers pull` does).
    @discardableResult
    func pull(from peer: TestNode, maxEntries: Int? = nil) async throws -> ApplyReport {
        let client = try PeerClient(config: config)
        let pool = StorePool(conninfo: config.database, maxConnections: 2)
        do {
            let r = try await client.catchUp(peer: peer.id, endpoint: peer.endpoint, pool: pool, logger: logger, maxEntries: maxEntries)
            await client.shutdown()
            return r.report
        } catch {
            await client.shutdown()
            throw error
        }
    }

    func vector() throws -> [String: UInt64] { try store.vector().counters }

    func count(_ sql: String) throws -> Int { Int(try store.db.execute(sql).scalar ?? "-1") ?? -1 }

    func search(_ q: SearchQuery) throws -> [SearchHit] { try CaseSearch(context: context, logger: logger).run(q, store: store) }
}

/// Waits until `condition` holds, polling; false on timeout.
func eventually(timeout: Double = 30, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return try condition()
}

/// An HTTP client with the given TLS identity (or none) that trusts `caPEMPath` for the server.
func makeClient(certificateDir: String?, caPath: String) throws -> HTTPClient {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
    tls.certificateVerification = .noHostnameVerification
    if let d = certificateDir {
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(d + "/node.pem").map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: d + "/node.key", format: .pem))
    }
    var cfg = HTTPClient.Configuration(tlsConfiguration: tls)
    cfg.connectionPool.retryConnectionEstablishment = false
    cfg.timeout = .init(connect: .seconds(5), read: .seconds(10))
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: cfg)
}

/// POSTs `body` and returns status and body text (throws on TLS/connection failure).
func post(_ client: HTTPClient, _ url: String, body: [UInt8], contentType: String = "application/json", headers: [(String, String)] = []) async throws -> (Int, String) {
    var req = HTTPClientRequest(url: url)
    req.method = .POST
    req.headers.add(name: "content-type", value: contentType)
    for (k, v) in headers { req.headers.add(name: k, value: v) }
    req.body = .bytes(ByteBuffer(bytes: body))
    let resp = try await client.execute(req, timeout: .seconds(10))
    let text = try await resp.body.collect(upTo: 16 << 20)
    return (Int(resp.status.code), String(buffer: text))
}

func get(_ client: HTTPClient, _ url: String) async throws -> (Int, String) {
    let resp = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
    let text = try await resp.body.collect(upTo: 16 << 20)
    return (Int(resp.status.code), String(buffer: text))
}

public import AsyncHTTPClient
public import CasebridgeCore
public import CasebridgeNode
import CasebridgeStore
public import CasebridgeTrust
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
public import ServiceLifecycle
import Synchronization

/// What one pull from a peer did.
public struct PullResult: Sendable, Codable {
    public var peer: String
    public var report: ApplyReport
    public var more: Bool
    public var complete: Bool
    public var theirVector: [String: UInt64]
    public var seconds: Double
}

public struct PeerError: Error, CustomStringConvertible, Sendable {
    public var peer: String
    public var code: String
    public var reason: String

    public var description: String { "\(peer): \(reason)" }
}

/// Calls peers' federation APIs over mutual TLS.
///
/// The HTTP client is rebuilt when this node's certificate is reloaded: pulls already running finish on the old
/// client (and its connections); new pulls open new connections that present the new certificate.
public final class PeerClient: Sendable {
    struct Clients {
        var current: HTTPClient
        var tls: TLSConfiguration
        /// Clients replaced by a reload, with when; shut down once no request can still be running on them.
        var retired: [(client: HTTPClient, at: ContinuousClock.Instant)] = []
    }

    private let clients: Mutex<Clients>
    /// The HTTP client new requests use.
    public var client: HTTPClient { clients.withLock { $0.current } }
    let selfId: String
    /// What raises alerts as entries apply.
    let alerts: NodeStore.AlertScanSettings
    let timeout: TimeAmount
    let requestTimeoutSeconds: Int
    let pullMaxEntries: Int
    let pullMaxBytes: Int
    let applyBatch: Int

    /// A client presenting the certificate and key the configuration names.
    public convenience init(config: NodeConfig) throws {
        let identities = try TLSIdentityStore(settings: config.federation, nodeId: config.nodeId)
        self.init(config: config, tls: identities.clientTLSConfiguration())
    }

    /// A client presenting the identity currently in `identities`.
    public convenience init(config: NodeConfig, identities: TLSIdentityStore) {
        self.init(config: config, tls: identities.clientTLSConfiguration())
    }

    init(config: NodeConfig, tls: TLSConfiguration) {
        let s = config.federation
        requestTimeoutSeconds = s.requestTimeoutSeconds
        clients = Mutex(Clients(current: Self.makeHTTPClient(tls: tls, requestTimeoutSeconds: s.requestTimeoutSeconds), tls: tls))
        selfId = config.nodeId
        alerts = NodeStore.AlertScanSettings(config.investigators)
        timeout = .seconds(Int64(s.requestTimeoutSeconds))
        pullMaxEntries = s.pullMaxEntries
        pullMaxBytes = s.pullMaxBytes
        applyBatch = s.applyBatch
    }

    static func makeHTTPClient(tls: TLSConfiguration, requestTimeoutSeconds: Int) -> HTTPClient {
        var hc = HTTPClient.Configuration(tlsConfiguration: tls)
        // A peer with a bad certificate must fail fast, not after seconds of reconnect attempts.
        hc.connectionPool.retryConnectionEstablishment = false
        hc.timeout = .init(connect: .seconds(5), read: .seconds(Int64(requestTimeoutSeconds)))
        hc.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: hc)
    }

    /// Uses `tls` (a reloaded certificate and key) for every request from now on. Requests in flight finish on the
    /// previous client, which ``shutdownRetiredClients()`` shuts down later.
    func reloadTLS(_ tls: TLSConfiguration) {
        let fresh = Self.makeHTTPClient(tls: tls, requestTimeoutSeconds: requestTimeoutSeconds)
        clients.withLock { c in
            c.retired.append((c.current, .now))
            c.current = fresh
            c.tls = tls
        }
    }

    public func shutdown() async {
        let all = clients.withLock { [$0.current] + $0.retired.map(\.client) }
        for c in all { try? await c.shutdown() }
    }

    /// Shuts down clients retired by a reload longer ago than any request may run (twice the request timeout plus
    /// a minute: a pull answer is also cut by the server's `federation.max_seconds`).
    func shutdownRetiredClients() async {
        let grace = Duration.seconds(2 * requestTimeoutSeconds + 60)
        let now = ContinuousClock.now
        let done = clients.withLock { c -> [HTTPClient] in
            let old = c.retired.filter { now - $0.at > grace }.map(\.client)
            c.retired.removeAll { now - $0.at > grace }
            return old
        }
        for c in done { try? await c.shutdown() }
    }

    /// Opens a TLS connection to `endpoint` with this node's current identity, completes the handshake and returns
    /// the certificate the peer presented (its chain verified against the federation CA by the handshake).
    ///
    /// async-http-client does not expose a connection's peer certificate, so the sync scheduler calls this before
    /// each round of pulls to check the peer's certificate against the revocation list.
    public func serverCertificate(endpoint: String) async throws -> CertificateInfo {
        var tls = clients.withLock { $0.tls }
        tls.certificateVerification = .noHostnameVerification
        return try await TLSProbe.peerCertificate(endpoint: endpoint, tls: tls, timeout: .seconds(5))
    }

    /// Fetches `peer`'s revocation list if its sequence exceeds `after`; `nil` when the peer has none newer.
    public func revocationList(peer: String, endpoint: String, after: UInt64) async throws -> [UInt8]? {
        let request = HTTPClientRequest(url: endpoint + "/federation/v1/crl?after=\(after)")
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(10))
        } catch {
            throw PeerError(peer: peer, code: "connect", reason: "cannot reach \(endpoint): \(Self.describe(error))")
        }
        let body = try await response.body.collect(upTo: 4 << 20)
        switch response.status.code {
        case 200: return Array(body.readableBytesView)
        case 204: return nil
        default:
            throw PeerError(peer: peer, code: "http-\(response.status.code)", reason: "crl answered \(response.status.code): \(String(buffer: body).prefix(300))")
        }
    }

    /// Pulls what this node lacks from `peer` at `endpoint`, applying entries in transactions of `applyBatch` as they
    /// stream in. An interrupted stream keeps what was applied; the next pull resumes from the vector.
    public func pull(
        peer: String, endpoint: String, pool: StorePool, logger: Logger, maxEntries: Int? = nil,
        progress: (@Sendable (ApplyReport) -> Void)? = nil
    ) async throws -> PullResult {
        let start = ContinuousClock.now
        let vector = try await pool.withStore { try $0.vector().counters }
        var request = HTTPClientRequest(url: endpoint + "/federation/v1/pull")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: PullFrame.mediaType)
        let body = try JSONEncoder().encode(PullRequest(vector: vector, maxEntries: maxEntries ?? pullMaxEntries, maxBytes: pullMaxBytes))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw PeerError(peer: peer, code: "connect", reason: "cannot reach \(endpoint): \(Self.describe(error))")
        }
        guard response.status == .ok else {
            let text = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            throw PeerError(peer: peer, code: "http-\(response.status.code)", reason: "pull answered \(response.status.code): \(text.prefix(300))")
        }
        var reader = PullFrame.Reader()
        var batch: [SignedEntry] = []
        var report = ApplyReport()
        var end: PullEnd? = nil
        let replicator = Replicator(selfId: selfId, logger: logger, alerts: alerts)
        let keys = try await pool.withStore { try Replicator.keys(store: $0) }
        // Pipelined: batch N+1 is verified on the CPU while batch N's transaction runs in the database.
        var inFlight: Task<ApplyReport, any Error>? = nil
        var readStart = ContinuousClock.now
        func settle() async throws {
            if let t = inFlight {
                inFlight = nil
                report.add(try await t.value)
                progress?(report)
            }
        }
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let b = batch
            batch.removeAll(keepingCapacity: true)
            let t0 = ContinuousClock.now
            let prepared = try await NIOThreadPool.singleton.runIfActive { Replicator.prepare(b, keys: keys) }
            let t1 = ContinuousClock.now
            try await settle()
            let t2 = ContinuousClock.now
            logger.debug(
                "batch prepared",
                metadata: ["entries": "\(b.count)", "read": "\(t0 - readStart)", "prepare": "\(t1 - t0)", "waitedForCommit": "\(t2 - t1)"])
            defer { readStart = ContinuousClock.now }
            inFlight = Task {
                let c0 = ContinuousClock.now
                let r = try await pool.withStore { try replicator.commit(prepared, peer: peer, store: $0) }
                logger.debug("batch committed", metadata: ["entries": "\(r.received)", "commit": "\(ContinuousClock.now - c0)"])
                return r
            }
        }
        do {
            for try await buffer in response.body {
                reader.feed(buffer.readableBytesView)
                while let frame = try reader.next() {
                    switch frame {
                    case .entry(let e):
                        batch.append(e)
                        if batch.count >= applyBatch { try await flush() }
                    case .end(let json):
                        end = try? JSONDecoder().decode(PullEnd.self, from: Data(json))
                    }
                }
            }
            try await flush()
            try await settle()
        } catch let e as EntryError {
            try await flush()
            try await settle()
            throw PeerError(peer: peer, code: "stream", reason: "malformed pull stream: \(e.reason)")
        } catch let e as PeerError {
            try? await settle()
            throw e
        } catch {
            // Keep what verified; the next pull resumes from the vector.
            try? await flush()
            try? await settle()
            throw PeerError(peer: peer, code: "stream", reason: "pull stream interrupted: \(Self.describe(error))")
        }
        let seconds = (ContinuousClock.now - start).seconds
        return PullResult(
            peer: peer, report: report, more: end?.more ?? true, complete: end != nil, theirVector: end?.vector ?? [:], seconds: seconds)
    }

    /// Pulls from `peer` until caught up: an answer cut short by a limit is followed at once by another pull.
    /// `progress` sees the running total; `afterEachPull` sees each pull's own result. Returns the last pull's
    /// result with the total report.
    public func catchUp(
        peer: String, endpoint: String, pool: StorePool, logger: Logger, maxEntries: Int? = nil,
        progress: (@Sendable (ApplyReport) -> Void)? = nil, afterEachPull: (@Sendable (PullResult) async -> Void)? = nil
    ) async throws -> PullResult {
        var total = ApplyReport()
        while true {
            let before = total
            var r = try await pull(
                peer: peer, endpoint: endpoint, pool: pool, logger: logger, maxEntries: maxEntries,
                progress: progress.map { p in { @Sendable rep in var t = before; t.add(rep); p(t) } })
            await afterEachPull?(r)
            total.add(r.report)
            if !(r.more && r.report.applied > 0) {
                r.report = total
                return r
            }
        }
    }

    /// Asks `peer` to pull from this node soon.
    public func notify(peer: String, endpoint: String, vector: [String: UInt64]) async throws {
        var request = HTTPClientRequest(url: endpoint + "/federation/v1/notify")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(NotifyRequest(origin: selfId, vector: vector))))
        let response = try await client.execute(request, timeout: .seconds(5))
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard response.status == .accepted else {
            throw PeerError(peer: peer, code: "http-\(response.status.code)", reason: "notify answered \(response.status.code)")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? NIOSSLError { return "TLS: \(e)" }
        if let e = error as? BoringSSLError { return "TLS: \(e)" }
        if let e = error as? HTTPClientError { return "\(e)" }
        return "\(error)"
    }
}

/// Pulls each active peer on an interval and soon after a notify, with exponential backoff and jitter on failure.
/// Peers added or removed in the trust store are picked up without a restart.
public final class SyncScheduler: Service, Sendable {
    let pool: StorePool
    let client: PeerClient
    let metrics: NodeMetrics
    let logger: Logger
    let interval: Double
    /// The federation CA certificate: peers' revocation lists must verify under its key.
    let caPEM: String?
    let certificates = PeerCertificateLog()
    private let state = Mutex<State>(State())

    struct State {
        var nextDue: [String: ContinuousClock.Instant] = [:]
        var failures: [String: Int] = [:]
        var running: Set<String> = []
        var notified: Set<String> = []
    }

    /// - Parameter caPEM: The federation CA certificate. With it, each round first checks the certificate the peer
    ///   presents against the revocation list and fetches the peer's revocation list if it is newer than ours.
    public init(pool: StorePool, client: PeerClient, metrics: NodeMetrics, interval: Double, caPEM: String? = nil, logger: Logger) {
        self.pool = pool
        self.client = client
        self.metrics = metrics
        self.interval = interval
        self.caPEM = caPEM
        self.logger = logger
    }

    /// Refuses to pull from a peer whose server certificate is revoked or names another node; records it otherwise.
    func checkPeerCertificate(peer: String, endpoint: String) async throws {
        let info: CertificateInfo
        do {
            info = try await client.serverCertificate(endpoint: endpoint)
        } catch {
            throw PeerError(peer: peer, code: "tls", reason: "TLS handshake with \(endpoint) failed: \(PeerClient.describe(error))")
        }
        let serial = info.serial
        if try await pool.withStore({ try $0.isCertificateRevoked(serial: serial) }) {
            metrics.increment("casebridge_tls_refusals_total", ["reason": "revoked"])
            throw PeerError(peer: peer, code: "certificate-revoked", reason: "\(endpoint) presents certificate \(serial), revoked by the federation CA")
        }
        guard info.nodeId == peer else {
            metrics.increment("casebridge_tls_refusals_total", ["reason": "wrong-node"])
            throw PeerError(peer: peer, code: "wrong-node", reason: "\(endpoint) presents a certificate for node \(info.nodeId ?? "none"), not \(peer)")
        }
        await certificates.note(peer: peer, role: "server", info: info, pool: pool)
    }

    /// Fetches the peer's revocation list if it is newer than ours and installs it once it verifies under the CA key.
    /// A list that does not verify is refused and logged; it never stops the pull.
    func syncRevocationList(peer: String, endpoint: String) async {
        guard let caPEM else { return }
        do {
            let ours = try await pool.withStore { try $0.revocationSequence() }
            guard let document = try await client.revocationList(peer: peer, endpoint: endpoint, after: ours) else { return }
            let outcome = try await pool.withStore {
                try RevocationLists.install(
                    document: document, caPEM: caPEM, source: "peer:\(peer)", store: $0,
                    audit: (AuditEvent(actor: "node", action: "trust.crl-install", outcome: "ok", target: peer), AuditLog.chain))
            }
            if case .installed(let sequence, let revoked) = outcome {
                metrics.increment("casebridge_crl_installed_total", ["source": "peer"])
                logger.notice("installed a newer certificate revocation list", metadata: ["peer": "\(peer)", "sequence": "\(sequence)", "revoked": "\(revoked)"])
            }
        } catch let e as TrustError {
            metrics.increment("casebridge_crl_refused_total", ["peer": peer])
            logger.error("refused the certificate revocation list a peer served", metadata: ["peer": "\(peer)", "reason": "\(e)"])
        } catch {
            logger.debug("cannot fetch the peer's certificate revocation list", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }

    /// A peer said it has new entries: pull it soon.
    public func notify(peer: String) {
        state.withLock { _ = $0.notified.insert(peer) }
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let peers = (try? await pool.withStore { try $0.peerEndpoints() }) ?? []
                let now = ContinuousClock.now
                let due: [(String, String)] = state.withLock { s in
                    var out: [(String, String)] = []
                    let active = Set(peers.map(\.nodeId))
                    s.nextDue = s.nextDue.filter { active.contains($0.key) }
                    for p in peers where !s.running.contains(p.nodeId) {
                        let isDue = s.notified.contains(p.nodeId) || (s.nextDue[p.nodeId].map { $0 <= now } ?? true)
                        if isDue {
                            s.running.insert(p.nodeId)
                            s.notified.remove(p.nodeId)
                            out.append((p.nodeId, p.endpoint))
                        }
                    }
                    return out
                }
                for (peer, endpoint) in due {
                    group.addTask { await self.pullOnce(peer: peer, endpoint: endpoint) }
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Lifts a raised publishing fence once `peer` has served everything it holds of this node's own log and the
    /// head is back at the witness recorded when the fence went up (rollback protection; see `Publishing`).
    func confirmOwnHead(peer: String, theirVector: [String: UInt64]) async {
        let selfId = client.selfId
        do {
            try await pool.withStore { store in
                guard let fence = try store.publishFence(), fence.fenced else { return }
                let mine = try store.vector()[selfId]
                guard mine >= (theirVector[selfId] ?? 0), mine >= (fence.witnessHead ?? 0) else { return }
                if try store.liftFence(head: mine, by: "peer:\(peer)") {
                    self.logger.notice("publishing fence lifted: a peer confirmed this node's log head", metadata: ["peer": "\(peer)", "head": "\(mine)"])
                }
            }
        } catch {
            logger.warning("could not check the publishing fence", metadata: ["error": "\(error)"])
        }
    }

    func pullOnce(peer: String, endpoint: String) async {
        var again = false
        do {
            if caPEM != nil {
                try await checkPeerCertificate(peer: peer, endpoint: endpoint)
                await syncRevocationList(peer: peer, endpoint: endpoint)
            }
            let r = try await client.pull(peer: peer, endpoint: endpoint, pool: pool, logger: logger)
            metrics.increment("casebridge_sync_pulls_total", ["peer": peer, "result": "ok"])
            if r.report.applied > 0 {
                metrics.increment("casebridge_entries_applied_total", ["peer": peer], by: Double(r.report.applied))
                logger.info(
                    "pulled", metadata: ["peer": "\(peer)", "applied": "\(r.report.applied)", "duplicates": "\(r.report.duplicates)", "rejected": "\(r.report.rejected.count)"])
            }
            if !r.report.rejected.isEmpty {
                metrics.increment("casebridge_entries_rejected_total", ["peer": peer], by: Double(r.report.rejected.count))
            }
            let theirs = r.theirVector
            let applied = r.report.applied
            try? await pool.withStore { try $0.notePull(peer: peer, success: true, error: nil, theirVector: theirs, applied: applied) }
            again = r.more && r.report.applied > 0
            if r.complete && !again { await confirmOwnHead(peer: peer, theirVector: theirs) }
            state.withLock { s in
                s.failures[peer] = 0
                s.nextDue[peer] = again ? .now : .now + .milliseconds(Int64(interval * 1000))
            }
        } catch {
            metrics.increment("casebridge_sync_pulls_total", ["peer": peer, "result": "error"])
            metrics.increment("casebridge_sync_errors_total", ["peer": peer])
            let message = "\(error)"
            logger.warning("pull failed", metadata: ["peer": "\(peer)", "error": "\(message)"])
            try? await pool.withStore { try $0.notePull(peer: peer, success: false, error: message, theirVector: nil, applied: 0) }
            state.withLock { s in
                let f = (s.failures[peer] ?? 0) + 1
                s.failures[peer] = f
                let backoff = min(60.0, interval * pow(2.0, Double(min(f - 1, 6))))
                let jittered = backoff * Double.random(in: 0.5...1.0)
                s.nextDue[peer] = .now + .milliseconds(Int64(jittered * 1000))
            }
        }
        state.withLock { _ = $0.running.remove(peer) }
    }
}

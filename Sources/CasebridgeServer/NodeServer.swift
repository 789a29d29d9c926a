public import CasebridgeCore
public import CasebridgeNode
import CasebridgeStore
import Foundation
import Hummingbird
import HummingbirdTLS
public import Logging
import NIOCore
public import ServiceLifecycle
public import UnixSignals
import Synchronization

/// A running node: the federation API (mutual TLS), the local API, the sync scheduler and the notifier, as one
/// service group with graceful shutdown.
public final class NodeServer: Sendable {
    public let config: NodeConfig
    public let pool: StorePool
    public let metrics: NodeMetrics
    public let client: PeerClient
    public let scheduler: SyncScheduler
    /// The certificate and key the node presents; replaced by ``reloader`` without a restart.
    public let identities: TLSIdentityStore
    /// Reloads a renewed certificate on SIGHUP and when the files change.
    public let reloader: CertificateReloader
    /// Configuration and keys (the local API tokenizes queries and signs purges).
    public let context: NodeContext
    let logger: Logger
    let federationPort = PortBox()
    let localPort = PortBox()

    /// A node server for `config`, loading its keys from the files the configuration names.
    public convenience init(config: NodeConfig, logger: Logger) throws {
        try self.init(context: NodeContext(config: config), logger: logger)
    }

    /// A node server with configuration and keys already loaded.
    public init(context: NodeContext, logger: Logger) throws {
        let config = context.config
        self.config = config
        self.logger = logger
        self.context = context
        pool = StorePool(conninfo: config.database, maxConnections: 8)
        metrics = NodeMetrics()
        let identities = try TLSIdentityStore(settings: config.federation, nodeId: config.nodeId)
        self.identities = identities
        client = PeerClient(config: config, identities: identities)
        scheduler = SyncScheduler(
            pool: pool, client: client, metrics: metrics, interval: Double(config.federation.syncIntervalSeconds), caPEM: identities.caPEM,
            logger: logger)
        reloader = CertificateReloader(
            identities: identities, client: client, pool: pool, metrics: metrics,
            checkSeconds: Double(config.federation.certificateCheckSeconds), warnDays: config.federation.certificateWarnDays,
            reloadSignals: [.sighup], logger: logger)
    }

    /// Ports actually bound (useful with port 0).
    public var boundFederationPort: Int? { federationPort.port }
    public var boundLocalPort: Int? { localPort.port }

    /// The services to run. `signals` are the graceful-shutdown signals (none in tests).
    public func serviceGroup(signals: [UnixSignal] = [.sigterm, .sigint]) throws -> ServiceGroup {
        // Refuse to start against a schema this build does not know, or a database of another node.
        let cfg = config
        let store = try NodeStore(conninfo: cfg.database)
        try Migrator.requireCurrent(store.db)
        guard let id = try store.nodeId(), id == cfg.nodeId else {
            throw ServerError(code: "node.mismatch", reason: "the database does not belong to node `\(cfg.nodeId)` (run `casebridge init`)")
        }
        let fedAPI = FederationAPI(config: cfg, pool: pool, metrics: metrics, scheduler: scheduler, logger: logger)
        let tls = identities.serverTLSConfiguration()
        let fedPort = federationPort
        let federation = Application(
            router: fedAPI.router(),
            server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname(cfg.federation.listen.host, port: cfg.federation.listen.port), serverName: "casebridge-federation"),
            onServerRunning: { channel in fedPort.set(channel.localAddress?.port) },
            logger: logger)
        let locPort = localPort
        var localAPI = LocalAPI(pool: pool, metrics: metrics, context: context, logger: logger)
        localAPI.identities = identities
        let local = Application(
            router: localAPI.router(),
            configuration: .init(address: .hostname(cfg.federation.localListen.host, port: cfg.federation.localListen.port), serverName: "casebridge-local"),
            onServerRunning: { channel in locPort.set(channel.localAddress?.port) },
            logger: logger)
        let notifier = Notifier(pool: pool, client: client, selfId: cfg.nodeId, logger: logger)
        if let witness = Publishing.readWitness(context: context),
           let head = try? store.vector()[cfg.nodeId], witness > head {
            // Restored from an older database: record it where `node status` and peers' confirmation find it.
            try? store.raiseFence(reason: "database head \(head) is behind the witness \(witness): restored from a backup?", witnessHead: witness)
            logger.error(
                "this node's database is behind what it signed: publishing is paused until a peer serves its own entries back",
                metadata: ["head": "\(head)", "witness": "\(witness)"])
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: federation), .init(service: local), .init(service: scheduler), .init(service: notifier),
            .init(service: reloader),
        ]
        // The audit chain head is signed into the origin log (when it moved), so peers hold it.
        let anchorer = AuditAnchorer(context: context, logger: logger)
        services.append(.init(service: PeriodicService("audit anchor", every: Double(cfg.investigators.auditAnchorMinutes) * 60, logger: logger) {
            [pool] in _ = try await pool.withStore { try anchorer.anchor(store: $0) }
        }))
        // Pseudonym-epoch transitions advance by themselves: switch, re-tokenize (batch after batch), retire.
        let epochs = EpochManager(context: context, logger: logger)
        services.append(.init(service: PeriodicService("pseudonym epoch step", every: Double(cfg.federation.epochStepSeconds), logger: logger) {
            [pool, logger] in
            do {
                while try await pool.withStore({ try epochs.step(store: $0) }).republished > 0 && !Task.isShuttingDownGracefully {}
            } catch let e as PublishRefused where e.code == .fenced {
                logger.debug("pseudonym epoch step waits for the publishing fence", metadata: ["reason": "\(e.reason)"])
            }
        }))
        // Token indexes outgrowing the database's buffer cache slow everything down gradually: say so, hourly.
        services.append(.init(service: PeriodicService("database cache check", every: 3600, logger: logger) {
            [pool, logger] in
            if let advice = try await pool.withStore({ try $0.cacheSizes() }).advice {
                logger.warning("database cache too small", metadata: ["advice": "\(advice)"])
            }
        }))
        if let hook = cfg.investigators.alertHook {
            services.append(.init(service: AlertForwarder(pool: pool, hook: hook, logger: logger)))
        }
        return ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: signals, logger: logger))
    }

    public func shutdown() async {
        await client.shutdown()
    }
}

/// Tells peers when this node's own origin log grows (after an import or a deletion) or it installs a newer
/// certificate revocation list, so they pull soon.
final class Notifier: Service, Sendable {
    let pool: StorePool
    let client: PeerClient
    let selfId: String
    let logger: Logger

    init(pool: StorePool, client: PeerClient, selfId: String, logger: Logger) {
        self.pool = pool
        self.client = client
        self.selfId = selfId
        self.logger = logger
    }

    func run() async throws {
        var last: UInt64? = nil
        var lastRevocationList: UInt64? = nil
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let (vector, revocationList) = try? await pool.withStore({ (try $0.vector().counters, try $0.revocationSequence()) }) {
                let mine = vector[selfId] ?? 0
                // A newer revocation list (imported here or learned from a peer) is news too: peers pull soon and
                // fetch it at the start of that round, instead of at their next scheduled one.
                let newList = lastRevocationList.map { revocationList > $0 } ?? false
                lastRevocationList = revocationList
                if let l = last, mine > l || newList {
                    let peers = (try? await pool.withStore { try $0.peerEndpoints() }) ?? []
                    for p in peers {
                        do {
                            try await client.notify(peer: p.nodeId, endpoint: p.endpoint, vector: vector)
                        } catch {
                            logger.debug("notify failed", metadata: ["peer": "\(p.nodeId)", "error": "\(error)"])
                        }
                    }
                }
                last = mine
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

/// The port a listener bound (known once it runs), shared with whoever waits for it.
public final class PortBox: Sendable {
    let value = Mutex<Int?>(nil)

    public init() {}

    public var port: Int? { value.withLock { $0 } }

    public func set(_ port: Int?) { value.withLock { $0 = port } }
}

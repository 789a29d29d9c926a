public import CasebridgeCore
import CasebridgeNode
public import CasebridgeStore
import Foundation
public import Hummingbird
public import Logging
import NIOCore

/// `casebridge peers status`: per peer its endpoint, last success and error, and per origin how far behind this
/// node is compared with what the peer last said it holds.
public struct PeersStatus: Sendable, Codable {
    public struct OriginLag: Sendable, Codable {
        public var origin: String
        public var theirSeq: UInt64
        public var ourSeq: UInt64
        public var behind: UInt64
    }

    public struct Peer: Sendable, Codable {
        public var nodeId: String
        public var agency: String
        public var endpoint: String?
        public var status: String
        public var lastAttempt: String?
        public var lastSuccess: String?
        public var lastError: String?
        public var lastErrorAt: String?
        public var pulls: Int
        public var errors: Int
        public var entriesApplied: Int
        public var origins: [OriginLag]
    }

    public struct Origin: Sendable, Codable {
        public var origin: String
        public var seq: UInt64
        public var lastApplied: String?
    }

    public var nodeId: String
    public var peers: [Peer]
    /// What this node holds per origin, and when it last applied an entry of it.
    public var origins: [Origin]

    public static func make(store: NodeStore) throws -> PeersStatus {
        let me = try store.nodeId() ?? "?"
        let ours = try store.vector().counters
        let status = try store.peerStatus()
        let fresh = try store.originFreshness()
        let peers = try store.peers(includeRemoved: true).map { p -> Peer in
            let s = status[p.nodeId]
            let theirs = s?.theirVector ?? [:]
            let lags = theirs.keys.sorted().map { o in
                OriginLag(origin: o, theirSeq: theirs[o]!, ourSeq: ours[o] ?? 0, behind: theirs[o]! > (ours[o] ?? 0) ? theirs[o]! - (ours[o] ?? 0) : 0)
            }
            return Peer(
                nodeId: p.nodeId, agency: p.agency, endpoint: p.endpoint, status: p.status, lastAttempt: s?.lastAttempt,
                lastSuccess: s?.lastSuccess, lastError: s?.lastError, lastErrorAt: s?.lastErrorAt, pulls: s?.pulls ?? 0,
                errors: s?.errors ?? 0, entriesApplied: s?.entriesApplied ?? 0, origins: lags)
        }
        let origins = fresh.keys.sorted().map { Origin(origin: $0, seq: fresh[$0]!.seq, lastApplied: fresh[$0]!.lastApplied) }
        return PeersStatus(nodeId: me, peers: peers, origins: origins)
    }
}

/// The local API: health, metrics, peer status. Plain HTTP on loopback by default.
public struct LocalAPI: Sendable {
    public let pool: StorePool
    public let metrics: NodeMetrics
    public let logger: Logger

    public init(pool: StorePool, metrics: NodeMetrics, logger: Logger) {
        self.pool = pool
        self.metrics = metrics
        self.logger = logger
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware<BasicRequestContext>(listener: "local", metrics: metrics, logger: logger))
        let pool = self.pool
        let metrics = self.metrics

        router.get("/healthz") { _, _ -> Response in
            do {
                _ = try await pool.withStore { try $0.db.execute("SELECT 1").scalar }
                return Self.json(#"{"status":"ok"}"#)
            } catch {
                throw APIError(.serviceUnavailable, "database-unavailable", "the node's database does not answer")
            }
        }

        router.get("/metrics") { _, _ -> Response in
            let status = try await pool.withStore { try PeersStatus.make(store: $0) }
            var text = metrics.render()
            text += NodeMetrics.gauge(
                "casebridge_vector_seq", help: "Highest contiguous seq held, by origin.",
                status.origins.map { (["origin": $0.origin], Double($0.seq)) })
            text += NodeMetrics.gauge(
                "casebridge_entries", help: "Entries held, by origin (entries are numbered 1..seq without gaps).",
                status.origins.map { (["origin": $0.origin], Double($0.seq)) })
            var lag: [([String: String], Double)] = []
            var lastSuccess: [([String: String], Double)] = []
            let iso = ISO8601DateFormatter()
            for p in status.peers where p.status == "active" {
                for o in p.origins { lag.append((["peer": p.nodeId, "origin": o.origin], Double(o.behind))) }
                if let s = p.lastSuccess, let d = iso.date(from: s) { lastSuccess.append((["peer": p.nodeId], d.timeIntervalSince1970)) }
            }
            text += NodeMetrics.gauge("casebridge_peer_lag_entries", help: "Entries a peer holds that this node lacks, by peer and origin.", lag)
            text += NodeMetrics.gauge("casebridge_peer_last_success_timestamp_seconds", help: "Last successful pull, by peer.", lastSuccess)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }

        router.get("/v1/peers") { _, _ -> Response in
            let status = try await pool.withStore { try PeersStatus.make(store: $0) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.pretty.encode(status))))
        }
        return router
    }

    static func json(_ s: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }
}

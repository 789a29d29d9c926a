public import CasebridgeCore
import CasebridgeCrypto
public import CasebridgeNode
public import CasebridgeStore
import CasebridgeTrust
import Foundation
public import Hummingbird
import HummingbirdTLS
public import Logging
import NIOCore
public import NIOSSL

/// Request context of the federation API: carries the channel (to read the TLS peer certificate) and, once
/// admitted, the peer's node id.
public struct FederationContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel
    public var peer: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        peer = nil
    }
}

/// A JSON error answer: `{"error": {"code": ..., "message": ...}}`. Messages never echo request bodies.
public struct APIError: Error, HTTPResponseError {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.response(status: status, code: code, message: message, headers: headers)
    }

    static func response(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) -> Response {
        struct Body: Encodable {
            struct Inner: Encodable { var code: String; var message: String }
            var error: Inner
        }
        let data = (try? JSONEncoder().encode(Body(error: .init(code: code, message: message)))) ?? Data("{}".utf8)
        var h = headers
        h[.contentType] = "application/json"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every error (unknown route, framework errors, our own) into a JSON error and counts requests.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let listener: String
    let metrics: NodeMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let e as APIError {
            response = APIError.response(status: e.status, code: e.code, message: e.message, headers: e.headers)
        } catch let e as HTTPError {
            let code: String = switch e.status.code {
            case 404: "not-found"
            case 405: "method-not-allowed"
            case 413: "payload-too-large"
            case 400: "bad-request"
            default: "http-\(e.status.code)"
            }
            let message = e.status.code == 404 ? "no such endpoint" : e.status.reasonPhrase
            response = APIError.response(status: e.status, code: code, message: message)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = APIError.response(status: .internalServerError, code: "internal", message: "internal error; see the node's log")
        }
        let route = context.endpointPath ?? "unmatched"
        metrics.increment("casebridge_http_requests_total", ["listener": listener, "route": route, "status": String(response.status.code)])
        metrics.observe(
            "casebridge_http_request_duration_seconds", ["listener": listener, "route": route],
            seconds: (ContinuousClock.now - start).seconds)
        return response
    }
}

/// Admits only clients whose certificate (already verified against the federation CA by TLS) is not revoked by the
/// installed revocation list and names a node id that is an active peer in the trust store. The check runs on every
/// request, so a revocation also stops connections established before it. Refusals are logged with the certificate
/// subject and serial only.
struct PeerAdmissionMiddleware: RouterMiddleware {
    typealias Context = FederationContext
    let pool: StorePool
    let metrics: NodeMetrics
    let certificates: PeerCertificateLog
    let logger: Logger

    func handle(_ request: Request, context: FederationContext, next: (Request, FederationContext) async throws -> Response) async throws -> Response {
        let cert = try? await context.channel.nioSSL_peerCertificate().get()
        guard let cert, let der = try? cert.toDERBytes() else {
            metrics.increment("casebridge_tls_refusals_total", ["reason": "no-certificate"])
            logger.warning("federation request refused: no client certificate")
            throw APIError(.forbidden, "certificate-required", "a client certificate from the federation CA is required")
        }
        let info = try? CertificateInfo.parse(der: der)
        let subject = info?.subject ?? "unparseable"
        guard let nodeId = info?.nodeId else {
            metrics.increment("casebridge_tls_refusals_total", ["reason": "no-node-id"])
            logger.warning("federation request refused: certificate names no node id", metadata: ["subject": "\(subject)"])
            throw APIError(.forbidden, "peer-not-trusted", "the client certificate names no casebridge node id")
        }
        let serial = info?.serial ?? ""
        let (trusted, revoked) = try await pool.withStore { (try $0.isActivePeer(nodeId), try $0.isCertificateRevoked(serial: serial)) }
        if let info { await certificates.note(peer: nodeId, role: "client", info: info, pool: pool) }
        guard !revoked else {
            metrics.increment("casebridge_tls_refusals_total", ["reason": "revoked"])
            logger.warning(
                "federation request refused: certificate revoked by the federation CA",
                metadata: ["subject": "\(subject)", "node": "\(nodeId)", "serial": "\(serial)"])
            throw APIError(.forbidden, "certificate-revoked", "certificate \(serial) of node \(nodeId) is revoked by the federation CA")
        }
        guard trusted else {
            metrics.increment("casebridge_tls_refusals_total", ["reason": "not-trusted"])
            logger.warning("federation request refused: node not in the trust store", metadata: ["subject": "\(subject)", "node": "\(nodeId)"])
            throw APIError(.forbidden, "peer-not-trusted", "node \(nodeId) is not in this node's trust store")
        }
        var ctx = context
        ctx.peer = nodeId
        return try await next(request, ctx)
    }
}

/// Reads a JSON request body of at most `limit` bytes: 413 from the Content-Length header before reading, or as
/// soon as a chunked body grows past the limit; 415 for another content type; 400 naming the problem.
func readJSON<T: Decodable>(_ type: T.Type, request: Request, limit: Int) async throws -> T {
    if let ct = request.headers[.contentType], !ct.lowercased().hasPrefix("application/json") {
        throw APIError(.unsupportedMediaType, "unsupported-media-type", "send application/json")
    }
    if let len = request.headers[.contentLength].flatMap({ Int($0) }), len > limit {
        throw APIError(.contentTooLarge, "payload-too-large", "request body of \(len) bytes exceeds the limit of \(limit)")
    }
    var request = request
    let buffer: ByteBuffer
    do {
        buffer = try await request.collectBody(upTo: limit)
    } catch {
        throw APIError(.contentTooLarge, "payload-too-large", "request body exceeds the limit of \(limit) bytes")
    }
    do {
        return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
    } catch let DecodingError.keyNotFound(key, ctx) {
        throw APIError(.badRequest, "bad-request", "missing field `\(path(ctx.codingPath + [key]))`")
    } catch let DecodingError.typeMismatch(_, ctx) {
        throw APIError(.badRequest, "bad-request", "field `\(path(ctx.codingPath))` has the wrong type")
    } catch let DecodingError.valueNotFound(_, ctx) {
        throw APIError(.badRequest, "bad-request", "field `\(path(ctx.codingPath))` must not be null")
    } catch {
        throw APIError(.badRequest, "bad-request", "request body is not valid JSON")
    }
}

private func path(_ keys: [any CodingKey]) -> String {
    keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
}

/// The federation API's routes.
public struct FederationAPI: Sendable {
    public let config: NodeConfig
    public let pool: StorePool
    public let metrics: NodeMetrics
    public let scheduler: SyncScheduler?
    public let logger: Logger

    public init(config: NodeConfig, pool: StorePool, metrics: NodeMetrics, scheduler: SyncScheduler?, logger: Logger) {
        self.config = config
        self.pool = pool
        self.metrics = metrics
        self.scheduler = scheduler
        self.logger = logger
    }

    public func router() -> Router<FederationContext> {
        let router = Router(context: FederationContext.self)
        router.add(middleware: JSONErrorMiddleware<FederationContext>(listener: "federation", metrics: metrics, logger: logger))
        router.add(middleware: PeerAdmissionMiddleware(pool: pool, metrics: metrics, certificates: PeerCertificateLog(), logger: logger))
        let settings = config.federation
        let pool = self.pool
        let scheduler = self.scheduler
        let config = self.config

        router.post("/federation/v1/pull") { request, context -> Response in
            let pr = try await readJSON(PullRequest.self, request: request, limit: settings.maxRequestBytes)
            for (origin, _) in pr.vector where !EntryHeader.isValidNodeId(origin) {
                throw APIError(.badRequest, "bad-request", "field `vector` holds an invalid node id")
            }
            for (_, seq) in pr.vector where seq > UInt64(Int64.max) {
                throw APIError(.badRequest, "bad-request", "field `vector` holds a seq out of range")
            }
            let maxEntries = max(1, min(pr.maxEntries ?? settings.serveMaxEntries, settings.serveMaxEntries))
            let maxBytes = max(1, min(pr.maxBytes ?? settings.serveMaxBytes, settings.serveMaxBytes))
            let ours = try await pool.withStore { try $0.vector().counters }
            let peer = context.peer ?? "?"
            let logger = context.logger
            return Response(
                status: .ok, headers: [.contentType: PullFrame.mediaType],
                body: ResponseBody { writer in
                    var sent = 0, bytes = 0, more = false
                    let deadline = ContinuousClock.now + .seconds(settings.serveMaxSeconds)
                    outer: for origin in ours.keys.sorted() {
                        let top = ours[origin]!
                        var next = (pr.vector[origin] ?? 0) + 1
                        while next <= top {
                            if sent >= maxEntries || bytes >= maxBytes || (sent > 0 && ContinuousClock.now >= deadline) {
                                more = true
                                break outer
                            }
                            let limit = min(500, maxEntries - sent, Int(top - next + 1))
                            let from = next
                            let page = try await pool.withStore { try $0.entries(origin: origin, fromSeq: from, limit: limit) }
                            if page.isEmpty { break }
                            var out: [UInt8] = []
                            for (seq, e) in page {
                                guard seq == next else { break }
                                if sent > 0 && bytes >= maxBytes { more = true; break }
                                let framed = e.framed()
                                PullFrame.append(type: PullFrame.entryType, payload: framed, to: &out)
                                sent += 1
                                bytes += framed.count
                                next += 1
                            }
                            try await writer.write(ByteBuffer(bytes: out))
                            if more { break outer }
                        }
                    }
                    let end = PullEnd(entries: sent, more: more, vector: ours)
                    var out: [UInt8] = []
                    PullFrame.append(type: PullFrame.endType, payload: Array(try JSONEncoder().encode(end)), to: &out)
                    try await writer.write(ByteBuffer(bytes: out))
                    try await writer.finish(nil)
                    logger.debug("served pull", metadata: ["peer": "\(peer)", "entries": "\(sent)", "more": "\(more)"])
                })
        }

        router.post("/federation/v1/notify") { request, context -> Response in
            let n = try await readJSON(NotifyRequest.self, request: request, limit: settings.maxRequestBytes)
            guard n.origin == context.peer else {
                throw APIError(.badRequest, "origin-mismatch", "field `origin` must be the calling node's id")
            }
            scheduler?.notify(peer: n.origin)
            return Response(status: .accepted, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"accepted":true}"#)))
        }

        // The installed certificate revocation list, as signed by the federation CA (204 if none newer than `after`).
        router.get("/federation/v1/crl") { request, _ -> Response in
            let after = request.uri.queryParameters.get("after", as: UInt64.self) ?? 0
            guard let row = try await pool.withStore({ try $0.revocationList() }), row.sequence > after else {
                return Response(status: .noContent)
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: row.document)))
        }

        router.get("/federation/v1/card") { _, _ -> Response in
            let card = try await pool.withStore { try NodeCard.make(config: config, store: $0) }
            let data = try JSONEncoder.pretty.encode(card)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return router
    }

    /// A fixed server TLS configuration: this node's certificate, client certificates required and verified against
    /// the federation CA (node ids are checked per request against the trust store). It does not follow certificate
    /// renewals; a running node uses ``TLSIdentityStore/serverTLSConfiguration()``, which does.
    public static func tlsConfiguration(_ settings: FederationSettings) throws -> TLSConfiguration {
        try checkKeyFileMode(settings.keyPath)
        let chain = try NIOSSLCertificate.fromPEMFile(settings.certificatePath)
        let key = try NIOSSLPrivateKey(file: settings.keyPath, format: .pem)
        let ca = try NIOSSLCertificate.fromPEMFile(settings.caPath)
        var tls = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key), trustRoots: .certificates(ca))
        tls.certificateVerification = .noHostnameVerification
        tls.minimumTLSVersion = .tlsv12
        return tls
    }
}

/// Refuses a secret key file readable by group or others.
func checkKeyFileMode(_ path: String) throws {
    let attrs: [FileAttributeKey: Any]
    do { attrs = try FileManager.default.attributesOfItem(atPath: path) } catch {
        throw ServerError(code: "tls.key-missing", reason: "\(path): TLS key file not found (run `casebridge cert issue`)")
    }
    if let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 {
        throw ServerError(code: "keyfile.permissions", reason: "\(path): key file is readable by group or others (mode \(String(mode, radix: 8))); chmod 600 it")
    }
}

public struct ServerError: Error, CustomStringConvertible, Sendable {
    public var code: String
    public var reason: String

    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}

/// This node's trust card, from its configuration, its signing keys in the database and its TLS certificate.
public enum NodeCard {
    public static func make(config: NodeConfig, store: NodeStore) throws -> TrustCard {
        let keys = try store.signingKeys(origin: config.nodeId).map {
            TrustCard.SigningKeyInfo(keyId: Hex.encode($0.keyId), publicKey: Hex.encode($0.publicKey), validFromSeq: $0.from, validUntilSeq: $0.until)
        }
        var fingerprint: String? = nil
        if let pem = try? String(contentsOfFile: config.federation.certificatePath, encoding: .utf8) {
            fingerprint = try? CertificateInfo.parse(pem: pem).sha256Fingerprint
        }
        return TrustCard(nodeId: config.nodeId, agency: config.agency, endpoint: config.federation.endpoint, signingKeys: keys, tlsCertificateSha256: fingerprint)
    }
}

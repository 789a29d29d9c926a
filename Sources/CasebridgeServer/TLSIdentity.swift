public import CasebridgeCore
public import CasebridgeTrust
import CasebridgeCrypto
public import Foundation
import NIOCore
public import NIOSSL
import Synchronization

/// The certificate and key this node presents in TLS, replaceable while the node runs.
///
/// `NIOSSLContext` is immutable, so the server's TLS configuration carries an `sslContextCallback` that hands
/// every new handshake the current certificate chain and key from here, and the peer client rebuilds its HTTP
/// client when the identity changes. Established connections keep the material they were opened with.
public final class TLSIdentityStore: Sendable {
    /// One loaded identity.
    public struct Identity: Sendable {
        /// Facts about the leaf certificate.
        public let info: CertificateInfo
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        /// BLAKE2b over the certificate, key and CA files' paths and bytes: what the file watcher compares.
        let filesDigest: String
    }

    /// The TLS file paths and the node id the certificate must name.
    public let settings: FederationSettings
    public let nodeId: String
    let caCertificates: [NIOSSLCertificate]
    /// The federation CA certificate the node started with: a new node certificate must chain to it.
    let caPEM: String
    private let current: Mutex<Identity>

    /// Loads the identity the configuration names. The chain is checked against the CA when the reloader starts;
    /// here only that the files parse and the key belongs to the certificate.
    public init(settings: FederationSettings, nodeId: String) throws {
        self.settings = settings
        self.nodeId = nodeId
        let files = try Self.readFiles(settings)
        caPEM = files.caPEM
        caCertificates = try NIOSSLCertificate.fromPEMBytes(Array(files.caPEM.utf8))
        current = Mutex(try Self.identity(from: files))
    }

    /// The identity in use.
    public var identity: Identity { current.withLock { $0 } }

    func replace(with identity: Identity) {
        current.withLock { $0 = identity }
    }

    /// The TLS files as read once from disk: the same bytes are checked, hashed and loaded.
    struct Files: Sendable {
        var chainPEM: String
        var keyPEM: String
        var caPEM: String
        var digest: String
    }

    /// Reads the certificate, key (refused if group or others can read it) and CA files.
    static func readFiles(_ settings: FederationSettings) throws -> Files {
        try checkKeyFileMode(settings.keyPath)
        var texts: [String] = []
        var bytes: [UInt8] = []
        for path in [settings.certificatePath, settings.keyPath, settings.caPath] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ServerError(code: "tls.unreadable", reason: "\(path): cannot read the TLS file")
            }
            texts.append(String(decoding: data, as: UTF8.self))
            bytes += Array(path.utf8) + [0] + Array(data) + [0]
        }
        return Files(chainPEM: texts[0], keyPEM: texts[1], caPEM: texts[2], digest: Hex.encode(Blake2b.hash(bytes)))
    }

    /// Builds an identity from files already read (no chain check; see ``CertificateReloader``).
    static func identity(from files: Files) throws -> Identity {
        let info = try CertificateInfo.parse(pem: files.chainPEM)
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(files.chainPEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(files.keyPEM.utf8), format: .pem)
        return Identity(info: info, chain: chain, key: key, filesDigest: files.digest)
    }

    /// The federation API's TLS configuration: client certificates required and verified against the federation CA;
    /// the server certificate and key are taken from this store at every handshake.
    public func serverTLSConfiguration() -> TLSConfiguration {
        let now = identity
        var tls = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: now.chain.map { .certificate($0) }, privateKey: .privateKey(now.key),
            trustRoots: .certificates(caCertificates))
        tls.certificateVerification = .noHostnameVerification
        tls.minimumTLSVersion = .tlsv12
        tls.sslContextCallback = { [self] _, promise in
            let id = self.identity
            var change = NIOSSLContextConfigurationOverride()
            change.certificateChain = id.chain.map { .certificate($0) }
            change.privateKey = .privateKey(id.key)
            promise.succeed(change)
        }
        return tls
    }

    /// The peer client's TLS configuration with the current identity.
    func clientTLSConfiguration() -> TLSConfiguration {
        let now = identity
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateChain = now.chain.map { .certificate($0) }
        tls.privateKey = .privateKey(now.key)
        tls.trustRoots = .certificates(caCertificates)
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        return tls
    }

    /// Days from `now` until the certificate expires (negative once expired), rounded down.
    public static func daysLeft(until notAfter: Date, now: Date = Date()) -> Int {
        Int((notAfter.timeIntervalSince(now) / 86_400).rounded(.down))
    }
}

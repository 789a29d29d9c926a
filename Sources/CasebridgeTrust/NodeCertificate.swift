import Crypto
import X509

/// A node's TLS identity: its certificate, its private key and the federation CA certificate.
///
/// ``description`` shows the node id and fingerprint only; the private key is never printed.
public struct NodeCertificate: Sendable, CustomStringConvertible, CustomReflectable {
    /// The file name of the certificate chain (node certificate, then CA certificate) in a node directory.
    public static let chainFileName = "node.pem"
    /// The file name of the node private key in a node directory.
    public static let privateKeyFileName = "node.key"
    /// The file name of the federation CA certificate in a node directory.
    public static let caCertificateFileName = "ca.pem"

    /// The node id, as carried in the `casebridge://node/<nodeId>` subjectAltName.
    public let nodeId: String
    /// The node certificate alone, PEM encoded.
    public let certificatePEM: String
    /// The node private key, PKCS#8 PEM encoded. Keep it secret.
    public let privateKeyPEM: String
    /// The federation CA certificate, PEM encoded: the trust root for peers.
    public let caCertificatePEM: String

    let certificate: Certificate

    init(nodeId: String, certificate: Certificate, certificatePEM: String, privateKeyPEM: String, caCertificatePEM: String) {
        self.nodeId = nodeId
        self.certificate = certificate
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.caCertificatePEM = caCertificatePEM
    }

    /// The chain a node presents in TLS: its certificate followed by the CA certificate.
    public var chainPEM: String {
        certificatePEM + caCertificatePEM
    }

    /// Facts about the node certificate.
    public var info: CertificateInfo {
        CertificateInfo(certificate)
    }

    /// Writes `dir/node.pem` (chain, 0644), `dir/node.key` (0600) and `dir/ca.pem` (0644).
    ///
    /// Refuses with ``TrustError/Code/fileExists`` if any of them exists; files are created with
    /// `O_EXCL`, so nothing is ever overwritten. `dir` is created with mode 0700 if missing.
    public func write(to dir: String) throws {
        try SecureFile.writeNew(
            [
                .init(name: Self.privateKeyFileName, contents: privateKeyPEM, mode: 0o600),
                .init(name: Self.chainFileName, contents: chainPEM, mode: 0o644),
                .init(name: Self.caCertificateFileName, contents: caCertificatePEM, mode: 0o644),
            ],
            in: dir
        )
    }

    /// Loads a node directory written by ``write(to:)``.
    ///
    /// Refuses with ``TrustError/Code/insecureKeyFile`` if `dir/node.key` is accessible by group or others,
    /// with ``TrustError/Code/keyMismatch`` if the key does not belong to the certificate, and with
    /// ``TrustError/Code/invalidNodeId`` if the certificate carries no valid node id. It does not check
    /// the chain; use ``CertificateInfo/validate(chainPEM:againstCA:now:)`` for that.
    public static func load(from dir: String) throws -> NodeCertificate {
        let keyPEM = try SecureFile.readPrivateKey(SecureFile.path(dir, privateKeyFileName))
        let chain = try SecureFile.read(SecureFile.path(dir, chainFileName))
        let caPEM = try SecureFile.read(SecureFile.path(dir, caCertificateFileName))
        let leaf = try PEM.firstCertificate(in: chain)
        _ = try PEM.firstCertificate(in: caPEM)
        guard let key = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM) else {
            throw TrustError(.invalidEncoding, "\(SecureFile.path(dir, privateKeyFileName)) is not a PEM encoded P-256 private key")
        }
        guard Certificate.PublicKey(key.publicKey) == leaf.publicKey else {
            throw TrustError(.keyMismatch, "the node private key in \(dir) does not match its certificate")
        }
        let info = CertificateInfo(leaf)
        guard let nodeId = info.nodeId else {
            throw TrustError(.invalidNodeId, "the certificate in \(dir) carries no valid \(NodeIdentity.uriPrefix) subjectAltName")
        }
        return NodeCertificate(
            nodeId: nodeId,
            certificate: leaf,
            certificatePEM: try PEM.certificate(leaf),
            privateKeyPEM: PEM.normalized(key.pemRepresentation),
            caCertificatePEM: PEM.normalized(caPEM)
        )
    }

    public var description: String {
        "NodeCertificate(nodeId: \(nodeId), sha256: \(info.sha256Fingerprint))"
    }

    /// Mirrors only public facts, so `dump` never shows the private key.
    public var customMirror: Mirror {
        Mirror(self, children: ["nodeId": nodeId, "sha256Fingerprint": info.sha256Fingerprint], displayStyle: .struct)
    }
}

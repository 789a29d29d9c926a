public import Foundation
import Crypto
import X509

extension NodeCertificate {
    /// Issues the successor of a node's current certificate: same node id and, unless given, the same DNS names and
    /// IP addresses, with a fresh P-256 key and a new validity period.
    ///
    /// - Parameters:
    ///   - currentChainPEM: The node's current certificate chain (its leaf names the node). It may have expired.
    ///   - expectedNodeId: The node id of the node being renewed (from its configuration); the current
    ///     certificate must name it, so a certificate for one node is never renewed into another node's files.
    ///   - ca: The federation CA that issues the new certificate.
    ///   - dnsNames: DNS names for the new certificate; `nil` keeps the current ones.
    ///   - ipAddresses: IP addresses for the new certificate; `nil` keeps the current ones.
    ///   - validityDays: 1–3650 days.
    /// - Throws: ``TrustError`` ``TrustError/Code/invalidNodeId`` if the current certificate names no node,
    ///   ``TrustError/Code/wrongNode`` if it names another node, or whatever issuing throws.
    public static func renew(
        currentChainPEM: String,
        expectedNodeId: String,
        ca: FederationCA,
        dnsNames: [String]? = nil,
        ipAddresses: [String]? = nil,
        validityDays: Int = 30,
        now: Date = Date()
    ) throws -> NodeCertificate {
        let current = try CertificateInfo.parse(pem: currentChainPEM)
        guard let nodeId = current.nodeId else {
            throw TrustError(.invalidNodeId, "the current certificate carries no valid \(NodeIdentity.uriPrefix) subjectAltName")
        }
        guard nodeId == expectedNodeId else {
            throw TrustError(.wrongNode, "the current certificate names node \(nodeId), not \(expectedNodeId)")
        }
        return try ca.issueNodeCertificate(
            nodeId: nodeId, dnsNames: dnsNames ?? current.dnsNames, ipAddresses: ipAddresses ?? current.ipAddresses,
            validityDays: validityDays, now: now)
    }

    /// Replaces the node's TLS files atomically (each written to a temporary file, then renamed into place):
    /// the private key (0600) first, then the chain (0644), then the CA certificate (0644) if `caPath` is given.
    ///
    /// A node that reloads in between sees a key that does not match its certificate, refuses the pair and keeps
    /// its old one until both files are new.
    public func install(certificatePath: String, keyPath: String, caPath: String? = nil) throws {
        try SecureFile.replaceAtomically(keyPath, contents: privateKeyPEM, mode: 0o600)
        try SecureFile.replaceAtomically(certificatePath, contents: chainPEM, mode: 0o644)
        if let caPath {
            try SecureFile.replaceAtomically(caPath, contents: caCertificatePEM, mode: 0o644)
        }
    }

    /// Checks a node's TLS files as one identity before they are used: the chain is issued by the federation CA
    /// and valid at `now`, the key belongs to the leaf, and the leaf names `expectedNodeId`.
    ///
    /// - Returns: The leaf's ``CertificateInfo``.
    /// - Throws: ``TrustError`` (``TrustError/Code/expired``, ``TrustError/Code/untrusted``,
    ///   ``TrustError/Code/keyMismatch``, ``TrustError/Code/wrongNode``, ``TrustError/Code/invalidEncoding``...).
    public static func validateIdentity(
        chainPEM: String, keyPEM: String, caPEM: String, expectedNodeId: String, now: Date = Date()
    ) async throws -> CertificateInfo {
        let info = try await CertificateInfo.validate(chainPEM: chainPEM, againstCA: caPEM, now: now)
        let leaf = try PEM.firstCertificate(in: chainPEM)
        guard let key = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM) else {
            throw TrustError(.invalidEncoding, "the node private key is not a PEM encoded P-256 private key")
        }
        guard Certificate.PublicKey(key.publicKey) == leaf.publicKey else {
            throw TrustError(.keyMismatch, "the node private key does not match the certificate \(info.serial)")
        }
        guard info.nodeId == expectedNodeId else {
            throw TrustError(.wrongNode, "the certificate names node \(info.nodeId ?? "none"), not \(expectedNodeId)")
        }
        return info
    }
}

public import CasebridgeCore
public import CasebridgeTrust
public import Foundation

/// `casebridge cert renew`: a new certificate and key for this node from the federation CA, installed atomically
/// where the node reads them (a running node picks them up on SIGHUP or within `certificate_check_seconds`).
public enum CertificateRenewal {
    /// Where a renewal was written.
    public struct Result: Sendable {
        public var certificate: NodeCertificate
        public var certificatePath: String
        public var keyPath: String
        public var caPath: String?
    }

    /// Renews the certificate of node `nodeId` whose TLS files `settings` names.
    ///
    /// - Parameters:
    ///   - caDirectory: The federation CA folder (`ca.pem`, `ca.key`). Its certificate must be the one in the
    ///     node's `federation.ca` file: a certificate from another CA would be refused by the node and its peers.
    ///   - dnsNames, ipAddresses: New subjectAltNames; `nil` keeps the current certificate's.
    ///   - outDirectory: Write `node.pem`, `node.key` and `ca.pem` there instead of the configured paths.
    /// - Throws: ``TrustError``: ``TrustError/Code/fileIO`` (a file or the CA folder is missing),
    ///   ``TrustError/Code/invalidEncoding`` (a file is not what it should be), ``TrustError/Code/wrongNode`` (the
    ///   current certificate names another node), ``TrustError/Code/untrusted`` (the CA is not the node's CA).
    public static func renew(
        nodeId: String, settings: FederationSettings, caDirectory: String, dnsNames: [String]? = nil, ipAddresses: [String]? = nil,
        validityDays: Int = 30, outDirectory: String? = nil, now: Date = Date()
    ) throws -> Result {
        let authority = try FederationCA.load(from: caDirectory)
        let current = try readText(settings.certificatePath, what: "current certificate")
        let nodeCA = try readText(settings.caPath, what: "federation CA certificate")
        let nodeCAInfo: CertificateInfo
        do { nodeCAInfo = try CertificateInfo.parse(pem: nodeCA) } catch {
            throw TrustError(.invalidEncoding, "\(settings.caPath) holds no CA certificate")
        }
        guard nodeCAInfo.sha256Fingerprint == authority.info.sha256Fingerprint else {
            throw TrustError(
                .untrusted,
                "the CA in \(caDirectory) (sha256 \(authority.info.sha256Fingerprint)) is not the federation CA this node trusts (\(settings.caPath), sha256 \(nodeCAInfo.sha256Fingerprint))"
            )
        }
        let renewed = try NodeCertificate.renew(
            currentChainPEM: current, expectedNodeId: nodeId, ca: authority, dnsNames: dnsNames, ipAddresses: ipAddresses,
            validityDays: validityDays, now: now)
        if let out = outDirectory {
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: out, isDirectory: &isDir) {
                do {
                    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                } catch {
                    throw TrustError(.fileIO, "cannot create \(out): \(error.localizedDescription)")
                }
            } else if !isDir.boolValue {
                throw TrustError(.fileIO, "\(out) exists and is not a directory")
            }
            let paths = (out + "/" + NodeCertificate.chainFileName, out + "/" + NodeCertificate.privateKeyFileName, out + "/" + NodeCertificate.caCertificateFileName)
            try renewed.install(certificatePath: paths.0, keyPath: paths.1, caPath: paths.2)
            return Result(certificate: renewed, certificatePath: paths.0, keyPath: paths.1, caPath: paths.2)
        }
        try renewed.install(certificatePath: settings.certificatePath, keyPath: settings.keyPath)
        return Result(certificate: renewed, certificatePath: settings.certificatePath, keyPath: settings.keyPath, caPath: nil)
    }

    /// Reads a text file, throwing ``TrustError/Code/fileIO`` naming `what` if it cannot be read.
    public static func readText(_ path: String, what: String = "file") throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrustError(.fileIO, "cannot read the \(what) \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

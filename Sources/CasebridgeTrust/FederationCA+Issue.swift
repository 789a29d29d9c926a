public import Foundation
import Crypto
import SwiftASN1
import X509

extension FederationCA {
    /// Issues a certificate for one node, with a fresh P-256 key, for both TLS server and client use.
    ///
    /// The subject is `CN=<nodeId>, O=<federation name>`. subjectAltName holds the URI
    /// `casebridge://node/<nodeId>`, then the DNS names, then the IP addresses (4- or 16-byte iPAddress).
    /// Extensions: basicConstraints CA:FALSE (critical), keyUsage digitalSignature + keyAgreement (critical),
    /// extendedKeyUsage serverAuth + clientAuth, subjectKeyIdentifier, authorityKeyIdentifier.
    ///
    /// - Parameters:
    ///   - nodeId: Must match `^[a-z0-9][a-z0-9-]{0,62}$`.
    ///   - dnsNames: Host names the node is reached by; lowercased, duplicates removed.
    ///   - ipAddresses: IPv4 or IPv6 addresses in text form; duplicates removed.
    ///   - validityDays: 1–3650 days; the certificate must not outlive the CA.
    ///   - now: The issuing time; truncated to whole seconds. `notBefore` is ``clockSkewAllowance`` earlier.
    public func issueNodeCertificate(
        nodeId: String,
        dnsNames: [String],
        ipAddresses: [String],
        validityDays: Int = 30,
        now: Date = Date()
    ) throws -> NodeCertificate {
        try NodeIdentity.validate(nodeId)
        guard (1...3650).contains(validityDays) else {
            throw TrustError(.invalidValidity, "node certificate validity must be 1 to 3650 days, got \(validityDays)")
        }
        var seenDNS = Set<String>()
        let dns = try dnsNames.map(SubjectNames.normalizedDNSName).filter { seenDNS.insert($0).inserted }
        var seenIP = Set<[UInt8]>()
        let ips = try ipAddresses.map(SubjectNames.ipAddressBytes).filter { seenIP.insert($0).inserted }

        let issued = CertificateTime.truncated(now)
        let notBefore = issued - Self.clockSkewAllowance
        let notAfter = issued + TimeInterval(validityDays) * 86_400
        guard issued >= certificate.notValidBefore, issued <= certificate.notValidAfter else {
            throw TrustError(
                .invalidValidity,
                "the federation CA is not valid at \(issued) (valid \(certificate.notValidBefore) to \(certificate.notValidAfter))"
            )
        }
        guard notAfter <= certificate.notValidAfter else {
            throw TrustError(
                .invalidValidity,
                "a \(validityDays)-day node certificate would outlive the federation CA, which expires \(certificate.notValidAfter)"
            )
        }

        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let names: [GeneralName] =
            [.uniformResourceIdentifier(NodeIdentity.uri(for: nodeId))]
            + dns.map { .dnsName($0) }
            + ips.map { .ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        do {
            let authorityKeyId =
                try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
                ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
            let subject = try DistinguishedName {
                OrganizationName(name)
                CommonName(nodeId)
            }
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyId)
                SubjectAlternativeNames(names)
            }
            let nodeCertificate = try Certificate(
                version: .v3,
                serialNumber: CertificateTime.randomSerial(),
                publicKey: publicKey,
                notValidBefore: notBefore,
                notValidAfter: notAfter,
                issuer: certificate.subject,
                subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions,
                issuerPrivateKey: Certificate.PrivateKey(try signingKey())
            )
            return NodeCertificate(
                nodeId: nodeId,
                certificate: nodeCertificate,
                certificatePEM: try PEM.certificate(nodeCertificate),
                privateKeyPEM: PEM.normalized(key.pemRepresentation),
                caCertificatePEM: certificatePEM
            )
        } catch let error as TrustError {
            throw error
        } catch {
            throw TrustError(.certificateCreationFailed, "cannot build the certificate for node \(nodeId): \(error)")
        }
    }
}

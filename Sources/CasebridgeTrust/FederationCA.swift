public import Foundation
import Crypto
import SwiftASN1
import X509

/// The certificate authority of a Casebridge federation: a self-signed P-256 CA that issues node certificates.
///
/// ``description`` shows the name and certificate fingerprint only; the private key is never printed.
public struct FederationCA: Sendable, CustomStringConvertible, CustomReflectable {
    /// The file name of the CA certificate inside a CA directory.
    public static let certificateFileName = "ca.pem"
    /// The file name of the CA private key inside a CA directory.
    public static let privateKeyFileName = "ca.key"
    /// How far `notBefore` is set before the issuing time, to tolerate clock skew between nodes.
    public static let clockSkewAllowance: TimeInterval = 300

    /// The federation name: the CA's CN and O, and the O of every node certificate it issues.
    public let name: String
    /// The CA certificate, PEM encoded.
    public let certificatePEM: String
    /// The CA private key, PKCS#8 PEM encoded. Keep it secret.
    public let privateKeyPEM: String

    let certificate: Certificate

    /// The signing key, decoded on use: swift-crypto's key type is not `Sendable` on Linux.
    func signingKey() throws -> P256.Signing.PrivateKey {
        do {
            return try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            throw TrustError(.invalidEncoding, "the CA private key cannot be decoded")
        }
    }

    /// Creates a new federation CA with a fresh P-256 key.
    ///
    /// - Parameters:
    ///   - name: The federation name (1–64 characters, no control characters).
    ///   - validityDays: How long the CA is valid, 1–36500 days.
    ///   - now: The issuing time; truncated to whole seconds. `notBefore` is ``clockSkewAllowance`` earlier.
    public static func create(name: String, validityDays: Int = 3650, now: Date = Date()) throws -> FederationCA {
        try SubjectNames.validateFederationName(name)
        guard (1...36500).contains(validityDays) else {
            throw TrustError(.invalidValidity, "CA validity must be 1 to 36500 days, got \(validityDays)")
        }
        let issued = CertificateTime.truncated(now)
        let key = P256.Signing.PrivateKey()
        let signingKey = Certificate.PrivateKey(key)
        let subjectKeyId = SubjectKeyIdentifier(hash: signingKey.publicKey)
        do {
            let subject = try DistinguishedName {
                OrganizationName(name)
                CommonName(name)
            }
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                subjectKeyId
                AuthorityKeyIdentifier(keyIdentifier: subjectKeyId.keyIdentifier)
            }
            let certificate = try Certificate(
                version: .v3,
                serialNumber: CertificateTime.randomSerial(),
                publicKey: signingKey.publicKey,
                notValidBefore: issued - clockSkewAllowance,
                notValidAfter: issued + TimeInterval(validityDays) * 86_400,
                issuer: subject,
                subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions,
                issuerPrivateKey: signingKey
            )
            return FederationCA(
                name: name,
                certificatePEM: try PEM.certificate(certificate),
                privateKeyPEM: PEM.normalized(key.pemRepresentation),
                certificate: certificate
            )
        } catch let error as TrustError {
            throw error
        } catch {
            throw TrustError(.certificateCreationFailed, "cannot build the CA certificate: \(error)")
        }
    }

    /// Reconstructs a CA from its certificate and private key, checking that they belong together.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate = try PEM.firstCertificate(in: certificatePEM)
        guard let key = try? P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM) else {
            throw TrustError(.invalidEncoding, "the CA private key is not a PEM encoded P-256 private key")
        }
        guard Certificate.PublicKey(key.publicKey) == certificate.publicKey else {
            throw TrustError(.keyMismatch, "the CA private key does not match the CA certificate")
        }
        guard case .isCertificateAuthority = try? certificate.extensions.basicConstraints else {
            throw TrustError(
                .notCertificateAuthority,
                "certificate \(certificate.subject) is not a CA certificate (basicConstraints CA:TRUE missing)"
            )
        }
        let name = certificate.subject.firstValue(of: .RDNAttributeType.organizationName)
            ?? certificate.subject.firstValue(of: .RDNAttributeType.commonName) ?? ""
        self.init(
            name: name,
            certificatePEM: try PEM.certificate(certificate),
            privateKeyPEM: PEM.normalized(key.pemRepresentation),
            certificate: certificate
        )
    }

    private init(
        name: String,
        certificatePEM: String,
        privateKeyPEM: String,
        certificate: Certificate
    ) {
        self.name = name
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.certificate = certificate
    }

    /// Writes `dir/ca.pem` (mode 0644) and `dir/ca.key` (mode 0600).
    ///
    /// Refuses with ``TrustError/Code/fileExists`` if either file exists; files are created with
    /// `O_EXCL`, so nothing is ever overwritten. `dir` is created with mode 0700 if missing.
    public func write(to dir: String) throws {
        try SecureFile.writeNew(
            [
                .init(name: Self.privateKeyFileName, contents: privateKeyPEM, mode: 0o600),
                .init(name: Self.certificateFileName, contents: certificatePEM, mode: 0o644),
            ],
            in: dir
        )
    }

    /// Loads a CA written by ``write(to:)``.
    ///
    /// Refuses with ``TrustError/Code/insecureKeyFile`` if `dir/ca.key` is accessible by group or others.
    public static func load(from dir: String) throws -> FederationCA {
        let keyPEM = try SecureFile.readPrivateKey(SecureFile.path(dir, privateKeyFileName))
        let certPEM = try SecureFile.read(SecureFile.path(dir, certificateFileName))
        return try FederationCA(certificatePEM: certPEM, privateKeyPEM: keyPEM)
    }

    /// Facts about the CA certificate.
    public var info: CertificateInfo {
        CertificateInfo(certificate)
    }

    public var description: String {
        "FederationCA(name: \(String(reflecting: name)), sha256: \(info.sha256Fingerprint))"
    }

    /// Mirrors only public facts, so `dump` never shows the private key.
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "sha256Fingerprint": info.sha256Fingerprint], displayStyle: .struct)
    }
}

extension DistinguishedName {
    func firstValue(of type: ASN1ObjectIdentifier) -> String? {
        for rdn in self {
            for attribute in rdn where attribute.type == type {
                if let value = String(attribute.value) { return value }
            }
        }
        return nil
    }
}

public import Foundation
import Crypto
import SwiftASN1
import X509

/// What a certificate says, in plain types: names, validity, serial, fingerprint and the Casebridge node id.
public struct CertificateInfo: Sendable, Hashable {
    /// The node id from the `casebridge://node/<nodeId>` subjectAltName URI; `nil` if there is none,
    /// it is not a valid node id, or the certificate names more than one node.
    public let nodeId: String?
    /// The subject distinguished name, RFC 4514 style, e.g. `CN=node-a,O=Example Federation`.
    public let subject: String
    /// The issuer distinguished name, RFC 4514 style.
    public let issuer: String
    /// The serial number as lowercase hex without separators.
    public let serial: String
    /// The start of the validity period.
    public let notBefore: Date
    /// The end of the validity period.
    public let notAfter: Date
    /// SHA-256 of the DER encoding, lowercase hex without separators.
    public let sha256Fingerprint: String
    /// subjectAltName DNS names, in certificate order.
    public let dnsNames: [String]
    /// subjectAltName IP addresses in text form (IPv6 in RFC 5952 form), in certificate order.
    public let ipAddresses: [String]
    /// subjectAltName URIs, in certificate order.
    public let uris: [String]
    /// Whether basicConstraints marks the certificate as a CA.
    public let isCertificateAuthority: Bool

    init(_ certificate: Certificate) {
        var serializer = DER.Serializer()
        // Serializing a parsed or freshly built certificate cannot fail.
        try? serializer.serialize(certificate)
        self.init(certificate, der: serializer.serializedBytes)
    }

    init(_ certificate: Certificate, der: [UInt8]) {
        let names = (try? certificate.extensions.subjectAlternativeNames).flatMap { $0.map { Array($0) } } ?? []
        var dnsNames: [String] = []
        var ipAddresses: [String] = []
        var uris: [String] = []
        for name in names {
            switch name {
            case .dnsName(let value): dnsNames.append(value)
            case .ipAddress(let octets): ipAddresses.append(SubjectNames.ipAddressString(Array(octets.bytes)))
            case .uniformResourceIdentifier(let value): uris.append(value)
            default: break
            }
        }
        let nodeIds = Set(uris.filter { $0.hasPrefix(NodeIdentity.uriPrefix) }.map(NodeIdentity.nodeId(fromURI:)))
        self.nodeId = nodeIds.count == 1 ? nodeIds.first! : nil
        self.subject = String(describing: certificate.subject)
        self.issuer = String(describing: certificate.issuer)
        self.serial = Hex.encode(certificate.serialNumber.bytes)
        self.notBefore = certificate.notValidBefore
        self.notAfter = certificate.notValidAfter
        self.sha256Fingerprint = Hex.encode(SHA256.hash(data: der))
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.uris = uris
        if case .isCertificateAuthority = try? certificate.extensions.basicConstraints {
            self.isCertificateAuthority = true
        } else {
            self.isCertificateAuthority = false
        }
    }

    /// Describes the first certificate in a PEM string (a chain's leaf).
    public static func parse(pem: String) throws -> CertificateInfo {
        CertificateInfo(try PEM.firstCertificate(in: pem))
    }

    /// Describes a DER encoded certificate.
    public static func parse(der: [UInt8]) throws -> CertificateInfo {
        do {
            return CertificateInfo(try Certificate(derEncoded: der), der: der)
        } catch {
            throw TrustError(.invalidEncoding, "input is not a DER encoded X.509 certificate: \(error)")
        }
    }

    /// The node id of a DER encoded certificate, e.g. a TLS peer's (`NIOSSLCertificate.toDERBytes()`).
    ///
    /// Returns `nil` for undecodable input and for certificates without exactly one valid node id.
    /// This does not check the certificate's trust: the TLS handshake against the federation CA must have done so.
    public static func nodeId(fromDER der: [UInt8]) -> String? {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        return CertificateInfo(certificate, der: der).nodeId
    }
}

public import Foundation
import Crypto
import X509

/// A certificate revocation list signed by the federation CA: which node certificates (by serial) must be refused.
///
/// On the wire it is a JSON envelope `{"format":"casebridge.crl.v1","payload":B64,"signature":B64}`. The
/// signature is ECDSA P-256 with SHA-256 (DER encoded) by the CA key over the bytes
/// `"casebridge.crl.v1\0" + payload`, where `payload` is the JSON document described by the properties below.
/// Nodes store and relay the envelope bytes (``document``) unchanged, so any node verifies a CRL end to end.
public struct CertificateRevocationList: Sendable, Hashable {
    /// The envelope format name.
    public static let format = "casebridge.crl.v1"
    /// The domain-separation prefix of the signed bytes.
    static let signaturePrefix = Array("casebridge.crl.v1".utf8) + [0]

    /// One revoked certificate.
    public struct Revocation: Sendable, Hashable, Codable {
        /// The certificate serial number, lowercase hex without separators.
        public var serial: String
        /// The node the certificate named, when known.
        public var nodeId: String?
        /// When the CA revoked it.
        public var revokedAt: Date
        /// Why, in the admin's words (no personal data).
        public var reason: String?

        /// Creates a revocation entry; `serial` is normalized to lowercase hex without separators.
        public init(serial: String, nodeId: String? = nil, revokedAt: Date, reason: String? = nil) {
            self.serial = Self.normalizedSerial(serial)
            self.nodeId = nodeId
            self.revokedAt = CertificateTime.truncated(revokedAt)
            self.reason = reason
        }

        /// Lowercase hex without `:` separators or leading zero bytes' worth of `00` pairs.
        public static func normalizedSerial(_ serial: String) -> String {
            var hex = serial.lowercased().filter { $0 != ":" && $0 != " " }
            while hex.hasPrefix("00") && hex.count > 2 { hex.removeFirst(2) }
            return hex
        }
    }

    struct Payload: Codable {
        var federation: String
        var caSha256: String
        var issuedAt: Date
        var sequence: UInt64
        var revoked: [Revocation]
    }

    struct Envelope: Codable {
        var format: String
        var payload: String
        var signature: String
    }

    /// The federation name of the issuing CA.
    public let federation: String
    /// SHA-256 fingerprint of the issuing CA certificate (binds the list to one CA).
    public let caSha256: String
    /// When the list was signed.
    public let issuedAt: Date
    /// Increases with every list the CA signs; a node keeps the list with the highest sequence.
    public let sequence: UInt64
    /// The revoked certificates.
    public let revoked: [Revocation]
    /// The signed envelope, exactly as signed: store and relay these bytes.
    public let document: [UInt8]

    /// Whether the certificate with this serial (any hex spelling) is revoked.
    public func isRevoked(serial: String) -> Bool {
        let s = Revocation.normalizedSerial(serial)
        return revoked.contains { $0.serial == s }
    }

    /// Verifies a signed list against the federation CA certificate and decodes it.
    ///
    /// - Throws: ``TrustError`` ``TrustError/Code/invalidEncoding`` for a malformed document,
    ///   ``TrustError/Code/invalidSignature`` if the signature does not verify under the CA key or the list names
    ///   another CA.
    public static func verify(document: [UInt8], caPEM: String) throws -> CertificateRevocationList {
        let caCertificate = try PEM.firstCertificate(in: caPEM)
        let caInfo = CertificateInfo(caCertificate)
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(document))
        } catch {
            throw TrustError(.invalidEncoding, "not a Casebridge CRL (JSON with format, payload, signature)")
        }
        guard envelope.format == format else {
            throw TrustError(.invalidEncoding, "unknown CRL format \(String(reflecting: String(envelope.format.prefix(40))))")
        }
        guard let payload = Data(base64Encoded: envelope.payload), let signatureDER = Data(base64Encoded: envelope.signature) else {
            throw TrustError(.invalidEncoding, "CRL payload or signature is not base64")
        }
        guard let publicKey = P256.Signing.PublicKey(caCertificate.publicKey),
            let signature = try? P256.Signing.ECDSASignature(derRepresentation: signatureDER),
            publicKey.isValidSignature(signature, for: signaturePrefix + Array(payload))
        else {
            throw TrustError(.invalidSignature, "the CRL signature does not verify under the federation CA key (\(caInfo.sha256Fingerprint))")
        }
        let decoded: Payload
        do {
            decoded = try decoder.decode(Payload.self, from: payload)
        } catch {
            throw TrustError(.invalidEncoding, "the signed CRL payload cannot be decoded: \(error)")
        }
        guard decoded.caSha256 == caInfo.sha256Fingerprint else {
            throw TrustError(.invalidSignature, "the CRL names CA \(decoded.caSha256), not this federation's CA")
        }
        return CertificateRevocationList(
            federation: decoded.federation, caSha256: decoded.caSha256, issuedAt: decoded.issuedAt,
            sequence: decoded.sequence, revoked: decoded.revoked, document: document)
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}

extension FederationCA {
    /// Signs a revocation list with the CA key.
    ///
    /// - Parameters:
    ///   - revoked: The revoked certificates (sorted by serial in the list).
    ///   - sequence: Must exceed the sequence of every list this CA signed before.
    public func signRevocationList(revoked: [CertificateRevocationList.Revocation], sequence: UInt64, now: Date = Date()) throws
        -> CertificateRevocationList
    {
        let payload = CertificateRevocationList.Payload(
            federation: name, caSha256: info.sha256Fingerprint, issuedAt: CertificateTime.truncated(now), sequence: sequence,
            revoked: revoked.sorted { $0.serial < $1.serial })
        let bytes: [UInt8]
        do {
            bytes = Array(try CertificateRevocationList.encoder.encode(payload))
        } catch {
            throw TrustError(.certificateCreationFailed, "cannot encode the CRL: \(error)")
        }
        let signature: P256.Signing.ECDSASignature
        do {
            signature = try signingKey().signature(for: CertificateRevocationList.signaturePrefix + bytes)
        } catch let error as TrustError {
            throw error
        } catch {
            throw TrustError(.certificateCreationFailed, "cannot sign the CRL: \(error)")
        }
        let envelope = CertificateRevocationList.Envelope(
            format: CertificateRevocationList.format, payload: Data(bytes).base64EncodedString(),
            signature: signature.derRepresentation.base64EncodedString())
        let document: [UInt8]
        do {
            document = Array(try CertificateRevocationList.encoder.encode(envelope)) + [UInt8(ascii: "\n")]
        } catch {
            throw TrustError(.certificateCreationFailed, "cannot encode the CRL envelope: \(error)")
        }
        return try CertificateRevocationList.verify(document: document, caPEM: certificatePEM)
    }
}

/// A node's trust card (`casebridge trust export`): who it is, where its federation API listens, and the public
/// keys it signs entries with. Exchanged out of band between agency admins; `casebridge trust add` imports one.
public struct TrustCard: Sendable, Hashable, Codable {
    public struct SigningKeyInfo: Sendable, Hashable, Codable {
        /// 16-byte key id, hex.
        public var keyId: String
        /// 32-byte Ed25519 public key, hex.
        public var publicKey: String
        public var validFromSeq: UInt64
        public var validUntilSeq: UInt64?

        public init(keyId: String, publicKey: String, validFromSeq: UInt64 = 1, validUntilSeq: UInt64? = nil) {
            self.keyId = keyId
            self.publicKey = publicKey
            self.validFromSeq = validFromSeq
            self.validUntilSeq = validUntilSeq
        }
    }

    public static let formatV1 = "casebridge.card.v1"

    public var format: String
    public var nodeId: String
    public var agency: String
    /// `https://host:port` of the federation API; nil for an origin that is only relayed.
    public var endpoint: String?
    public var signingKeys: [SigningKeyInfo]
    /// SHA-256 of the node's TLS certificate (DER), hex; informational.
    public var tlsCertificateSha256: String?

    public init(nodeId: String, agency: String, endpoint: String?, signingKeys: [SigningKeyInfo], tlsCertificateSha256: String? = nil) {
        self.format = Self.formatV1
        self.nodeId = nodeId
        self.agency = agency
        self.endpoint = endpoint
        self.signingKeys = signingKeys
        self.tlsCertificateSha256 = tlsCertificateSha256
    }

    /// Checks the card's shape; the error names the field.
    public func validate() throws(TrustCardError) {
        guard format == Self.formatV1 else { throw TrustCardError(field: "format", reason: "must be \(Self.formatV1)") }
        guard EntryHeader.isValidNodeId(nodeId) else { throw TrustCardError(field: "nodeId", reason: "must be 1-63 characters of a-z, 0-9 and -") }
        guard !agency.isEmpty, agency.count <= 200 else { throw TrustCardError(field: "agency", reason: "must be 1-200 characters") }
        if let e = endpoint {
            guard e.hasPrefix("https://"), e.count <= 300, !e.contains(where: { $0 == " " || $0 == "\n" }) else {
                throw TrustCardError(field: "endpoint", reason: "must be an https:// URL")
            }
        }
        guard !signingKeys.isEmpty else { throw TrustCardError(field: "signingKeys", reason: "must list at least one key") }
        for (i, k) in signingKeys.enumerated() {
            guard Self.isHex(k.keyId, bytes: 16) else { throw TrustCardError(field: "signingKeys[\(i)].keyId", reason: "must be 32 hex digits") }
            guard Self.isHex(k.publicKey, bytes: 32) else { throw TrustCardError(field: "signingKeys[\(i)].publicKey", reason: "must be 64 hex digits") }
            guard k.validFromSeq >= 1 else { throw TrustCardError(field: "signingKeys[\(i)].validFromSeq", reason: "must be at least 1") }
            if let u = k.validUntilSeq, u < k.validFromSeq {
                throw TrustCardError(field: "signingKeys[\(i)].validUntilSeq", reason: "must not be below validFromSeq")
            }
        }
    }

    public static func isHex(_ s: String, bytes: Int) -> Bool {
        s.utf8.count == bytes * 2 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

public struct TrustCardError: Error, Sendable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

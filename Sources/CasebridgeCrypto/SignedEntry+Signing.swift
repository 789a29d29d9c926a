public import CasebridgeCore

extension SignedEntry {
    /// Encodes a header for `body` once and signs it with `key`.
    ///
    /// The header records the body's BLAKE2b-256 hash and length and the signer's key id.
    public static func make(
        kind: EntryKind, origin: String, seq: UInt64, recordId: String, version: VersionVector,
        timestamp: Int64, body: [UInt8], key: SigningKey
    ) -> SignedEntry {
        let header = EntryHeader(
            kind: kind, origin: origin, seq: seq, recordId: recordId, version: version, timestamp: timestamp,
            keyId: key.publicKey.keyId, bodyHash: Blake2b.hash(body), bodyLength: UInt32(body.count))
        let headerBytes = header.encoded()
        let signature = key.sign(signaturePrefix + headerBytes)
        return SignedEntry(header: headerBytes, body: body, signature: signature)
    }

    /// Verifies the entry end to end with `publicKey` and returns its decoded header.
    ///
    /// Checks, in order: the header decodes strictly; it names this key; the signature over the exact header bytes
    /// (with the domain prefix) is valid; and, when the body is present, its length and BLAKE2b-256 hash match the
    /// header. An expunged entry (no body) still verifies: the signed header stays provable.
    public func verify(with publicKey: SigningPublicKey) throws(EntryError) -> EntryHeader {
        let decoded = try EntryHeader(decoding: header)
        guard decoded.keyId == publicKey.keyId else {
            throw EntryError(code: "signature.key", reason: "entry is signed by key \(Hex.encode(decoded.keyId)), not \(publicKey.keyIdHex)")
        }
        guard publicKey.verify(signature: signature, message: signedMessage) else {
            throw EntryError(code: "signature.invalid", reason: "Ed25519 signature does not verify")
        }
        if let body {
            guard body.count == Int(decoded.bodyLength) else {
                throw EntryError(code: "body.length", reason: "body length does not match the signed header")
            }
            guard Sodium.constantTimeEqual(Blake2b.hash(body), decoded.bodyHash) else {
                throw EntryError(code: "body.hash", reason: "body hash does not match the signed header")
            }
        }
        return decoded
    }
}

extension SignedEntry {
    /// What makes two copies of an entry the same entry: BLAKE2b-256 of its header and signature. The body is
    /// left out on purpose: the signed header commits to the body's hash, and a copy whose body was expunged
    /// (or one that still has it) is the same entry, not an equivocation.
    public var identityDigest: [UInt8] {
        Blake2b.hash(Array("casebridge.entry-id.v1".utf8) + header + signature)
    }
}

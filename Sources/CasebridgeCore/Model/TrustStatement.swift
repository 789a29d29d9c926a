/// The body of a trust entry (kind 3, record id `<origin>/.trust`): a statement an origin makes about its own signing
/// keys, in its own log, so every node learns it through replication alone (docs/protocol.md §1.9).
///
/// - `key-rotation`: from `fromSeq` (always the rotation entry's seq + 1) the origin signs with `newKeyId`; every
///   other key of the origin stops at `fromSeq - 1`. The entry is signed by the old key; `proof` is the new key's
///   signature over `TrustStatement.rotationProofMessage`, so nobody can rotate an origin to a key they do not hold.
/// - `key-revocation`: entries of the origin signed with `keyId` at seq >= `fromSeq` are quarantined at every node:
///   kept in the log as evidence, taken out of the records and search. Signed by a key other than the revoked one.
///   Trust statements themselves are never quarantined (the rotation that introduced the revoking key stays).
public struct TrustStatement: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case keyRotation = "key-rotation"
        case keyRevocation = "key-revocation"
        /// The origin holds the federation's pseudonymization key of `epoch` (its `fingerprint`) and searches under
        /// it. Once every origin has announced an epoch, each publishes under it and re-tokenizes its records.
        case pseudonymEpoch = "pseudonym-epoch"
    }

    public static let formatV1 = "casebridge.trust.v1"

    public var format: String
    public var type: Kind
    public var origin: String
    /// Rotation: the new key's id (hex). Revocation: the revoked key's id (hex).
    public var keyId: String
    /// Rotation: the new Ed25519 public key (hex).
    public var publicKey: String?
    public var fromSeq: UInt64
    /// Rotation: the new key's signature (hex) over `rotationProofMessage`.
    public var proof: String?
    /// Revocation: why, in the origin admin's words (no case data).
    public var reason: String?
    /// Pseudonym epoch: the epoch number and the key's fingerprint (16 hex digits).
    public var epoch: Int? = nil
    public var fingerprint: String? = nil

    public static func rotation(origin: String, keyId: String, publicKey: String, fromSeq: UInt64, proof: String) -> TrustStatement {
        TrustStatement(format: formatV1, type: .keyRotation, origin: origin, keyId: keyId, publicKey: publicKey, fromSeq: fromSeq, proof: proof, reason: nil)
    }

    public static func pseudonymEpoch(origin: String, epoch: Int, fingerprint: String, seq: UInt64) -> TrustStatement {
        TrustStatement(
            format: formatV1, type: .pseudonymEpoch, origin: origin, keyId: "", publicKey: nil, fromSeq: seq, proof: nil, reason: nil,
            epoch: epoch, fingerprint: fingerprint)
    }

    public static func revocation(origin: String, keyId: String, fromSeq: UInt64, reason: String) -> TrustStatement {
        TrustStatement(format: formatV1, type: .keyRevocation, origin: origin, keyId: keyId, publicKey: nil, fromSeq: fromSeq, proof: nil, reason: reason)
    }

    /// The bytes the new key signs in a rotation: domain prefix, origin, NUL, new key id, fromSeq (big-endian u64).
    public static func rotationProofMessage(origin: String, keyId: [UInt8], fromSeq: UInt64) -> [UInt8] {
        var w = ByteWriter()
        w.bytes(Array("casebridge.key-rotation.v1\0".utf8))
        w.bytes(Array(origin.utf8))
        w.u8(0)
        w.bytes(keyId)
        w.u64(fromSeq)
        return w.buffer
    }

    /// Checks the statement's shape for an entry of `origin` at `seq`; the error names the field.
    public func validate(origin entryOrigin: String, seq: UInt64) throws(EntryError) {
        func bad(_ field: String, _ reason: String) -> EntryError { EntryError(code: "trust.\(field)", reason: "trust statement \(field) \(reason)") }
        guard format == Self.formatV1 else { throw bad("format", "must be \(Self.formatV1)") }
        guard origin == entryOrigin else { throw bad("origin", "must be the entry's origin") }
        if type != .pseudonymEpoch {
            guard TrustCard.isHex(keyId, bytes: 16) else { throw bad("keyId", "must be 32 hex digits") }
        }
        if let r = reason, r.count > 500 { throw bad("reason", "is longer than 500 characters") }
        switch type {
        case .keyRotation:
            guard let pk = publicKey, TrustCard.isHex(pk, bytes: 32) else { throw bad("publicKey", "must be 64 hex digits") }
            guard let p = proof, TrustCard.isHex(p, bytes: 64) else { throw bad("proof", "must be 128 hex digits") }
            guard fromSeq == seq + 1 else { throw bad("fromSeq", "must be the rotation entry's seq + 1") }
        case .keyRevocation:
            guard fromSeq >= 1, fromSeq <= seq else { throw bad("fromSeq", "must be between 1 and the revocation entry's seq") }
        case .pseudonymEpoch:
            guard let e = epoch, e >= 1, e <= 1_000_000 else { throw bad("epoch", "must be 1 or more") }
            guard let f = fingerprint, TrustCard.isHex(f, bytes: 8) else { throw bad("fingerprint", "must be 16 hex digits") }
        }
    }
}

import CasebridgeCore
import CSodium

/// An Ed25519 public key with its short identifier.
public struct SigningPublicKey: Sendable, Hashable {
    /// The 32-byte Ed25519 public key.
    public let bytes: [UInt8]

    /// Creates a public key from 32 bytes; throws on any other length.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else { throw CryptoError(code: "key.length", reason: "an Ed25519 public key has 32 bytes, got \(bytes.count)") }
        self.bytes = bytes
    }

    /// The key id: the first 16 bytes of BLAKE2b-256 over `"casebridge.keyid.v1" || publicKey`.
    public var keyId: [UInt8] { Self.keyId(for: bytes) }

    /// The key id as lower-case hex.
    public var keyIdHex: String { Hex.encode(keyId) }

    static func keyId(for publicKey: [UInt8]) -> [UInt8] {
        Array(Blake2b.hash(Array("casebridge.keyid.v1".utf8) + publicKey, length: 32).prefix(16))
    }

    /// Checks an Ed25519 detached signature over `message`.
    public func verify(signature: [UInt8], message: some RawBytesProviding) -> Bool {
        Sodium.ensureInitialized()
        guard signature.count == 64 else { return false }
        return message.withUnsafeBytes { m in
            signature.withUnsafeBytes { s in
                bytes.withUnsafeBytes { pk in
                    crypto_sign_verify_detached(
                        s.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        m.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(m.count),
                        pk.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0
                }
            }
        }
    }
}

/// An Ed25519 signing key (libsodium). The secret is zeroed when the key is released.
public final class SigningKey: Sendable {
    private let secret: [UInt8]  // 64 bytes: seed || public key, as libsodium lays it out
    /// The matching public key.
    public let publicKey: SigningPublicKey

    /// Derives the key pair from a 32-byte seed.
    public init(seed: [UInt8]) throws {
        Sodium.ensureInitialized()
        guard seed.count == 32 else { throw CryptoError(code: "key.length", reason: "an Ed25519 seed has 32 bytes, got \(seed.count)") }
        var pk = [UInt8](repeating: 0, count: 32)
        var sk = [UInt8](repeating: 0, count: 64)
        _ = seed.withUnsafeBytes { s in
            crypto_sign_seed_keypair(&pk, &sk, s.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        self.secret = sk
        self.publicKey = try SigningPublicKey(bytes: pk)
    }

    /// A fresh random key.
    public static func generate() -> SigningKey {
        var seed = Sodium.randomBytes(32)
        defer { Sodium.zero(&seed) }
        return try! SigningKey(seed: seed)
    }

    /// The 32-byte seed, for writing the key file.
    public var seed: [UInt8] { Array(secret.prefix(32)) }

    /// An Ed25519 detached signature over `message`.
    public func sign(_ message: some RawBytesProviding) -> [UInt8] {
        var sig = [UInt8](repeating: 0, count: 64)
        message.withUnsafeBytes { m in
            secret.withUnsafeBytes { sk in
                _ = crypto_sign_detached(
                    &sig, nil,
                    m.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(m.count),
                    sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return sig
    }

    deinit {
        secret.withUnsafeBytes { p in
            if let base = p.baseAddress { sodium_memzero(UnsafeMutableRawPointer(mutating: base), p.count) }
        }
    }
}

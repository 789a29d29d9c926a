import CasebridgeCore
import CSodium
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reading and writing secret key files: created with mode 0600, refused when group or others can read them.
///
/// The format is a few `name: value` lines after an optional `#` comment, so an admin can see what a file is
/// without exposing its secret.
public enum KeyFile {
    /// Writes `fields` as a new secret file with mode 0600; refuses to overwrite an existing file.
    public static func writeNew(path: String, comment: String, fields: [(String, String)]) throws {
        var text = "# \(comment)\n"
        for (k, v) in fields { text += "\(k): \(v)\n" }
        var bytes = Array(text.utf8)
        defer { Sodium.zero(&bytes) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            let err = errno
            if err == EEXIST {
                throw CryptoError(code: "keyfile.exists", reason: "\(path): a key file already exists there; refusing to overwrite it")
            }
            throw CryptoError(code: "keyfile.write", reason: "\(path): cannot create key file: \(String(cString: strerror(err)))")
        }
        defer { close(fd) }
        _ = fchmod(fd, 0o600)  // umask may have narrowed it further; never widen
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n <= 0 {
                throw CryptoError(code: "keyfile.write", reason: "\(path): write failed: \(String(cString: strerror(errno)))")
            }
            off += n
        }
        if fsync(fd) != 0 {
            throw CryptoError(code: "keyfile.write", reason: "\(path): fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads a secret file after checking that only its owner can read it; returns its `name: value` fields.
    public static func read(path: String, expectedFormat: String) throws -> [String: String] {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CryptoError(code: "keyfile.missing", reason: "\(path): cannot read key file: \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw CryptoError(code: "keyfile.type", reason: "\(path): not a regular file")
        }
        if st.st_mode & 0o077 != 0 {
            let mode = String(st.st_mode & 0o777, radix: 8)
            throw CryptoError(
                code: "keyfile.permissions",
                reason: "\(path): secret key file has mode 0\(mode), readable by group or others; run `chmod 600 \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CryptoError(code: "keyfile.missing", reason: "\(path): cannot read key file")
        }
        var fields: [String: String] = [:]
        for (i, rawLine) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw CryptoError(code: "keyfile.format", reason: "\(path):\(i + 1): expected `name: value`")
            }
            fields[String(line[..<colon]).trimmingCharacters(in: .whitespaces)] =
                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        guard fields["format"] == expectedFormat else {
            throw CryptoError(code: "keyfile.format", reason: "\(path): not a \(expectedFormat) file")
        }
        return fields
    }

    static func decodeBase64(_ text: String?, path: String, field: String, count: Int) throws -> [UInt8] {
        guard let text, let data = Data(base64Encoded: text), data.count == count else {
            throw CryptoError(code: "keyfile.format", reason: "\(path): field `\(field)` must be \(count) bytes of base64")
        }
        return Array(data)
    }
}

extension SigningKey {
    static let fileFormat = "casebridge-ed25519-signing-key-v1"

    /// Writes this key to a new 0600 file.
    public func write(to path: String, nodeId: String) throws {
        var seed = self.seed
        defer { Sodium.zero(&seed) }
        try KeyFile.writeNew(
            path: path,
            comment: "Casebridge node signing key (Ed25519) for node \(nodeId). SECRET: never share, never commit.",
            fields: [
                ("format", Self.fileFormat),
                ("node", nodeId),
                ("key-id", publicKey.keyIdHex),
                ("public", Data(publicKey.bytes).base64EncodedString()),
                ("seed", Data(seed).base64EncodedString()),
            ])
    }

    /// Loads a key written by `write(to:nodeId:)`, refusing files others can read.
    public static func load(path: String) throws -> SigningKey {
        let f = try KeyFile.read(path: path, expectedFormat: fileFormat)
        var seed = try KeyFile.decodeBase64(f["seed"], path: path, field: "seed", count: 32)
        defer { Sodium.zero(&seed) }
        let key = try SigningKey(seed: seed)
        if let pub = f["public"], Data(base64Encoded: pub).map(Array.init) != key.publicKey.bytes {
            throw CryptoError(code: "keyfile.mismatch", reason: "\(path): the public key does not match the seed")
        }
        return key
    }
}

/// The federation's pseudonymization key for one epoch: the key of the keyed BLAKE2b that turns
/// normalized identifiers into tokens. Shared by member agencies out of band; zeroed when released.
public final class PseudonymKey: Sendable {
    static let fileFormat = "casebridge-pseudonym-key-v1"
    /// The key epoch (1 for the first key of a federation).
    public let epoch: Int
    private let key: [UInt8]

    /// Creates a key from 32 bytes.
    public init(epoch: Int, key: [UInt8]) throws {
        guard key.count == 32 else { throw CryptoError(code: "key.length", reason: "a pseudonymization key has 32 bytes, got \(key.count)") }
        guard epoch >= 1 else { throw CryptoError(code: "key.epoch", reason: "epoch must be 1 or more") }
        self.epoch = epoch
        self.key = key
    }

    /// A fresh random key.
    public static func generate(epoch: Int = 1) -> PseudonymKey {
        try! PseudonymKey(epoch: epoch, key: Sodium.randomBytes(32))
    }

    /// The token of a normalized identifier: BLAKE2b-256 keyed with this key over `tag || 0x00 || value`.
    ///
    /// The three parts are fed to one hashing state in turn, straight from the strings' storage: no buffer holding
    /// the identifier is built (an import hashes millions of them), and the state is wiped afterwards.
    public func token(tag: String, value: String) -> [UInt8] {
        Blake2b.keyedHash(key: key, length: 32) { update in
            Self.withUTF8(tag) { update($0) }
            var zero: UInt8 = 0
            withUnsafeBytes(of: &zero) { update($0) }
            Self.withUTF8(value) { update($0) }
        }
    }

    /// Calls `body` with the UTF-8 bytes of `s`, copying only a string that has no contiguous UTF-8 storage.
    private static func withUTF8<R>(_ s: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return r }
        var copy = Array(s.utf8)
        defer { Sodium.zero(&copy) }
        return copy.withUnsafeBytes(body)
    }

    /// A short fingerprint that lets admins compare keys without revealing them.
    public var fingerprint: String {
        Hex.encode(Blake2b.hash(Array("casebridge.pseudonym.fingerprint.v1".utf8), key: key, length: 16).prefix(8))
    }

    /// Writes this key to a new 0600 file.
    public func write(to path: String) throws {
        var k = key
        defer { Sodium.zero(&k) }
        try KeyFile.writeNew(
            path: path,
            comment: "Casebridge federation pseudonymization key. SECRET: hand only to member agencies, out of band.",
            fields: [
                ("format", Self.fileFormat),
                ("epoch", String(epoch)),
                ("fingerprint", fingerprint),
                ("key", Data(k).base64EncodedString()),
            ])
    }

    /// Loads a key written by `write(to:)`, refusing files others can read.
    public static func load(path: String) throws -> PseudonymKey {
        let f = try KeyFile.read(path: path, expectedFormat: fileFormat)
        guard let epochText = f["epoch"], let epoch = Int(epochText), epoch >= 1 else {
            throw CryptoError(code: "keyfile.format", reason: "\(path): field `epoch` must be a positive integer")
        }
        var k = try KeyFile.decodeBase64(f["key"], path: path, field: "key", count: 32)
        defer { Sodium.zero(&k) }
        return try PseudonymKey(epoch: epoch, key: k)
    }

    deinit {
        key.withUnsafeBytes { p in
            if let base = p.baseAddress { sodium_memzero(UnsafeMutableRawPointer(mutating: base), p.count) }
        }
    }
}

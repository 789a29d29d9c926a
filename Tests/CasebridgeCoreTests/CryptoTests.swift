import CasebridgeCore
import CasebridgeCrypto
import Foundation
import Testing

@Suite struct CryptoTests {
    func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "cbtest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func keyFilesAre0600AndRoundTrip() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let key = SigningKey.generate()
        try key.write(to: d + "/s.key", nodeId: "n1")
        let mode = try FileManager.default.attributesOfItem(atPath: d + "/s.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let back = try SigningKey.load(path: d + "/s.key")
        #expect(back.publicKey == key.publicKey)
        let p = PseudonymKey.generate()
        try p.write(to: d + "/p.key")
        let pb = try PseudonymKey.load(path: d + "/p.key")
        #expect(pb.epoch == 1)
        #expect(pb.token(tag: "phone", value: "+14155550123") == p.token(tag: "phone", value: "+14155550123"))
        // The file never holds the key in a form equal to the token or the fingerprint only.
        #expect(pb.fingerprint == p.fingerprint)
    }

    @Test func refusesToOverwriteKeys() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try SigningKey.generate().write(to: d + "/s.key", nodeId: "n1")
        let e = try #require(throws: CryptoError.self) { try SigningKey.generate().write(to: d + "/s.key", nodeId: "n1") }
        #expect(e.code == "keyfile.exists")
    }

    @Test func refusesKeyFilesReadableByOthers() throws {
        let d = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try PseudonymKey.generate().write(to: d + "/p.key")
        for mode in [0o640, 0o604, 0o644, 0o660] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: d + "/p.key")
            let e = try #require(throws: CryptoError.self) { try PseudonymKey.load(path: d + "/p.key") }
            #expect(e.code == "keyfile.permissions")
            #expect(e.reason.contains("chmod 600"))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: d + "/p.key")
        #expect(try PseudonymKey.load(path: d + "/p.key").epoch == 1)
    }

    @Test func tokensDependOnKeyTagAndValue() {
        let a = PseudonymKey.generate()
        let b = PseudonymKey.generate()
        let t = a.token(tag: "phone", value: "+14155550123")
        #expect(t.count == 32)
        #expect(t != b.token(tag: "phone", value: "+14155550123"))
        #expect(t != a.token(tag: "email", value: "+14155550123"))
        #expect(t != a.token(tag: "phone", value: "+14155550124"))
        // The tag/value separator prevents ambiguity between tag and value boundaries.
        #expect(a.token(tag: "ab", value: "c") != a.token(tag: "a", value: "bc"))
    }

    /// The token is keyed BLAKE2b-256 over `tag || 0x00 || value`, fed in parts: the same bytes as one buffer give
    /// the same hash, for empty, ASCII and non-ASCII parts alike.
    @Test func tokenHashesTheSameBytesAsOneBuffer() throws {
        let keyBytes = (0..<32).map { UInt8($0 * 7 + 3) }
        let key = try PseudonymKey(epoch: 1, key: keyBytes)
        let values = ["", "+14155550123", "garcía lópez|1990-01-02", "ŁÓDŹ 李小龍", String(repeating: "x", count: 300), "\u{0}a"]
        for tag in ["", "phone", "name-dob"] {
            for value in values {
                let oneBuffer = Array(tag.utf8) + [0] + Array(value.utf8)
                #expect(key.token(tag: tag, value: value) == Blake2b.hash(oneBuffer, key: keyBytes, length: 32), "\(tag)|\(value)")
            }
        }
        // Known answer from an independent implementation (Python's hashlib.blake2b(b"phone\x00+14155550123",
        // key=bytes((i * 7 + 3) for i in range(32)), digest_size=32)).
        #expect(Hex.encode(key.token(tag: "phone", value: "+14155550123")) == "064468e114af3bbbba8f6625b0150fe783c06e365ef73fc3520a13104aeafea3")
        // A split anywhere gives the hash of the whole.
        #expect(Hex.encode(Blake2b.keyedHash(key: [UInt8](repeating: 1, count: 32)) { u in
            [UInt8]("ab".utf8).withUnsafeBytes { u($0) }; [UInt8]("c".utf8).withUnsafeBytes { u($0) } })
            == Hex.encode(Blake2b.hash(Array("abc".utf8), key: [UInt8](repeating: 1, count: 32))))
    }

    @Test func knownAnswerBlake2b() {
        // BLAKE2b-256 of the empty string (RFC 7693 / libsodium reference).
        #expect(Hex.encode(Blake2b.hash([UInt8]())) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
    }
}

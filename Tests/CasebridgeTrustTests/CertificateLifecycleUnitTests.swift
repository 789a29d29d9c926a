import CasebridgeTrust
import Foundation
import Testing

/// Renewal, validation of a node identity and revocation lists, without sockets or a database.
@Suite("Certificate lifecycle")
struct CertificateLifecycleUnitTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    func makeCA(_ name: String = "Test Federation") throws -> FederationCA {
        try FederationCA.create(name: name, now: now - 86_400)
    }

    func code(_ body: () async throws -> Void) async -> TrustError.Code? {
        do { try await body() } catch let e as TrustError { return e.code } catch { return nil }
        return nil
    }

    @Test("a renewal keeps node id and names, changes key and serial, and refuses another node's certificate")
    func renewal() async throws {
        let ca = try makeCA()
        let old = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: ["a.example.org"], ipAddresses: ["10.0.0.1"], now: now)
        let new = try NodeCertificate.renew(currentChainPEM: old.chainPEM, expectedNodeId: "node-a", ca: ca, validityDays: 7, now: now + 3600)
        #expect(new.info.nodeId == "node-a" && new.info.dnsNames == ["a.example.org"] && new.info.ipAddresses == ["10.0.0.1"])
        #expect(new.info.serial != old.info.serial && new.privateKeyPEM != old.privateKeyPEM)
        #expect(new.info.notAfter == now + 3600 + 7 * 86_400)
        let renamed = try NodeCertificate.renew(currentChainPEM: old.chainPEM, expectedNodeId: "node-a", ca: ca, dnsNames: ["b.example.org"], now: now)
        #expect(renamed.info.dnsNames == ["b.example.org"] && renamed.info.ipAddresses == ["10.0.0.1"])
        #expect(await code { _ = try NodeCertificate.renew(currentChainPEM: old.chainPEM, expectedNodeId: "node-b", ca: ca, now: now) } == .wrongNode)
        #expect(await code { _ = try NodeCertificate.renew(currentChainPEM: "garbage", expectedNodeId: "node-a", ca: ca, now: now) } == .invalidEncoding)
    }

    @Test("an identity is valid only with its own key, from our CA, in its validity period, naming the expected node")
    func identityValidation() async throws {
        let ca = try makeCA()
        let other = try makeCA("Other Federation")
        let one = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        let two = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        let foreign = try other.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        let info = try await NodeCertificate.validateIdentity(
            chainPEM: one.chainPEM, keyPEM: one.privateKeyPEM, caPEM: ca.certificatePEM, expectedNodeId: "node-a", now: now + 60)
        #expect(info.serial == one.info.serial)
        #expect(await code {
            _ = try await NodeCertificate.validateIdentity(chainPEM: one.chainPEM, keyPEM: two.privateKeyPEM, caPEM: ca.certificatePEM, expectedNodeId: "node-a", now: now + 60)
        } == .keyMismatch)
        #expect(await code {
            _ = try await NodeCertificate.validateIdentity(chainPEM: foreign.chainPEM, keyPEM: foreign.privateKeyPEM, caPEM: ca.certificatePEM, expectedNodeId: "node-a", now: now + 60)
        } == .untrusted)
        #expect(await code {
            _ = try await NodeCertificate.validateIdentity(chainPEM: one.chainPEM, keyPEM: one.privateKeyPEM, caPEM: ca.certificatePEM, expectedNodeId: "node-b", now: now + 60)
        } == .wrongNode)
        #expect(await code {
            _ = try await NodeCertificate.validateIdentity(chainPEM: one.chainPEM, keyPEM: one.privateKeyPEM, caPEM: ca.certificatePEM, expectedNodeId: "node-a", now: now + 31 * 86_400)
        } == .expired)
    }

    @Test("revocation lists verify only under their CA, unchanged, and carry normalized serials")
    func revocationLists() throws {
        let ca = try makeCA()
        let other = try makeCA("Other Federation")
        let entry = CertificateRevocationList.Revocation(serial: "00:4F:1E", nodeId: "node-a", revokedAt: now, reason: "lost")
        #expect(entry.serial == "4f1e")
        let list = try ca.signRevocationList(revoked: [entry], sequence: 7, now: now)
        let verified = try CertificateRevocationList.verify(document: list.document, caPEM: ca.certificatePEM)
        #expect(verified.sequence == 7 && verified.federation == "Test Federation" && verified.issuedAt == now)
        #expect(verified.isRevoked(serial: "4F1E") && !verified.isRevoked(serial: "4f1f"))
        #expect(verified.caSha256 == ca.info.sha256Fingerprint)
        #expect(throws: TrustError(.invalidSignature, "")) { try CertificateRevocationList.verify(document: list.document, caPEM: other.certificatePEM) }
        // One byte of the signature changed.
        var text = String(decoding: list.document, as: UTF8.self)
        let sigStart = text.range(of: "\"signature\":\"")!.upperBound
        let i = text.index(sigStart, offsetBy: 20)
        text.replaceSubrange(i...i, with: text[i] == "A" ? "B" : "A")
        #expect(throws: TrustError(.invalidSignature, "")) { try CertificateRevocationList.verify(document: Array(text.utf8), caPEM: ca.certificatePEM) }
        #expect(throws: TrustError(.invalidEncoding, "")) { try CertificateRevocationList.verify(document: Array("[]".utf8), caPEM: ca.certificatePEM) }
    }

    @Test("the CA's registry persists revocations and numbers lists in sequence; bad serials are refused")
    func registry() throws {
        let dir = TestDirectory()
        let ca = try makeCA()
        try ca.write(to: dir.path("ca"))
        var registry = try RevocationRegistry.load(from: dir.path("ca"))
        #expect(registry.revoked.isEmpty && registry.lastSequence == 0)
        #expect(try registry.revoke(serial: "ab:cd", nodeId: "node-a", reason: nil, now: now))
        #expect(try registry.revoke(serial: "ABCD", nodeId: nil, reason: nil, now: now) == false)
        #expect(throws: TrustError(.invalidEncoding, "")) { try registry.revoke(serial: "xyz", nodeId: nil, reason: nil) }
        #expect(throws: TrustError(.invalidEncoding, "")) { try registry.revoke(serial: "01", nodeId: nil, reason: "a\nb") }
        let first = try ca.issueRevocationList(from: &registry, now: now)
        let second = try ca.issueRevocationList(from: &registry, now: now)
        #expect(first.sequence == 1 && second.sequence == 2)
        try registry.save(to: dir.path("ca"))
        let loaded = try RevocationRegistry.load(from: dir.path("ca"))
        #expect(loaded == registry)
        #expect(try dir.mode("ca/revocations.json") == 0o644)
    }

    @Test("installing renewed files replaces them atomically with the key at 0600")
    func install() throws {
        let dir = TestDirectory()
        let ca = try makeCA()
        let old = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        try old.write(to: dir.path("tls"))
        let new = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        try new.install(certificatePath: dir.path("tls/node.pem"), keyPath: dir.path("tls/node.key"))
        #expect(try dir.read("tls/node.pem") == new.chainPEM)
        #expect(try dir.read("tls/node.key") == new.privateKeyPEM)
        #expect(try dir.mode("tls/node.key") == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("tls")).sorted() == ["ca.pem", "node.key", "node.pem"])
        let loaded = try NodeCertificate.load(from: dir.path("tls"))
        #expect(loaded.info.serial == new.info.serial)
    }
}

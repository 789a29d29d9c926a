import CasebridgeTrust
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@Suite("Chain validation")
struct ValidationTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    @Test("a node chain verifies against its own CA and not against a second CA")
    func ownCAOnly() async throws {
        let ca = try FederationCA.create(name: "Test Federation", now: now)
        let second = try FederationCA.create(name: "Test Federation", now: now)
        let node = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: ["localhost"], ipAddresses: ["::1"], now: now)

        let info = try await ca.verify(chainPEM: node.chainPEM, now: now + 3600)
        #expect(info.nodeId == "node-a")
        #expect(try await CertificateInfo.validate(chainPEM: node.certificatePEM, againstCA: ca.certificatePEM, now: now).nodeId == "node-a")

        let error = try await #require(throws: TrustError.self) {
            try await second.verify(chainPEM: node.chainPEM, now: now + 3600)
        }
        #expect(error.code == .untrusted)
    }

    @Test("a certificate from another CA fails, even when presented with our CA certificate in its chain")
    func foreignCA() async throws {
        let ours = try FederationCA.create(name: "Ours", now: now)
        let theirs = try FederationCA.create(name: "Theirs", now: now)
        let intruder = try theirs.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        for chain in [intruder.certificatePEM, intruder.chainPEM, intruder.certificatePEM + ours.certificatePEM] {
            await #expect(throws: TrustError(.untrusted, "")) {
                try await ours.verify(chainPEM: chain, now: now + 60)
            }
        }
    }

    @Test("a forged certificate naming our CA as issuer but signed by another key fails")
    func forgedIssuer() async throws {
        let ours = try FederationCA.create(name: "Ours", now: now)
        let oursCertificate = try Certificate(pemEncoded: ours.certificatePEM)
        let forged = try Self.makeLeaf(
            issuer: oursCertificate.subject,
            signer: P256.Signing.PrivateKey(),
            uris: ["casebridge://node/node-a"]
        )
        await #expect(throws: TrustError(.untrusted, "")) {
            try await ours.verify(chainPEM: forged, now: now + 60)
        }
    }

    @Test("expired and not-yet-valid node certificates fail with their own codes")
    func validityWindow() async throws {
        let ca = try FederationCA.create(name: "Test Federation", now: now)
        let node = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        _ = try await ca.verify(chainPEM: node.chainPEM, now: now + 30 * 86_400 - 1)
        await #expect(throws: TrustError(.expired, "")) {
            try await ca.verify(chainPEM: node.chainPEM, now: now + 30 * 86_400 + 1)
        }
        await #expect(throws: TrustError(.notYetValid, "")) {
            try await ca.verify(chainPEM: node.chainPEM, now: now - 3600)
        }
    }

    @Test("certificates signed by the CA but outside the node profile fail")
    func profile() async throws {
        let ca = try FederationCA.create(name: "Test Federation", now: now)
        let caCertificate = try Certificate(pemEncoded: ca.certificatePEM)
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: ca.privateKeyPEM)

        let good = try Self.makeLeaf(issuer: caCertificate.subject, signer: caKey, uris: ["casebridge://node/node-a"])
        #expect(try await ca.verify(chainPEM: good, now: now + 60).nodeId == "node-a")

        let twoNodes = try Self.makeLeaf(
            issuer: caCertificate.subject,
            signer: caKey,
            uris: ["casebridge://node/node-a", "casebridge://node/node-b"]
        )
        #expect(try CertificateInfo.parse(pem: twoNodes).nodeId == nil)
        let noNode = try Self.makeLeaf(issuer: caCertificate.subject, signer: caKey, uris: ["https://example.org"])
        let badNode = try Self.makeLeaf(issuer: caCertificate.subject, signer: caKey, uris: ["casebridge://node/Node_A"])
        #expect(try CertificateInfo.parse(pem: badNode).nodeId == nil)
        let serverOnly = try Self.makeLeaf(
            issuer: caCertificate.subject,
            signer: caKey,
            uris: ["casebridge://node/node-a"],
            usages: [.serverAuth]
        )
        for leaf in [twoNodes, noNode, badNode, serverOnly] {
            await #expect(throws: TrustError(.untrusted, "")) {
                try await ca.verify(chainPEM: leaf, now: now + 60)
            }
        }
    }

    @Test("garbage input fails as invalidEncoding")
    func garbage() async throws {
        let ca = try FederationCA.create(name: "Test Federation", now: now)
        await #expect(throws: TrustError(.invalidEncoding, "")) {
            try await ca.verify(chainPEM: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", now: now)
        }
        await #expect(throws: TrustError(.invalidEncoding, "")) {
            try await ca.verify(chainPEM: ca.privateKeyPEM, now: now)
        }
    }

    /// A leaf certificate built directly with swift-certificates, for profiles our issuer never produces.
    static func makeLeaf(
        issuer: DistinguishedName,
        signer: P256.Signing.PrivateKey,
        uris: [String],
        usages: [ExtendedKeyUsage.Usage] = [.serverAuth, .clientAuth]
    ) throws -> String {
        let key = P256.Signing.PrivateKey()
        let start = Date(timeIntervalSince1970: 1_750_000_000)
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: start,
            notValidAfter: start + 86_400,
            issuer: issuer,
            subject: try DistinguishedName { CommonName("crafted") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                try ExtendedKeyUsage(usages)
                SubjectAlternativeNames(uris.map { .uniformResourceIdentifier($0) })
            },
            issuerPrivateKey: Certificate.PrivateKey(signer)
        )
        return try certificate.serializeAsPEM().pemString + "\n"
    }
}

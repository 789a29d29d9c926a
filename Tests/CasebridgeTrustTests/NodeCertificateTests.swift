import CasebridgeTrust
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@Suite("Node certificates")
struct NodeCertificateTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    func makeCA(_ name: String = "Test Federation") throws -> FederationCA {
        try FederationCA.create(name: name, now: now - 86_400)
    }

    @Test("a node certificate parses back with its node id, names, SANs and a 30-day validity")
    func parsesBack() throws {
        let ca = try makeCA()
        let node = try ca.issueNodeCertificate(
            nodeId: "node-a",
            dnsNames: ["Node-A.example.org", "localhost"],
            ipAddresses: ["127.0.0.1"],
            now: now + 0.9
        )
        let info = try CertificateInfo.parse(pem: node.chainPEM)
        #expect(node.nodeId == "node-a")
        #expect(info.nodeId == "node-a")
        #expect(info.subject == "CN=node-a,O=Test Federation")
        #expect(info.issuer == ca.info.subject)
        #expect(info.uris == ["casebridge://node/node-a"])
        #expect(info.dnsNames == ["node-a.example.org", "localhost"])
        #expect(info.ipAddresses == ["127.0.0.1"])
        #expect(!info.isCertificateAuthority)
        #expect(info.notAfter == now + 30 * 86_400)
        #expect(info.notBefore == now - FederationCA.clockSkewAllowance)
        #expect(info.serial.count == 32)
        #expect(info.sha256Fingerprint.count == 64)
        #expect(info == node.info)
    }

    @Test("the certificate carries the TLS node profile extensions")
    func extensions() throws {
        let ca = try makeCA()
        let node = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        let certificate = try Certificate(pemEncoded: node.certificatePEM)
        let caCertificate = try Certificate(pemEncoded: ca.certificatePEM)
        #expect(try certificate.extensions.basicConstraints == .notCertificateAuthority)
        let keyUsage = try #require(try certificate.extensions.keyUsage)
        #expect(keyUsage.digitalSignature && keyUsage.keyAgreement && !keyUsage.keyCertSign)
        let usages = try #require(try certificate.extensions.extendedKeyUsage)
        #expect(Set(usages) == [.serverAuth, .clientAuth])
        let authorityKeyId = try #require(try certificate.extensions.authorityKeyIdentifier?.keyIdentifier)
        #expect(authorityKeyId == (try caCertificate.extensions.subjectKeyIdentifier?.keyIdentifier))
        #expect(try certificate.extensions.subjectKeyIdentifier != nil)
        #expect(P256.Signing.PublicKey(certificate.publicKey) != nil)
        #expect(certificate.signatureAlgorithm == .ecdsaWithSHA256)
        #expect(certificate.serialNumber.bytes.count == 16)
    }

    @Test("each node gets a fresh key and a fresh serial")
    func freshKeys() throws {
        let ca = try makeCA()
        let a = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        let b = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        #expect(a.privateKeyPEM != b.privateKeyPEM)
        #expect(a.privateKeyPEM != ca.privateKeyPEM)
        #expect(a.info.serial != b.info.serial)
    }

    @Test("IPv6 and IPv4 addresses become 16- and 4-byte iPAddress names")
    func ipAddresses() throws {
        let ca = try makeCA()
        let node = try ca.issueNodeCertificate(
            nodeId: "node-v6",
            dnsNames: [],
            ipAddresses: ["::1", "2001:DB8:0:0::1", "10.1.2.3", "::1"],
            now: now
        )
        #expect(node.info.ipAddresses == ["::1", "2001:db8::1", "10.1.2.3"])
        let certificate = try Certificate(pemEncoded: node.certificatePEM)
        let lengths = try #require(try certificate.extensions.subjectAlternativeNames).compactMap { name -> Int? in
            if case .ipAddress(let octets) = name { return octets.bytes.count }
            return nil
        }
        #expect(lengths == [16, 16, 4])
    }

    @Test(
        "bad IP addresses and DNS names are refused",
        arguments: [
            ([], ["300.1.1.1"]), ([], ["fe80::1%eth0"]), ([], ["localhost"]), ([], [""]),
            (["-bad.example"], []), (["a..b"], []), (["under_score.example"], []), ([""], []), (["10.0.0.1/8"], []),
        ] as [([String], [String])]
    )
    func badNames(dns: [String], ips: [String]) throws {
        let ca = try makeCA()
        let error = try #require(throws: TrustError.self) {
            try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: dns, ipAddresses: ips, now: now)
        }
        #expect(error.code == (ips.isEmpty ? .invalidDNSName : .invalidIPAddress))
    }

    @Test(
        "node ids outside ^[a-z0-9][a-z0-9-]{0,62}$ are refused",
        arguments: [
            "", "Node-a", "-node", "node_a", "node.a", "node a", "node/a", "nöde", "node-a\n",
            String(repeating: "a", count: 64),
        ]
    )
    func badNodeIds(nodeId: String) throws {
        let ca = try makeCA()
        #expect(!NodeIdentity.isValid(nodeId))
        #expect(throws: TrustError(.invalidNodeId, "")) {
            try ca.issueNodeCertificate(nodeId: nodeId, dnsNames: [], ipAddresses: [], now: now)
        }
    }

    @Test("valid node ids are accepted", arguments: ["a", "0", "node-1", "a-", String(repeating: "z", count: 63)])
    func goodNodeIds(nodeId: String) throws {
        let ca = try makeCA()
        let node = try ca.issueNodeCertificate(nodeId: nodeId, dnsNames: [], ipAddresses: [], now: now)
        #expect(node.info.nodeId == nodeId)
    }

    @Test("validity outside 1...3650 days or beyond the CA's expiry is refused")
    func validityBounds() throws {
        let ca = try makeCA()
        for days in [0, -1, 3651] {
            #expect(throws: TrustError(.invalidValidity, "")) {
                try ca.issueNodeCertificate(nodeId: "n", dnsNames: [], ipAddresses: [], validityDays: days, now: now)
            }
        }
        let shortCA = try FederationCA.create(name: "Short", validityDays: 10, now: now)
        #expect(throws: TrustError(.invalidValidity, "")) {
            try shortCA.issueNodeCertificate(nodeId: "n", dnsNames: [], ipAddresses: [], now: now)
        }
        #expect(throws: TrustError(.invalidValidity, "")) {
            try shortCA.issueNodeCertificate(nodeId: "n", dnsNames: [], ipAddresses: [], validityDays: 1, now: now + 20 * 86_400)
        }
        #expect(try shortCA.issueNodeCertificate(nodeId: "n", dnsNames: [], ipAddresses: [], validityDays: 10, now: now).info.nodeId == "n")
    }

    @Test("write creates a self-contained node directory with a 0600 key, refusing to overwrite")
    func writeNodeDirectory() throws {
        let dir = TestDirectory()
        let ca = try makeCA()
        let node = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: ["localhost"], ipAddresses: ["::1"], now: now)
        try node.write(to: dir.root)
        #expect(try dir.mode("node.key") == 0o600)
        #expect(try dir.mode("node.pem") == 0o644)
        #expect(try dir.mode("ca.pem") == 0o644)
        #expect(try dir.read("node.pem") == node.certificatePEM + ca.certificatePEM)
        #expect(try dir.read("ca.pem") == ca.certificatePEM)
        #expect(try dir.read("node.key") == node.privateKeyPEM)

        let other = try ca.issueNodeCertificate(nodeId: "node-b", dnsNames: [], ipAddresses: [], now: now)
        #expect(throws: TrustError(.fileExists, "")) { try other.write(to: dir.root) }
        #expect(try dir.read("node.key") == node.privateKeyPEM)

        let loaded = try NodeCertificate.load(from: dir.root)
        #expect(loaded.nodeId == "node-a")
        #expect(loaded.info == node.info)
        #expect(loaded.chainPEM == node.chainPEM)
    }

    @Test("NodeCertificate.load refuses a loose node key")
    func looseNodeKey() throws {
        let dir = TestDirectory()
        let node = try makeCA().issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        try node.write(to: dir.root)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir.path("node.key"))
        let error = try #require(throws: TrustError.self) { try NodeCertificate.load(from: dir.root) }
        #expect(error.code == .insecureKeyFile)
        #expect(error.reason.contains(dir.path("node.key")))
    }

    @Test("nodeId(fromDER:) reads the node id of a DER certificate and rejects garbage")
    func nodeIdFromDER() throws {
        let node = try makeCA().issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [], now: now)
        let der = try PEMDocument(pemString: node.certificatePEM).derBytes
        #expect(CertificateInfo.nodeId(fromDER: der) == "node-a")
        #expect(try CertificateInfo.parse(der: der) == node.info)
        #expect(CertificateInfo.nodeId(fromDER: Array(der.dropLast())) == nil)
        #expect(CertificateInfo.nodeId(fromDER: []) == nil)
        #expect(throws: TrustError(.invalidEncoding, "")) { try CertificateInfo.parse(der: [0x30, 0x00]) }
        #expect(throws: TrustError(.invalidEncoding, "")) { try CertificateInfo.parse(pem: "hello") }
    }
}

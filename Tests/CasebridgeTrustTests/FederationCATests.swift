import CasebridgeTrust
import Foundation
import Testing

@Suite("Federation CA")
struct FederationCATests {
    @Test("create makes a self-signed P-256 CA named after the federation")
    func create() throws {
        let now = Date(timeIntervalSince1970: 1_750_000_000.75)
        let ca = try FederationCA.create(name: "Test Federation", now: now)
        let info = ca.info
        #expect(info.subject == "CN=Test Federation,O=Test Federation")
        #expect(info.issuer == info.subject)
        #expect(info.isCertificateAuthority)
        #expect(info.notAfter == Date(timeIntervalSince1970: 1_750_000_000) + 3650 * 86_400)
        #expect(info.notBefore == Date(timeIntervalSince1970: 1_750_000_000) - FederationCA.clockSkewAllowance)
        #expect(ca.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(ca.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(info.serial.count == 32)
        #expect(try CertificateInfo.parse(pem: ca.certificatePEM) == info)
    }

    @Test("bad federation names are refused", arguments: ["", String(repeating: "x", count: 65), "a\nb", " padded"])
    func badNames(name: String) {
        #expect(throws: TrustError(.invalidName, "")) { try FederationCA.create(name: name) }
    }

    @Test("write creates ca.pem 0644 and ca.key 0600, and load reads them back")
    func writeAndLoad() throws {
        let dir = TestDirectory()
        let ca = try FederationCA.create(name: "Test Federation")
        try ca.write(to: dir.path("ca"))
        #expect(try dir.mode("ca/ca.key") == 0o600)
        #expect(try dir.mode("ca/ca.pem") == 0o644)
        #expect(try dir.mode("ca") == 0o700)
        #expect(try dir.read("ca/ca.key") == ca.privateKeyPEM)

        let loaded = try FederationCA.load(from: dir.path("ca"))
        #expect(loaded.name == "Test Federation")
        #expect(loaded.info.sha256Fingerprint == ca.info.sha256Fingerprint)
        #expect(loaded.privateKeyPEM == ca.privateKeyPEM)
    }

    @Test("write refuses to overwrite an existing CA, and leaves it intact")
    func writeRefusesOverwrite() throws {
        let dir = TestDirectory()
        let first = try FederationCA.create(name: "First")
        try first.write(to: dir.root)
        let second = try FederationCA.create(name: "Second")
        #expect(throws: TrustError(.fileExists, "")) { try second.write(to: dir.root) }
        #expect(try dir.read("ca.key") == first.privateKeyPEM)
        #expect(try dir.read("ca.pem") == first.certificatePEM)
    }

    @Test("write refuses when only one of the two files exists, and creates nothing")
    func writeRefusesPartial() throws {
        let dir = TestDirectory()
        try "not a cert".write(toFile: dir.path("ca.pem"), atomically: false, encoding: .utf8)
        let ca = try FederationCA.create(name: "Test Federation")
        #expect(throws: TrustError(.fileExists, "")) { try ca.write(to: dir.root) }
        #expect(!FileManager.default.fileExists(atPath: dir.path("ca.key")))
    }

    @Test("load refuses a key file readable by group or others, naming the file", arguments: [0o640, 0o604, 0o644, 0o660])
    func looseKeyRefused(mode: Int) throws {
        let dir = TestDirectory()
        try FederationCA.create(name: "Test Federation").write(to: dir.root)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: dir.path("ca.key"))
        let error = try #require(throws: TrustError.self) { try FederationCA.load(from: dir.root) }
        #expect(error.code == .insecureKeyFile)
        #expect(error.reason.contains(dir.path("ca.key")))
        #expect(!error.description.contains("PRIVATE KEY"))
    }

    @Test("load accepts an owner-only key file stricter than 0600")
    func strictKeyAccepted() throws {
        let dir = TestDirectory()
        try FederationCA.create(name: "Test Federation").write(to: dir.root)
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: dir.path("ca.key"))
        #expect(try FederationCA.load(from: dir.root).name == "Test Federation")
    }

    @Test("load refuses a key that belongs to another certificate")
    func keyMismatch() throws {
        let dir = TestDirectory()
        let ca = try FederationCA.create(name: "Test Federation")
        try ca.write(to: dir.root)
        try FileManager.default.removeItem(atPath: dir.path("ca.pem"))
        try FederationCA.create(name: "Test Federation").certificatePEM
            .write(toFile: dir.path("ca.pem"), atomically: false, encoding: .utf8)
        #expect(throws: TrustError(.keyMismatch, "")) { try FederationCA.load(from: dir.root) }
    }

    @Test("a node certificate cannot serve as the federation CA")
    func nodeCertificateIsNotACA() throws {
        let ca = try FederationCA.create(name: "Test Federation")
        let node = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [])
        #expect(throws: TrustError(.notCertificateAuthority, "")) {
            try FederationCA(certificatePEM: node.certificatePEM, privateKeyPEM: node.privateKeyPEM)
        }
    }

    @Test("descriptions never contain private key material")
    func descriptionsHideKeys() throws {
        let ca = try FederationCA.create(name: "Test Federation")
        let node = try ca.issueNodeCertificate(nodeId: "node-a", dnsNames: [], ipAddresses: [])
        let keyBody = ca.privateKeyPEM.split(separator: "\n")[1]
        let nodeKeyBody = node.privateKeyPEM.split(separator: "\n")[1]
        var dumped = ""
        dump(ca, to: &dumped)
        dump(node, to: &dumped)
        for text in [String(describing: ca), String(reflecting: ca), String(describing: node), String(reflecting: node), dumped] {
            #expect(!text.contains(keyBody))
            #expect(!text.contains(nodeKeyBody))
            #expect(!text.contains("PRIVATE KEY"))
        }
    }

    @Test("TrustError equality is on the code; description has code and reason")
    func trustError() {
        let error = TrustError(.expired, "certificate CN=x expired")
        #expect(error == TrustError(.expired, "something else"))
        #expect(error != TrustError(.untrusted, "certificate CN=x expired"))
        #expect(error.description == "TrustError.expired: certificate CN=x expired")
        #expect(error.debugDescription.contains("FederationCATests.swift"))
    }
}

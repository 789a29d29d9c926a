import AsyncHTTPClient
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import CasebridgeTestSupport
import CasebridgeTrust
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// TLS certificate lifecycle on real nodes (real PostgreSQL, real mutual TLS on 127.0.0.1): renewal and hot reload,
/// revocation lists spreading through the federation, expiry visibility.
@Suite(.serialized) struct CertificateLifecycleTests {
    static let pkey = PseudonymKey.generate()

    // MARK: Renewal and hot reload

    /// B's certificate is renewed (by `cert renew`'s code) while A keeps publishing and both pull every second: B picks
    /// the new pair up from the files, new handshakes in both directions present the new serial, nothing fails and
    /// every entry replicates.
    @Test func renewalIsPickedUpMidSyncWithoutSyncErrors() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-renew", ca: ca, pseudonymKey: Self.pkey)
        let b = try TestNode("us-tx-renew", ca: ca, pseudonymKey: Self.pkey)
        b.config.federation.certificateCheckSeconds = 1
        _ = try a.importLines([caseLine("RN-0", phone: "+1 305 555 0100")])
        try await a.start()
        try await b.start()
        try a.trust(b)
        try b.trust(a)
        let oldSerial = try #require(b.server).identities.identity.info.serial
        // Both directions have worked once with the old certificate: the baseline for errors.
        #expect(try await eventually { try b.vector()[a.id] == 1 })
        #expect(try await eventually { try a.seenCertificate(of: b, role: "client")?.serial == oldSerial })
        #expect(try await eventually { try a.seenCertificate(of: b, role: "server")?.serial == oldSerial })
        let errorsBefore = try [a.pullErrors(from: b), b.pullErrors(from: a)]

        // A publishes a case every 150 ms while B's certificate is renewed.
        let publisherStore = try a.db.store()  // its own connection: the test reads a.store meanwhile
        let publisher = Task {
            for i in 1...20 {
                _ = try a.importLines([caseLine("RN-\(i)", phone: "+1 305 555 01\(String(format: "%02d", i))")], store: publisherStore)
                try await Task.sleep(for: .milliseconds(150))
            }
        }
        try await Task.sleep(for: .milliseconds(600))
        let renewed = try CertificateRenewal.renew(nodeId: b.id, settings: b.config.federation, caDirectory: ca.dir + "/ca")
        let newSerial = renewed.certificate.info.serial
        #expect(newSerial != oldSerial)
        #expect(renewed.certificate.info.ipAddresses == ["127.0.0.1"] && renewed.certificate.info.dnsNames == ["localhost"])
        #expect(try await eventually(timeout: 15) { try #require(b.server).identities.identity.info.serial == newSerial })
        // New handshakes: B's pulls from A present the new client certificate; A's handshakes with B see the new server one.
        #expect(try await eventually(timeout: 15) { try a.seenCertificate(of: b, role: "client")?.serial == newSerial })
        #expect(try await eventually(timeout: 15) { try a.seenCertificate(of: b, role: "server")?.serial == newSerial })
        let probe = PeerClient(config: a.config, identities: try TLSIdentityStore(settings: a.config.federation, nodeId: a.id))
        #expect(try await probe.serverCertificate(endpoint: b.endpoint).serial == newSerial)
        await probe.shutdown()
        try await publisher.value
        let target = try a.vector()[a.id]
        #expect(target == 21)
        #expect(try await eventually(timeout: 30) { try b.vector()[a.id] == target })
        #expect(try [a.pullErrors(from: b), b.pullErrors(from: a)] == errorsBefore, "a reload caused sync errors")
        #expect(!b.logs.all.contains("pull failed") && !a.logs.all.contains("pull failed"))
        #expect(b.logs.all.contains("TLS certificate reloaded"))
        for n in [a, b] { await n.stop() }
    }

    /// SIGHUP reloads at once (the file check is set to an hour here, so only the signal can have done it).
    @Test func sighupReloadsTheRenewedCertificate() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-hup", ca: ca, pseudonymKey: Self.pkey)
        a.config.federation.certificateCheckSeconds = 3600
        try await a.start()
        let server = try #require(a.server)
        #expect(try await eventually(timeout: 10) { server.reloader.signalsReady })
        let oldSerial = server.identities.identity.info.serial
        let renewed = try CertificateRenewal.renew(nodeId: a.id, settings: a.config.federation, caDirectory: ca.dir + "/ca")
        try await Task.sleep(for: .milliseconds(1500))
        #expect(server.identities.identity.info.serial == oldSerial, "reloaded without a signal")
        kill(getpid(), SIGHUP)
        #expect(try await eventually(timeout: 10) { server.identities.identity.info.serial == renewed.certificate.info.serial })
        #expect(a.logs.all.contains("trigger=SIGHUP"))
        await a.stop()
    }

    /// A bad new pair is refused with an error in the log and the old certificate stays in use (peers can still pull):
    /// another CA's certificate, a key that does not match, an expired certificate, another node's certificate.
    @Test func badRenewedCertificatesAreRefusedAndTheOldOneStays() async throws {
        let ca = try TestCA(now: Date().addingTimeInterval(-60 * 86_400))
        let a = try TestNode("us-ca-badcert", ca: ca, pseudonymKey: Self.pkey)
        let b = try TestNode("us-tx-badcert", ca: ca, pseudonymKey: Self.pkey)
        b.config.federation.certificateCheckSeconds = 3600
        try await a.start()
        try await b.start()
        try a.trust(b)
        try b.trust(a)
        let server = try #require(b.server)
        let inUse = server.identities.identity.info.serial
        let f = b.config.federation
        let foreign = try TestCA(name: "Foreign Federation")
        let fresh = { try ca.ca.issueNodeCertificate(nodeId: b.id, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"]) }
        let cases: [(String, () throws -> Void)] = [
            ("untrusted", { try foreign.ca.issueNodeCertificate(nodeId: b.id, dnsNames: [], ipAddresses: ["127.0.0.1"]).install(certificatePath: f.certificatePath, keyPath: f.keyPath) }),
            ("keyMismatch", {
                let one = try fresh(), two = try fresh()
                try one.install(certificatePath: f.certificatePath, keyPath: f.keyPath)
                try two.install(certificatePath: f.certificatePath + ".other", keyPath: f.keyPath)
            }),
            ("expired", {
                try ca.ca.issueNodeCertificate(nodeId: b.id, dnsNames: [], ipAddresses: ["127.0.0.1"], validityDays: 1, now: Date().addingTimeInterval(-10 * 86_400))
                    .install(certificatePath: f.certificatePath, keyPath: f.keyPath)
            }),
            ("wrongNode", { try ca.ca.issueNodeCertificate(nodeId: a.id, dnsNames: [], ipAddresses: ["127.0.0.1"]).install(certificatePath: f.certificatePath, keyPath: f.keyPath) }),
        ]
        for (code, write) in cases {
            try write()
            let outcome = await server.reloader.reload(trigger: "test", force: true)
            guard case .refused(let reason) = outcome else {
                Issue.record("\(code): expected a refusal, got \(outcome)")
                continue
            }
            #expect(reason.contains(code), "\(code): \(reason)")
            #expect(server.identities.identity.info.serial == inUse)
        }
        // A well-formed successor whose serial the installed revocation list revokes is refused as well.
        let revokedSuccessor = try fresh()
        let list = try ca.ca.signRevocationList(revoked: [.init(serial: revokedSuccessor.info.serial, nodeId: b.id, revokedAt: Date())], sequence: 1)
        #expect(try RevocationLists.install(document: list.document, caPEM: ca.ca.certificatePEM, source: "test", store: b.store) == .installed(sequence: 1, revoked: 1))
        try revokedSuccessor.install(certificatePath: f.certificatePath, keyPath: f.keyPath)
        if case .refused(let reason) = await server.reloader.reload(trigger: "test", force: true) {
            #expect(reason.contains("revoked"), "\(reason)")
        } else {
            Issue.record("a revoked successor was not refused")
        }
        #expect(server.identities.identity.info.serial == inUse)
        #expect(b.logs.all.contains("new TLS certificate refused; the old one stays in use"))
        // The old certificate still serves: A's handshake with B presents it, and A pulls from B.
        let probe = PeerClient(config: a.config, identities: try TLSIdentityStore(settings: a.config.federation, nodeId: a.id))
        #expect(try await probe.serverCertificate(endpoint: b.endpoint).serial == inUse)
        await probe.shutdown()
        _ = try b.importLines([caseLine("BC-1", jurisdiction: "US-TX", phone: "+1 305 555 0190")])
        #expect(try await eventually { try a.vector()[b.id] == 1 })
        // A good renewal is then taken.
        let good = try fresh()
        try good.install(certificatePath: f.certificatePath, keyPath: f.keyPath)
        #expect(await server.reloader.reload(trigger: "test", force: false) == .reloaded(serial: good.info.serial))
        for n in [a, b] { await n.stop() }
    }

    /// `cert renew` refuses without the CA, for a certificate of another node, with broken files and with another
    /// federation's CA, and changes no file when it refuses.
    @Test func renewRefusesMissingCAWrongNodeBadFilesAndForeignCA() async throws {
        let ca = try TestCA()
        let dir = try ca.issue("us-ca-renewcli")
        var f = FederationSettings()
        f.certificatePath = dir + "/node.pem"
        f.keyPath = dir + "/node.key"
        f.caPath = dir + "/ca.pem"
        let before = try String(contentsOfFile: f.certificatePath, encoding: .utf8)
        func refusal(_ body: () throws -> Void) -> TrustError.Code? {
            do { try body() } catch let e as TrustError { return e.code } catch { return nil }
            return nil
        }
        #expect(refusal { _ = try CertificateRenewal.renew(nodeId: "us-ca-renewcli", settings: f, caDirectory: ca.dir + "/missing") } == .fileIO)
        #expect(refusal { _ = try CertificateRenewal.renew(nodeId: "us-tx-other", settings: f, caDirectory: ca.dir + "/ca") } == .wrongNode)
        let foreign = try TestCA(name: "Foreign Federation")
        #expect(refusal { _ = try CertificateRenewal.renew(nodeId: "us-ca-renewcli", settings: f, caDirectory: foreign.dir + "/ca") } == .untrusted)
        #expect(try String(contentsOfFile: f.certificatePath, encoding: .utf8) == before)
        var broken = f
        broken.certificatePath = dir + "/garbage.pem"
        try "not a certificate\n".write(toFile: broken.certificatePath, atomically: true, encoding: .utf8)
        #expect(refusal { _ = try CertificateRenewal.renew(nodeId: "us-ca-renewcli", settings: broken, caDirectory: ca.dir + "/ca") } == .invalidEncoding)
        broken = f
        broken.certificatePath = dir + "/absent.pem"
        #expect(refusal { _ = try CertificateRenewal.renew(nodeId: "us-ca-renewcli", settings: broken, caDirectory: ca.dir + "/ca") } == .fileIO)
        // A CA key readable by others is refused too.
        chmod(ca.dir + "/ca/ca.key", 0o644)
        #expect(refusal { _ = try CertificateRenewal.renew(nodeId: "us-ca-renewcli", settings: f, caDirectory: ca.dir + "/ca") } == .insecureKeyFile)
        chmod(ca.dir + "/ca/ca.key", 0o600)
        // The positive case: same names, new key and serial, key 0600, nothing left behind.
        let old = try CertificateInfo.parse(pem: before)
        let r = try CertificateRenewal.renew(nodeId: "us-ca-renewcli", settings: f, caDirectory: ca.dir + "/ca", validityDays: 7)
        let now = try CertificateInfo.parse(pem: try String(contentsOfFile: f.certificatePath, encoding: .utf8))
        #expect(now.serial == r.certificate.info.serial && now.serial != old.serial)
        #expect(now.nodeId == old.nodeId && now.dnsNames == old.dnsNames && now.ipAddresses == old.ipAddresses)
        #expect(now.notAfter.timeIntervalSinceNow < 7 * 86_400 + 60)
        let mode = try FileManager.default.attributesOfItem(atPath: f.keyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.contains(".tmp-") })
        _ = try await NodeCertificate.validateIdentity(
            chainPEM: try String(contentsOfFile: f.certificatePath, encoding: .utf8), keyPEM: try String(contentsOfFile: f.keyPath, encoding: .utf8),
            caPEM: ca.ca.certificatePEM, expectedNodeId: "us-ca-renewcli")
    }

    // MARK: Revocation

    /// C's certificate is revoked at the CA and the list imported at A only. A refuses C at once; B learns the list
    /// from A (A notifies its peers of the newer list; B fetches it at the start of the pull round) and refuses C
    /// too, within one sync interval (the default, 5 s); neither pulls from C any more. B stays admitted.
    @Test func revokedCertificateIsRefusedAtEveryNodeWithinASyncInterval() async throws {
        let interval = 5
        let ca = try TestCA()
        let a = try TestNode("us-ca-revoke", ca: ca, pseudonymKey: Self.pkey, syncInterval: interval)
        let b = try TestNode("us-tx-revoke", ca: ca, pseudonymKey: Self.pkey, syncInterval: interval)
        let c = try TestNode("us-ny-revoke", ca: ca, pseudonymKey: Self.pkey, syncInterval: interval)
        _ = try c.importLines([caseLine("RV-1", jurisdiction: "US-NY", phone: "+1 305 555 0181")])
        for n in [a, b, c] { try await n.start() }
        for n in [a, b, c] { for m in [a, b, c] where m !== n { try n.trust(m) } }
        #expect(try await eventually { try a.vector()[c.id] == 1 && b.vector()[c.id] == 1 })
        let cSerial = try #require(c.server).identities.identity.info.serial
        let cClient = try makeClient(certificateDir: c.tlsDir, caPath: c.tlsDir + "/ca.pem")
        let bClient = try makeClient(certificateDir: b.tlsDir, caPath: b.tlsDir + "/ca.pem")
        #expect(try await federationPull(cClient, a).0 == 200)
        #expect(try await federationPull(cClient, b).0 == 200)

        // At the CA: revoke C's certificate (by its file, as `ca revoke --cert` does) and sign the list.
        var registry = try RevocationRegistry.load(from: ca.dir + "/ca")
        #expect(try registry.revoke(serial: cSerial, nodeId: c.id, reason: "key on a stolen laptop"))
        #expect(try registry.revoke(serial: cSerial.uppercased(), nodeId: c.id, reason: "again") == false)
        let crl = try ca.ca.issueRevocationList(from: &registry)
        try registry.save(to: ca.dir + "/ca")
        #expect(try RevocationRegistry.load(from: ca.dir + "/ca").lastSequence == crl.sequence)

        // Imported at A only.
        let imported = ContinuousClock.now
        #expect(try RevocationLists.install(document: crl.document, caPEM: ca.ca.certificatePEM, source: "test", store: a.store) == .installed(sequence: 1, revoked: 1))
        let (codeA, bodyA) = try await federationPull(cClient, a)
        #expect(codeA == 403 && bodyA.contains("certificate-revoked"))
        var refusedEverywhere: Duration? = nil
        for _ in 0..<200 {
            if try await federationPull(cClient, b).0 == 403 {
                refusedEverywhere = ContinuousClock.now - imported
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let elapsed = try #require(refusedEverywhere, "B never refused C")
        print("revoked certificate refused at every node after \(elapsed) (sync interval \(interval) s)")
        #expect(elapsed < .seconds(interval), "not refused within one sync interval")
        #expect(try b.store.revocationSequence() == 1)
        // The access decision's negative case: B's own certificate is still admitted at A.
        #expect(try await federationPull(bClient, a).0 == 200)
        // Neither A nor B pulls from C any more, and C's own pulls are refused.
        _ = try c.importLines([caseLine("RV-2", jurisdiction: "US-NY", phone: "+1 305 555 0182")])
        #expect(try await eventually(timeout: 20) {
            try (a.store.peerStatus()[c.id]?.lastError ?? "").contains("revoked") && (b.store.peerStatus()[c.id]?.lastError ?? "").contains("revoked")
        })
        try await Task.sleep(for: .seconds(interval))
        #expect(try a.vector()[c.id] == 1 && b.vector()[c.id] == 1)
        #expect(try (c.store.peerStatus()[a.id]?.lastError ?? "").contains("403"))
        // The pull decision's negative case: A still pulls from B.
        _ = try b.importLines([caseLine("RV-3", jurisdiction: "US-TX", phone: "+1 305 555 0183")])
        #expect(try await eventually { try a.vector()[b.id] == 1 })
        let status = try PeersStatus.make(store: a.store)
        #expect(status.revocationList?.sequence == 1)
        #expect(status.peers.first { $0.nodeId == c.id }?.certificates?.contains { $0.serial == cSerial && $0.revoked } == true)
        try await cClient.shutdown()
        try await bClient.shutdown()
        for n in [a, b, c] { await n.stop() }
    }

    /// Lists that do not verify under the federation CA are refused: signed by another CA, tampered with, or naming
    /// another CA; an older list never replaces a newer one. A forged list placed in A's database is refused by B at
    /// sync, and B keeps pulling from A.
    @Test func revocationListsWithBadSignaturesAreRefused() async throws {
        let ca = try TestCA()
        let foreign = try TestCA(name: "Foreign Federation")
        let revoked = [CertificateRevocationList.Revocation(serial: "4abc", nodeId: "us-xx-x", revokedAt: Date())]
        let good = try ca.ca.signRevocationList(revoked: revoked, sequence: 3)
        #expect(try CertificateRevocationList.verify(document: good.document, caPEM: ca.ca.certificatePEM).isRevoked(serial: "4A:BC"))
        func code(_ document: [UInt8]) -> TrustError.Code? {
            do { _ = try CertificateRevocationList.verify(document: document, caPEM: ca.ca.certificatePEM) } catch let e as TrustError { return e.code } catch { return nil }
            return nil
        }
        #expect(code(try foreign.ca.signRevocationList(revoked: revoked, sequence: 9).document) == .invalidSignature)
        // Tampered: the payload re-encoded with one more revoked serial, the old signature kept.
        var envelope = try JSONSerialization.jsonObject(with: Data(good.document)) as! [String: String]
        var payload = try JSONSerialization.jsonObject(with: Data(base64Encoded: envelope["payload"]!)!) as! [String: Any]
        payload["sequence"] = 99
        envelope["payload"] = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]).base64EncodedString()
        #expect(code(Array(try JSONSerialization.data(withJSONObject: envelope))) == .invalidSignature)
        #expect(code(Array("{\"format\":\"x\"}".utf8)) == .invalidEncoding)

        let a = try TestNode("us-ca-crlsig", ca: ca, pseudonymKey: Self.pkey)
        let b = try TestNode("us-tx-crlsig", ca: ca, pseudonymKey: Self.pkey)
        #expect(try RevocationLists.install(document: good.document, caPEM: ca.ca.certificatePEM, source: "test", store: a.store) == .installed(sequence: 3, revoked: 1))
        let older = try ca.ca.signRevocationList(revoked: [], sequence: 2)
        #expect(try RevocationLists.install(document: older.document, caPEM: ca.ca.certificatePEM, source: "test", store: a.store) == .notNewer(installed: 3, offered: 2))
        #expect(try a.store.revokedCertificates().map(\.serial) == ["4abc"])
        // A forged list (foreign key) revoking A's own certificate, slipped into A's database behind the checks.
        let aSerial = try CertificateInfo.parse(pem: String(contentsOfFile: a.config.federation.certificatePath, encoding: .utf8)).serial
        let forged = try foreign.ca.signRevocationList(revoked: [.init(serial: aSerial, nodeId: a.id, revokedAt: Date())], sequence: 50)
        #expect(try a.store.installRevocationList(
            sequence: 50, issuedAt: "2026-01-01T00:00:00Z", caSha256: forged.caSha256, document: String(decoding: forged.document, as: UTF8.self),
            source: "forged", revoked: []))
        try await a.start()
        try await b.start()
        try a.trust(b)
        try b.trust(a)
        _ = try a.importLines([caseLine("CS-1", phone: "+1 305 555 0177")])
        #expect(try await eventually { try b.vector()[a.id] == 1 })
        #expect(try await eventually { b.logs.all.contains("refused the certificate revocation list a peer served") })
        #expect(try b.store.revocationSequence() == 0)
        _ = try a.importLines([caseLine("CS-2", phone: "+1 305 555 0178")])
        #expect(try await eventually { try b.vector()[a.id] == 2 })
        for n in [a, b] { await n.stop() }
    }

    /// A node pulls only from an endpoint whose certificate names the peer it means to reach: a trust-store entry
    /// for C pointing at B's endpoint is refused (`wrong-node`), while B itself is pulled from.
    @Test func pullsOnlyFromTheNodeTheServerCertificateNames() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-wrongnode", ca: ca, pseudonymKey: Self.pkey)
        let b = try TestNode("us-tx-wrongnode", ca: ca, pseudonymKey: Self.pkey)
        let c = try TestNode("us-ny-wrongnode", ca: ca, pseudonymKey: Self.pkey)
        _ = try b.importLines([caseLine("WN-1", jurisdiction: "US-TX", phone: "+1 305 555 0191")])
        try await a.start()
        try await b.start()
        try a.trust(b)
        try b.trust(a)
        var misdirected = try c.card()
        misdirected.endpoint = b.endpoint
        try a.store.upsertPeer(misdirected)
        #expect(try await eventually { try a.vector()[b.id] == 1 })
        #expect(try await eventually {
            (try a.store.peerStatus()[c.id]?.lastError ?? "").contains("presents a certificate for node \(b.id), not \(c.id)")
        })
        #expect(try a.store.peerStatus()[c.id]?.lastSuccess == nil)
        for n in [a, b] { await n.stop() }
    }

    // MARK: Expiry

    /// A certificate close to expiry is logged as a warning at start; its days to expiry, and those of the
    /// certificates a peer presented, are on /metrics and in peer status. A certificate far from expiry is not warned.
    @Test func expiryIsVisibleInMetricsStatusAndLogs() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-expiry", ca: ca, pseudonymKey: Self.pkey, certificateDays: 3)
        let b = try TestNode("us-tx-expiry", ca: ca, pseudonymKey: Self.pkey, certificateDays: 30)
        try await a.start()
        try await b.start()
        try a.trust(b)
        try b.trust(a)
        #expect(try await eventually { a.logs.all.contains("this node's TLS certificate expires soon") })
        #expect(!b.logs.all.contains("this node's TLS certificate expires soon"))
        #expect(try await eventually { try b.seenCertificate(of: a, role: "server") != nil && b.seenCertificate(of: a, role: "client") != nil })
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let (code, metrics) = try await get(client, b.localURL + "/metrics")
        let (_, metricsA) = try await get(client, a.localURL + "/metrics")
        try await client.shutdown()
        #expect(code == 200)
        #expect(metricsA.contains("casebridge_tls_certificate_expiry_days{serial="))
        #expect(metricsA.split(separator: "\n").contains { $0.hasPrefix("casebridge_tls_certificate_expiry_days{") && $0.hasSuffix(" 2") })
        #expect(metrics.split(separator: "\n").contains { $0.hasPrefix("casebridge_tls_certificate_expiry_days{") && $0.hasSuffix(" 29") })
        #expect(metrics.split(separator: "\n").contains {
            $0.hasPrefix("casebridge_peer_certificate_expiry_days{peer=\"\(a.id)\",role=\"server\"") && $0.hasSuffix(" 2")
        })
        let own = try CertificateInfo.parse(pem: String(contentsOfFile: b.config.federation.certificatePath, encoding: .utf8))
        let status = try PeersStatus.make(store: b.store, ownCertificate: own)
        #expect(status.certificate?.daysToExpiry == 29)
        #expect(status.peers.first { $0.nodeId == a.id }?.certificates?.allSatisfy { $0.daysToExpiry == 2 } == true)
        for n in [a, b] { await n.stop() }
    }
}

extension TestNode {
    /// The certificate `peer` last presented to this node in `role`.
    func seenCertificate(of peer: TestNode, role: String) throws -> NodeStore.PeerCertificateRow? {
        try store.peerCertificates().first { $0.peer == peer.id && $0.role == role }
    }

    /// Failed pulls from `peer` so far.
    func pullErrors(from peer: TestNode) throws -> Int {
        try store.peerStatus()[peer.id]?.errors ?? 0
    }
}

/// A pull from `node`'s federation API with the client's TLS identity: status and body.
func federationPull(_ client: HTTPClient, _ node: TestNode) async throws -> (Int, String) {
    try await post(client, node.endpoint + "/federation/v1/pull", body: Array(#"{"vector":{}}"#.utf8))
}

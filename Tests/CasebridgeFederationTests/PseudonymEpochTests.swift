import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeServer
import CasebridgeStore
import CasebridgeTestSupport
import Foundation
import Testing

/// A full pseudonymization-key epoch rotation across three real nodes: recall is the same before, during and
/// after, and no token or body of the old epoch is left anywhere at the end.
@Suite(.serialized) struct PseudonymEpochTests {
    static let epoch1 = PseudonymKey.generate(epoch: 1)

    func recall(_ n: TestNode, _ phone: String) throws -> [String] {
        var q = SearchQuery(purpose: "epoch test")
        q.phones = [phone]
        return try n.search(q).map { "\($0.origin)/\($0.caseRef)" }.sorted()
    }

    func converged(_ nodes: [TestNode]) async throws -> Bool {
        try await eventually(timeout: 60) {
            let target = try nodes.map { try $0.vector()[$0.id] ?? 0 }
            return try nodes.allSatisfy { n in try zip(nodes, target).allSatisfy { (o, t) in try n.vector()[o.id] ?? 0 >= t } }
        }
    }

    @Test func aFullEpochRotationKeepsRecallAndLeavesNoOldToken() async throws {
        let ca = try TestCA()
        let a = try TestNode("us-ca-ep", ca: ca, pseudonymKey: Self.epoch1)
        let b = try TestNode("us-tx-ep", ca: ca, pseudonymKey: Self.epoch1)
        let c = try TestNode("us-ny-ep", ca: ca, pseudonymKey: Self.epoch1)
        let nodes = [a, b, c]
        for n in nodes { try await n.start() }
        for x in nodes { for y in nodes where x !== y { try x.trust(y) } }
        let shared = "+1 503 555 0150", onlyB = "+1 503 555 0151"
        _ = try a.importLines([caseLine("EP-A1", phone: shared), caseLine("EP-A2", phone: "+1 503 555 0152")])
        _ = try b.importLines([caseLine("EP-B1", jurisdiction: "US-TX", phone: onlyB)])
        _ = try c.importLines([caseLine("EP-C1", jurisdiction: "US-NY", phone: shared)])
        #expect(try await converged(nodes))
        let expectShared = ["\(a.id)/EP-A1", "\(c.id)/EP-C1"], expectB = ["\(b.id)/EP-B1"]
        func checkRecall(_ when: String) throws {
            for n in nodes {
                #expect(try recall(n, shared) == expectShared, "\(when): shared phone at \(n.id)")
                #expect(try recall(n, onlyB) == expectB, "\(when): B's phone at \(n.id)")
            }
        }
        try checkRecall("before")

        // The federation's next key, handed to each agency out of band.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cb-epoch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let epoch2 = PseudonymKey.generate(epoch: 2)
        try epoch2.write(to: dir + "/epoch2.key")
        func rotate(_ n: TestNode) throws -> EpochManager.RotateReport {
            try EpochManager(context: n.context, logger: n.logger).rotate(newKeyPath: dir + "/epoch2.key", actor: "host:test", store: n.store)
        }
        func step(_ n: TestNode) throws -> EpochManager.StepReport { try EpochManager(context: n.context, logger: n.logger).step(store: n.store) }

        // A wrong key is refused: epoch 3 does not follow 1.
        let skip = PseudonymKey.generate(epoch: 3)
        try skip.write(to: dir + "/epoch3.key")
        #expect(throws: PublishRefused.self) { try EpochManager(context: a.context, logger: a.logger).rotate(newKeyPath: dir + "/epoch3.key", store: a.store) }

        // A installs and announces; B and C have not: A searches under both epochs but keeps publishing under 1.
        let r = try rotate(a)
        #expect(r.epoch == 2 && r.waitingFor.sorted() == [b.id, c.id].sorted())
        #expect(try await converged(nodes))
        #expect(try step(a).switched == false)
        _ = try a.importLines([caseLine("EP-A3", phone: "+1 503 555 0153")])
        #expect(try a.count("SELECT count(*) FROM casebridge.records WHERE record_id = '\(a.id)/EP-A3' AND epoch = 1") == 1)
        try checkRecall("A installed")

        // B and C install. A steps first: it switches and re-tokenizes; B and C still hold epoch-1 records.
        _ = try rotate(b)
        _ = try rotate(c)
        #expect(try await converged(nodes))
        let sa = try step(a)
        #expect(sa.switched && sa.publishEpoch == 2 && sa.republished == 3)
        #expect(sa.retiredEpochs.isEmpty && Set(sa.waitingForRepublication) == [b.id, c.id])
        #expect(try await converged(nodes))
        try checkRecall("during (A on epoch 2, B and C on epoch 1)")

        // B and C re-tokenize; then every node retires epoch 1.
        for n in [b, c] { #expect(try step(n).republished == 1) }
        #expect(try await converged(nodes))
        for n in nodes { _ = try step(n) }
        try checkRecall("after")
        for n in nodes {
            #expect(try n.count("SELECT count(*) FROM casebridge.tokens WHERE epoch = 1") == 0, "no epoch-1 token at \(n.id)")
            #expect(try n.count("SELECT count(*) FROM casebridge.tokens WHERE epoch = 2") > 0)
            #expect(
                try n.count("SELECT count(*) FROM casebridge.origin_log WHERE kind = 1 AND body IS NOT NULL AND (convert_from(body, 'UTF8')::jsonb ->> 'epoch')::int = 1") == 0,
                "no epoch-1 body at \(n.id)")
            #expect(n.context.searchPseudonymKeys.map(\.epoch) == [2])
            #expect(!FileManager.default.fileExists(atPath: n.context.retainedPseudonymKeyPath(epoch: 1)), "old key file gone at \(n.id)")
            #expect(try n.store.localEpochs().map(\.state) == ["retired", "publishing"])
            #expect(try n.store.rejections().isEmpty)
        }
        // New imports are published and found under epoch 2.
        _ = try c.importLines([caseLine("EP-C2", jurisdiction: "US-NY", phone: shared)])
        #expect(try await converged(nodes))
        #expect(try recall(a, shared) == (expectShared + ["\(c.id)/EP-C2"]).sorted())
        for n in nodes { await n.stop() }
    }
}

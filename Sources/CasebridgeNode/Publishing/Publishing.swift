public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Foundation

/// Publishing refused: the node may not sign right now (fence raised, or no valid key). Nothing was written.
public struct PublishRefused: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable { case fenced, key, input }
    public var code: Code
    public var reason: String
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
    public var description: String { reason }
}

/// The one door every writer of this node's origin log goes through (import, delete, purge, audit anchors, key
/// rotation and revocation): it takes the log's lock, refuses to sign while the node might reuse a seq, and hands
/// out the key valid for the next seq.
///
/// Rollback protection: every commit records the log head in a witness file next to the signing key (outside the
/// database, so a database restored from an older backup is behind its witness). While the database head is behind
/// the witness, or an admin raised the fence (`casebridge node fence`), nothing is signed. The node learns its own
/// entries back from its peers (they serve every origin they hold, this node's own included); once a peer has
/// served them up to the witness, the head catches up and publishing resumes (docs/operations/key-compromise.md).
public enum Publishing {
    /// Inside a transaction: locks this node's origin log and returns its head and the key for seq head + 1.
    public static func begin(context: NodeContext, store: NodeStore) throws -> (head: UInt64, key: SigningKey) {
        let head = try store.lockOriginHead(origin: context.config.nodeId)
        if let refused = try refusal(context: context, store: store, head: head) { throw refused }
        try context.refreshPseudonymKeys(store: store)
        return (head, try context.signingKey(validAt: head + 1, store: store))
    }

    /// Why this node may not sign seq `head + 1` now (fence raised, or its database is behind the witness); nil when it
    /// may. `begin` throws it; `casebridge node status` shows it.
    public static func refusal(context: NodeContext, store: NodeStore, head: UInt64) throws -> PublishRefused? {
        if let fence = try store.publishFence(), fence.fenced {
            return PublishRefused(
                .fenced, "publishing is fenced since \(fence.raisedAt): \(fence.reason). It lifts when a peer has served this node's own log "
                    + "(run `casebridge serve` with its peers up), or with `casebridge node confirm-head --force --reason TEXT`")
        }
        if let witness = readWitness(context: context), witness > head {
            return PublishRefused(
                .fenced, "this node signed up to seq \(witness) of \(context.config.nodeId) (witness \(witnessPath(context))) but its database "
                    + "holds only \(head): it was restored from an older backup. Refusing to sign seq \(head + 1) again; run `casebridge serve` "
                    + "until a peer has served this node's own entries back (see `casebridge node status`)")
        }
        return nil
    }

    /// After the transaction committed: advances the witness to `head` (never backwards). A node without a key folder
    /// (tests, benchmarks) keeps none.
    public static func committed(context: NodeContext, head: UInt64) {
        guard !context.config.signingKeyPath.isEmpty, head > (readWitness(context: context) ?? 0) else { return }
        guard FileManager.default.fileExists(atPath: (witnessPath(context) as NSString).deletingLastPathComponent) else { return }
        try? writeWitness(context: context, head: head)
    }

    /// The witness file: next to the signing key, so it travels with the node's keys and not with its database.
    public static func witnessPath(_ context: NodeContext) -> String { context.config.signingKeyPath + ".head" }

    public static func readWitness(context: NodeContext) -> UInt64? {
        guard !context.config.signingKeyPath.isEmpty else { return nil }
        guard let text = try? String(contentsOfFile: witnessPath(context), encoding: .utf8) else { return nil }
        var node: String?, head: UInt64?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "node" { node = parts[1] }
            if parts[0] == "head" { head = UInt64(parts[1]) }
        }
        return node == context.config.nodeId ? head : nil
    }

    /// Writes the witness (atomically: a reader sees the old or the new head). `committed` only ever raises it; an
    /// admin's `node confirm-head --force` lowers it to the database head (the entries above it are lost for good).
    public static func writeWitness(context: NodeContext, head: UInt64) throws {
        let text = "# Casebridge publishing witness: the highest seq this node signed. Do not edit; do not restore from backups.\n"
            + "node: \(context.config.nodeId)\nhead: \(head)\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: witnessPath(context)), options: .atomic)
    }
}

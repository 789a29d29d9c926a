public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Foundation
import Synchronization

/// A node's loaded configuration and keys: what every node operation needs.
public final class NodeContext: Sendable {
    public let config: NodeConfig
    /// The signing key in use; `signingKey(validAt:store:)` reloads it from its file after a rotation.
    private let currentKey: Mutex<SigningKey>
    public var signingKey: SigningKey { currentKey.withLock { $0 } }
    /// The pseudonymization key this node publishes under, and every key it searches under (epochs not retired).
    private let pseudonymKeys: Mutex<(publish: PseudonymKey, search: [PseudonymKey])>
    public var pseudonymKey: PseudonymKey { pseudonymKeys.withLock { $0.publish } }
    public var searchPseudonymKeys: [PseudonymKey] { pseudonymKeys.withLock { $0.search } }
    public let normalizer: IdentifierNormalizer

    /// Loads the keys the configuration names (refusing key files others can read).
    public init(config: NodeConfig) throws {
        self.config = config
        self.currentKey = Mutex(try SigningKey.load(path: config.signingKeyPath))
        let pk = try PseudonymKey.load(path: config.pseudonymKeyPath)
        self.pseudonymKeys = Mutex((pk, [pk]))
        self.normalizer = try IdentifierNormalizer(defaultRegion: config.defaultRegion)
    }

    /// Assembles a context from parts already loaded (tests, benchmarks).
    public init(config: NodeConfig, signingKey: SigningKey, pseudonymKey: PseudonymKey) throws {
        self.config = config
        self.currentKey = Mutex(signingKey)
        self.pseudonymKeys = Mutex((pseudonymKey, [pseudonymKey]))
        self.normalizer = try IdentifierNormalizer(defaultRegion: config.defaultRegion)
    }

    /// Where `keys rotate` puts the new key until the rotation entry is committed.
    public var pendingSigningKeyPath: String { config.signingKeyPath + ".next" }

    /// The key this node must sign seq `seq` with: the one in use when the store says it covers `seq`; otherwise the
    /// key file is read again (another process rotated the key; a rotation cut short between its commit and the
    /// file rename is completed here). Throws when no key at hand may sign `seq`.
    public func signingKey(validAt seq: UInt64, store: NodeStore) throws -> SigningKey {
        let own = try store.signingKeys(origin: config.nodeId)
        func valid(_ k: SigningKey) -> Bool {
            own.contains { $0.keyId == k.publicKey.keyId && seq >= $0.from && ($0.until.map { seq <= $0 } ?? true) }
        }
        let inUse = signingKey
        if valid(inUse) { return inUse }
        let pending = pendingSigningKeyPath
        if FileManager.default.fileExists(atPath: pending), let next = try? SigningKey.load(path: pending), valid(next) {
            _ = rename(pending, config.signingKeyPath)
        }
        if FileManager.default.fileExists(atPath: config.signingKeyPath) {
            let fromFile = try SigningKey.load(path: config.signingKeyPath)
            if valid(fromFile) {
                currentKey.withLock { $0 = fromFile }
                return fromFile
            }
        }
        throw PublishRefused(
            .key, "the signing key \(inUse.publicKey.keyIdHex) in \(config.signingKeyPath) may not sign seq \(seq) of \(config.nodeId) "
                + "(rotated or revoked); restore the current key file or rotate again")
    }

    /// Where a retained key of an older epoch is kept during a pseudonym-epoch transition.
    public func retainedPseudonymKeyPath(epoch: Int) -> String { config.pseudonymKeyPath + ".epoch\(epoch)" }

    /// Loads the key file (newest epoch) and the retained keys of older epochs, drops retired epochs, and publishes
    /// under the newest epoch this node marked `publishing` (every trusted origin holds it). No-op without key files.
    public func refreshPseudonymKeys(store: NodeStore) throws {
        guard !config.pseudonymKeyPath.isEmpty, FileManager.default.fileExists(atPath: config.pseudonymKeyPath) else { return }
        let epochs = try store.localEpochs()
        guard !epochs.isEmpty else { return }
        var keys = [try PseudonymKey.load(path: config.pseudonymKeyPath)]
        for e in epochs where e.epoch != keys[0].epoch && e.state != "retired" {
            let path = retainedPseudonymKeyPath(epoch: e.epoch)
            if FileManager.default.fileExists(atPath: path) { keys.append(try PseudonymKey.load(path: path)) }
        }
        let retired = Set(epochs.filter { $0.state == "retired" }.map(\.epoch))
        keys.removeAll { retired.contains($0.epoch) }
        let publishing = epochs.filter { $0.state == "publishing" }.map(\.epoch).max()
        guard let publish = keys.first(where: { $0.epoch == publishing }) ?? keys.min(by: { $0.epoch < $1.epoch }) else { return }
        pseudonymKeys.withLock { $0 = (publish, keys.sorted { $0.epoch > $1.epoch }) }
    }

    /// The validator configured for this node.
    public var validator: CaseValidator { CaseValidator(normalizer: normalizer, dateOrder: config.dateOrder) }

    /// The pseudonymizer configured for this node.
    public var pseudonymizer: Pseudonymizer {
        Pseudonymizer(key: pseudonymKey, agency: config.agency, publishRoles: config.publishRoles)
    }

    /// Alert scan settings from the configuration.
    public var alertSettings: NodeStore.AlertScanSettings {
        .init(config.investigators)
    }

    /// The record id of one of this node's cases: `nodeId/caseRef`.
    public func recordId(caseRef: String) -> String { "\(config.nodeId)/\(caseRef)" }
}

public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore

/// A node's loaded configuration and keys: what every node operation needs.
public final class NodeContext: Sendable {
    public let config: NodeConfig
    public let signingKey: SigningKey
    public let pseudonymKey: PseudonymKey
    public let normalizer: IdentifierNormalizer

    /// Loads the keys the configuration names (refusing key files others can read).
    public init(config: NodeConfig) throws {
        self.config = config
        self.signingKey = try SigningKey.load(path: config.signingKeyPath)
        self.pseudonymKey = try PseudonymKey.load(path: config.pseudonymKeyPath)
        self.normalizer = try IdentifierNormalizer(defaultRegion: config.defaultRegion)
    }

    /// Assembles a context from parts already loaded (tests, benchmarks).
    public init(config: NodeConfig, signingKey: SigningKey, pseudonymKey: PseudonymKey) throws {
        self.config = config
        self.signingKey = signingKey
        self.pseudonymKey = pseudonymKey
        self.normalizer = try IdentifierNormalizer(defaultRegion: config.defaultRegion)
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

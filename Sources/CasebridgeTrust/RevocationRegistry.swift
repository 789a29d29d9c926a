public import Foundation

/// The federation CA's own record of revoked node certificates, kept next to the CA key as `revocations.json`,
/// and the sequence number of the last revocation list it signed.
public struct RevocationRegistry: Sendable, Hashable, Codable {
    /// The file name inside a CA directory.
    public static let fileName = "revocations.json"

    /// The sequence number of the last list signed from this registry (0: none yet).
    public var lastSequence: UInt64
    /// Every certificate the CA has revoked.
    public var revoked: [CertificateRevocationList.Revocation]

    /// An empty registry.
    public init() {
        lastSequence = 0
        revoked = []
    }

    /// Loads `dir/revocations.json`; a CA directory without one has an empty registry.
    public static func load(from dir: String) throws -> RevocationRegistry {
        let path = SecureFile.path(dir, fileName)
        guard FileManager.default.fileExists(atPath: path) else { return RevocationRegistry() }
        let text = try SecureFile.read(path)
        do {
            return try CertificateRevocationList.decoder.decode(RevocationRegistry.self, from: Data(text.utf8))
        } catch {
            throw TrustError(.invalidEncoding, "\(path) is not a revocation registry: \(error)")
        }
    }

    /// Writes `dir/revocations.json` atomically (0644).
    public func save(to dir: String) throws {
        let data: Data
        do {
            let encoder = CertificateRevocationList.encoder
            encoder.outputFormatting.insert(.prettyPrinted)
            data = try encoder.encode(self)
        } catch {
            throw TrustError(.fileIO, "cannot encode the revocation registry: \(error)")
        }
        try SecureFile.replaceAtomically(SecureFile.path(dir, Self.fileName), contents: String(decoding: data, as: UTF8.self) + "\n", mode: 0o644)
    }

    /// Records a revocation. Returns `false` (and changes nothing) if the serial is already revoked.
    @discardableResult
    public mutating func revoke(serial: String, nodeId: String?, reason: String?, now: Date = Date()) throws -> Bool {
        let entry = CertificateRevocationList.Revocation(serial: serial, nodeId: nodeId, revokedAt: now, reason: reason)
        guard !entry.serial.isEmpty, entry.serial.count <= 64, entry.serial.allSatisfy(\.isHexDigit) else {
            throw TrustError(.invalidEncoding, "a certificate serial must be 1 to 64 hex digits")
        }
        if let reason, reason.count > 200 || reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw TrustError(.invalidEncoding, "the revocation reason must be at most 200 characters without control characters")
        }
        guard !revoked.contains(where: { $0.serial == entry.serial }) else { return false }
        revoked.append(entry)
        return true
    }
}

extension FederationCA {
    /// Signs the registry's revocations as the next list (sequence `lastSequence + 1`) and advances the registry.
    public func issueRevocationList(from registry: inout RevocationRegistry, now: Date = Date()) throws -> CertificateRevocationList {
        let crl = try signRevocationList(revoked: registry.revoked, sequence: registry.lastSequence + 1, now: now)
        registry.lastSequence = crl.sequence
        return crl
    }
}

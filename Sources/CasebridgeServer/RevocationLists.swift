public import CasebridgeCore
public import CasebridgeStore
public import CasebridgeTrust
import Foundation
import Synchronization

/// Installing certificate revocation lists (from the CLI or from a peer) and recording the certificates peers present.
public enum RevocationLists {
    /// What installing a list did.
    public enum Outcome: Sendable, Equatable {
        /// The list is now in force.
        case installed(sequence: UInt64, revoked: Int)
        /// The installed list's sequence is the same or higher: nothing changed.
        case notNewer(installed: UInt64, offered: UInt64)
    }

    /// Verifies `document` against the federation CA certificate `caPEM` and installs it if it is newer than the
    /// installed list. Throws ``TrustError`` (``TrustError/Code/invalidSignature``...) for a list that does not verify.
    public static func install(
        document: [UInt8], caPEM: String, source: String, store: NodeStore, audit: (event: AuditEvent, chain: AuditChain)? = nil
    ) throws -> Outcome {
        let crl = try CertificateRevocationList.verify(document: document, caPEM: caPEM)
        let iso = ISO8601DateFormatter()
        var event = audit
        event?.event.counts = ["sequence": Int(crl.sequence), "revoked": crl.revoked.count]
        let installed = try store.installRevocationList(
            sequence: crl.sequence, issuedAt: iso.string(from: crl.issuedAt), caSha256: crl.caSha256,
            document: String(decoding: crl.document, as: UTF8.self), source: source,
            revoked: crl.revoked.map {
                NodeStore.RevokedCertificateRow(serial: $0.serial, nodeId: $0.nodeId, revokedAt: iso.string(from: $0.revokedAt), reason: $0.reason)
            },
            audit: event)
        if installed { return .installed(sequence: crl.sequence, revoked: crl.revoked.count) }
        return .notNewer(installed: try store.revocationSequence(), offered: crl.sequence)
    }
}

/// Remembers which certificate each peer presented so the database is written only when it changes (or once a minute).
final class PeerCertificateLog: Sendable {
    private let seen = Mutex<[String: (serial: String, at: ContinuousClock.Instant)]>([:])

    /// Records `info` for `peer` in `role` if it is new or the last record is older than a minute.
    func note(peer: String, role: String, info: CertificateInfo, pool: StorePool) async {
        let key = peer + "/" + role
        let now = ContinuousClock.now
        let due = seen.withLock { s -> Bool in
            if let last = s[key], last.serial == info.serial, now - last.at < .seconds(60) { return false }
            s[key] = (info.serial, now)
            return true
        }
        guard due else { return }
        let notAfter = ISO8601DateFormatter().string(from: info.notAfter)
        try? await pool.withStore {
            try $0.notePeerCertificate(peer: peer, role: role, serial: info.serial, notAfter: notAfter, sha256: info.sha256Fingerprint)
        }
    }
}

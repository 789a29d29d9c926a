public import CasebridgeCore
import Foundation

extension NodeStore {
    // MARK: Certificate revocation

    /// One revoked certificate as stored.
    public struct RevokedCertificateRow: Sendable, Hashable, Codable {
        public var serial: String
        public var nodeId: String?
        /// ISO 8601, UTC.
        public var revokedAt: String
        public var reason: String?

        public init(serial: String, nodeId: String?, revokedAt: String, reason: String?) {
            self.serial = serial
            self.nodeId = nodeId
            self.revokedAt = revokedAt
            self.reason = reason
        }
    }

    /// The installed revocation list: its sequence, when it was signed and installed, and where it came from.
    public struct RevocationListRow: Sendable, Hashable, Codable {
        public var sequence: UInt64
        public var issuedAt: String
        public var caSha256: String
        public var source: String
        public var installedAt: String
        /// The signed envelope, byte for byte as verified (relayed to peers unchanged).
        public var document: String
    }

    /// Installs a verified revocation list if its sequence is higher than the installed one's, replacing the set of
    /// revoked serials, in one transaction. Returns `false` (and changes nothing) for a list that is not newer.
    ///
    /// The caller must have verified `document` against the federation CA.
    public func installRevocationList(
        sequence: UInt64, issuedAt: String, caSha256: String, document: String, source: String,
        revoked: [RevokedCertificateRow], audit: (event: AuditEvent, chain: AuditChain)? = nil
    ) throws -> Bool {
        try db.transaction {
            // Serializes concurrent installs (the CLI and the sync scheduler) on one row.
            try db.execute("SELECT pg_advisory_xact_lock(hashtextextended('casebridge.revocation_list', 0))")
            if let current = try db.execute("SELECT sequence FROM casebridge.revocation_list").scalar.flatMap({ UInt64($0) }),
                current >= sequence
            {
                return false
            }
            if let audit { _ = try appendAudit(audit.event, chain: audit.chain, inTransaction: true) }
            try db.execute(
                """
                INSERT INTO casebridge.revocation_list (singleton, sequence, issued_at, ca_sha256, document, source, installed_at)
                VALUES (true, $1, $2::timestamptz, $3, $4, $5, now())
                ON CONFLICT (singleton) DO UPDATE SET sequence = EXCLUDED.sequence, issued_at = EXCLUDED.issued_at,
                  ca_sha256 = EXCLUDED.ca_sha256, document = EXCLUDED.document, source = EXCLUDED.source, installed_at = now()
                """, [String(sequence), issuedAt, caSha256, document, source])
            try db.execute("DELETE FROM casebridge.revoked_certificates")
            for r in revoked {
                try db.execute(
                    """
                    INSERT INTO casebridge.revoked_certificates (serial, node_id, revoked_at, reason) VALUES ($1, $2, $3::timestamptz, $4)
                    ON CONFLICT (serial) DO NOTHING
                    """, [r.serial, r.nodeId, r.revokedAt, r.reason])
            }
            return true
        }
    }

    /// The installed revocation list, if any.
    public func revocationList() throws -> RevocationListRow? {
        guard let r = try db.execute(
            """
            SELECT sequence, \(isoUTCSeconds("issued_at")), ca_sha256, source, \(isoUTCSeconds("installed_at")), document
            FROM casebridge.revocation_list
            """
        ).rows.first else { return nil }
        return RevocationListRow(
            sequence: UInt64(r[0] ?? "0") ?? 0, issuedAt: r[1] ?? "", caSha256: r[2] ?? "", source: r[3] ?? "",
            installedAt: r[4] ?? "", document: r[5] ?? "")
    }

    /// The sequence of the installed revocation list (0 when none).
    public func revocationSequence() throws -> UInt64 {
        try db.execute("SELECT sequence FROM casebridge.revocation_list").scalar.flatMap { UInt64($0) } ?? 0
    }

    /// Whether the installed revocation list revokes the certificate with this serial (lowercase hex).
    public func isCertificateRevoked(serial: String) throws -> Bool {
        try db.execute("SELECT 1 FROM casebridge.revoked_certificates WHERE serial = $1", [serial]).rows.count == 1
    }

    /// Every revoked certificate of the installed list.
    public func revokedCertificates() throws -> [RevokedCertificateRow] {
        try db.execute(
            """
            SELECT serial, node_id, \(isoUTCSeconds("revoked_at")), reason
            FROM casebridge.revoked_certificates ORDER BY revoked_at, serial
            """
        ).rows.map { RevokedCertificateRow(serial: $0[0]!, nodeId: $0[1], revokedAt: $0[2] ?? "", reason: $0[3]) }
    }

    // MARK: Certificates peers present

    /// The certificate a peer presented last, in one role.
    public struct PeerCertificateRow: Sendable, Hashable, Codable {
        public var peer: String
        /// `client` (its requests to this node) or `server` (this node's pulls from it).
        public var role: String
        public var serial: String
        /// ISO 8601, UTC.
        public var notAfter: String
        public var sha256: String
        /// ISO 8601, UTC.
        public var seenAt: String
    }

    /// Records the certificate `peer` presented in `role` (`client` or `server`).
    public func notePeerCertificate(peer: String, role: String, serial: String, notAfter: String, sha256: String) throws {
        try db.execute(
            """
            INSERT INTO casebridge.peer_certificates (peer, role, serial, not_after, sha256, seen_at) VALUES ($1, $2, $3, $4::timestamptz, $5, now())
            ON CONFLICT (peer, role) DO UPDATE SET serial = EXCLUDED.serial, not_after = EXCLUDED.not_after, sha256 = EXCLUDED.sha256,
              seen_at = now()
            """, [peer, role, serial, notAfter, sha256])
    }

    /// The certificates peers presented last, per peer and role.
    public func peerCertificates() throws -> [PeerCertificateRow] {
        try db.execute(
            """
            SELECT peer, role, serial, \(isoUTCSeconds("not_after")), sha256, \(isoUTCSeconds("seen_at"))
            FROM casebridge.peer_certificates ORDER BY peer, role
            """
        ).rows.map { PeerCertificateRow(peer: $0[0]!, role: $0[1]!, serial: $0[2]!, notAfter: $0[3]!, sha256: $0[4]!, seenAt: $0[5]!) }
    }
}

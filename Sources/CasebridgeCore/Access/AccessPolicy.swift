import Foundation

/// A local user's role. See the role matrix in `docs/security.md`.
public enum UserRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// Searches the federation, views the agency's cases, handles alerts and watches.
    case investigator
    /// What an investigator does, plus reading the audit log, retention review, revalidation and purge.
    case supervisor
    /// Runs the node: peers, audit and retention reports. Does not search case intelligence.
    case admin
}

/// Everything a local API caller can ask for, each an access decision.
public enum LocalAction: String, Sendable, Hashable, Codable, CaseIterable {
    case whoami
    case search
    case caseView = "case.view"
    case alertsList = "alerts.list"
    case alertsAck = "alerts.ack"
    case watchList = "watch.list"
    case watchAdd = "watch.add"
    case watchRemove = "watch.remove"
    case auditRead = "audit.read"
    case retentionDue = "retention.due"
    case caseRevalidate = "case.revalidate"
    case casePurge = "case.purge"
    case peersStatus = "peers.status"
}

/// The role matrix: which role may do what. Pure data, so `docs/security.md` and the tests read the same table.
public enum AccessPolicy {
    /// The roles allowed to perform `action`.
    public static func allowedRoles(_ action: LocalAction) -> Set<UserRole> {
        switch action {
        case .whoami: [.investigator, .supervisor, .admin]
        case .search, .caseView, .alertsList, .alertsAck, .watchList, .watchAdd, .watchRemove: [.investigator, .supervisor]
        case .auditRead, .retentionDue, .peersStatus: [.supervisor, .admin]
        case .caseRevalidate, .casePurge: [.supervisor]
        }
    }

    /// Whether `role` may perform `action`.
    public static func allows(_ role: UserRole, _ action: LocalAction) -> Bool {
        allowedRoles(action).contains(role)
    }

    /// Whether `role` sees every user's watches (otherwise only its own).
    public static func seesAllWatches(_ role: UserRole) -> Bool { role == .supervisor }
}

/// A local API token: `cbt_<user>_<64 hex digits>`. The user part lets the node count failures per account; the
/// secret is 32 random bytes, of which the node keeps only a hash.
public struct APIToken: Sendable, Hashable {
    public var user: String
    public var secret: [UInt8]

    public static let prefix = "cbt_"

    public init(user: String, secret: [UInt8]) {
        self.user = user
        self.secret = secret
    }

    /// Parses a token; nil when it is not of the form `cbt_<user>_<64 hex>`.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.hasPrefix(Self.prefix), let sep = t.lastIndex(of: "_") else { return nil }
        let userStart = t.index(t.startIndex, offsetBy: Self.prefix.count)
        guard sep > userStart else { return nil }
        let user = String(t[userStart..<sep])
        guard Self.isValidUserName(user), let secret = Hex.decode(String(t[t.index(after: sep)...])), secret.count == 32 else {
            return nil
        }
        self.user = user
        self.secret = secret
    }

    /// The token as the user types or stores it.
    public var text: String { Self.prefix + user + "_" + Hex.encode(secret) }

    /// User names: 1-63 characters of a-z, 0-9, `.`, `-`, `_`, starting with a letter or digit.
    public static func isValidUserName(_ s: String) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= 63 else { return false }
        func ok(_ c: UInt8, first: Bool) -> Bool {
            (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || (!first && (c == 0x2E || c == 0x2D || c == 0x5F))
        }
        return ok(first, first: true) && s.utf8.dropFirst().allSatisfy { ok($0, first: false) }
    }
}

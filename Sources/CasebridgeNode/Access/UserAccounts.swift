public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Foundation
public import Logging

/// Local API accounts: tokens shown once and stored as a hash, expiry, lockout after repeated failures. Every
/// decision is logged and audited.
public struct UserAccounts: Sendable {
    public let settings: InvestigatorSettings
    public let audit: AuditLog
    public let logger: Logger

    public init(settings: InvestigatorSettings, audit: AuditLog = AuditLog(), logger: Logger) {
        self.settings = settings
        self.audit = audit
        self.logger = logger
    }

    /// A change that cannot be made (unknown user, name taken, bad name).
    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var code: String
        public var reason: String
        public var description: String { reason }
    }

    /// The hash under which a token's secret is stored.
    public static func hash(_ token: APIToken) -> [UInt8] {
        Blake2b.hash(Array("casebridge.api-token.v1".utf8) + token.secret, length: 32)
    }

    /// A new random token for `user`.
    public static func newToken(user: String) -> APIToken { APIToken(user: user, secret: Sodium.randomBytes(32)) }

    /// Adds a user and returns their token (shown once).
    public func add(name: String, role: UserRole, actor: String, store: NodeStore) throws -> APIToken {
        guard APIToken.isValidUserName(name) else {
            throw Refused(code: "user.name", reason: "user names are 1-63 characters of a-z, 0-9, '.', '-', '_', starting with a letter or digit")
        }
        let token = Self.newToken(user: name)
        try store.db.transaction {
            guard try store.addUser(name: name, role: role.rawValue, tokenHash: Self.hash(token), validSeconds: settings.tokenDays * 86_400) else {
                throw Refused(code: "user.exists", reason: "a user named `\(name)` already exists")
            }
            try audit.record(.init(actor: actor, action: "user.add", outcome: "ok", target: name, details: ["role": role.rawValue]), store: store, inTransaction: true)
        }
        logger.notice("user added", metadata: ["user": "\(name)", "role": "\(role.rawValue)", "by": "\(actor)"])
        return token
    }

    /// Replaces a user's token (unlocking the account) and returns the new one.
    public func resetToken(name: String, actor: String, store: NodeStore) throws -> APIToken {
        let token = Self.newToken(user: name)
        try store.db.transaction {
            guard try store.resetUserToken(name: name, tokenHash: Self.hash(token), validSeconds: settings.tokenDays * 86_400) else {
                throw Refused(code: "user.unknown", reason: "no user named `\(name)`")
            }
            try audit.record(.init(actor: actor, action: "user.reset-token", outcome: "ok", target: name), store: store, inTransaction: true)
        }
        logger.notice("user token reset", metadata: ["user": "\(name)", "by": "\(actor)"])
        return token
    }

    /// Disables (or re-enables) a user.
    public func setDisabled(name: String, _ disabled: Bool, actor: String, store: NodeStore) throws {
        try store.db.transaction {
            guard try store.setUserDisabled(name: name, disabled) else {
                throw Refused(code: "user.unknown", reason: "no user named `\(name)`")
            }
            try audit.record(.init(actor: actor, action: disabled ? "user.disable" : "user.enable", outcome: "ok", target: name), store: store, inTransaction: true)
        }
        logger.notice(disabled ? "user disabled" : "user enabled", metadata: ["user": "\(name)", "by": "\(actor)"])
    }

    /// Who a request is from, once authenticated.
    public struct Principal: Sendable, Hashable, Codable {
        public var user: String
        public var role: UserRole
        public var tokenExpiresAt: String?
    }

    /// Why a token was refused. The API answers 401 with the code; `locked` and `disabled` are named so the
    /// user knows to call an admin, the others are not told apart.
    public enum Denial: String, Sendable, Error {
        case malformed, unknown, wrong, expired, disabled, locked
    }

    /// Checks a bearer token: well-formed, known user, right secret (constant time), not expired, not disabled, not
    /// locked. A wrong secret counts toward the lockout.
    public func authenticate(_ text: String, store: NodeStore) throws -> Result<Principal, Denial> {
        guard let token = APIToken(parsing: text) else { return deny(nil, .malformed, store: store) }
        guard let u = try store.user(name: token.user), let role = UserRole(rawValue: u.role) else {
            return deny(token.user, .unknown, store: store)
        }
        if u.locked { return deny(u.name, .locked, store: store) }
        guard let stored = u.tokenHash, Sodium.constantTimeEqual(stored, Self.hash(token)) else {
            let nowLocked = try store.recordFailedLogin(name: u.name, maxFailures: settings.maxFailures, lockSeconds: settings.lockMinutes * 60)
            if nowLocked {
                logger.warning("account locked after repeated failures", metadata: ["user": "\(u.name)", "minutes": "\(settings.lockMinutes)"])
                _ = try? audit.record(.init(actor: u.name, role: u.role, action: "user.locked", outcome: "ok", reason: "failures", counts: ["failures": settings.maxFailures]), store: store)
            }
            return deny(u.name, .wrong, store: store)
        }
        if u.disabled { return deny(u.name, .disabled, store: store) }
        if u.expired { return deny(u.name, .expired, store: store) }
        // Written only when there is something to clear or the time is a minute old: not on every request.
        if u.failedAttempts != 0 || u.loginStale { try store.recordLogin(name: u.name) }
        logger.debug("token accepted", metadata: ["user": "\(u.name)", "role": "\(u.role)"])
        return .success(Principal(user: u.name, role: role, tokenExpiresAt: u.tokenExpiresAt))
    }

    private func deny(_ user: String?, _ why: Denial, store: NodeStore) -> Result<Principal, Denial> {
        logger.warning("token refused", metadata: ["user": "\(user ?? "?")", "reason": "\(why.rawValue)"])
        _ = try? audit.record(.init(actor: user ?? "?", action: "login.failed", outcome: "refused", reason: why.rawValue), store: store)
        return .failure(why)
    }
}

extension AuditEvent {
    /// An allowed action of an authenticated local API user.
    public static func allowed(
        by p: UserAccounts.Principal, _ action: String, purpose: String? = nil, target: String? = nil, counts: [String: Int]? = nil,
        details: [String: String]? = nil
    ) -> AuditEvent {
        AuditEvent(actor: p.user, role: p.role.rawValue, action: action, outcome: "allowed", purpose: purpose, target: target, counts: counts, details: details)
    }
}

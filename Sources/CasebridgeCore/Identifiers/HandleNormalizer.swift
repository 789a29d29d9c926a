import Foundation

/// Online handles -> "platform:handle" ("instagram:jdoe"). Rules: `docs/identifiers.md#online-handles`.
enum HandleNormalizer {
    static let maxLength = 100

    /// A class, so that the lookups done for every handle hand out one reference instead of copying three arrays.
    final class Platform: Sendable {
        let name: String
        let aliases: [String]
        let domains: [String]
        /// Leading path segments skipped in profile URLs ("/u/name", "/add/name").
        let pathPrefixes: [String]
        /// Handles on this platform are phone numbers (normalized to E.164 when they look like one).
        let phoneBased: Bool

        init(name: String, aliases: [String], domains: [String], pathPrefixes: [String] = [], phoneBased: Bool = false) {
            self.name = name
            self.aliases = aliases
            self.domains = domains
            self.pathPrefixes = pathPrefixes
            self.phoneBased = phoneBased
        }
    }

    static let platforms: [Platform] = [
        Platform(name: "instagram", aliases: ["instagram", "ig", "insta", "instagr.am"], domains: ["instagram.com", "instagr.am"]),
        Platform(name: "facebook", aliases: ["facebook", "fb", "face"], domains: ["facebook.com", "fb.com", "fb.me"], pathPrefixes: ["people"]),
        Platform(name: "x", aliases: ["x", "twitter", "tw"], domains: ["x.com", "twitter.com"]),
        Platform(name: "tiktok", aliases: ["tiktok", "tt", "douyin"], domains: ["tiktok.com"]),
        Platform(name: "snapchat", aliases: ["snapchat", "snap", "sc"], domains: ["snapchat.com"], pathPrefixes: ["add"]),
        Platform(name: "telegram", aliases: ["telegram", "tg", "tlgrm"], domains: ["t.me", "telegram.me", "telegram.dog"]),
        Platform(name: "whatsapp", aliases: ["whatsapp", "wa", "whats", "wapp"], domains: ["wa.me", "whatsapp.com"], phoneBased: true),
        Platform(name: "onlyfans", aliases: ["onlyfans", "of"], domains: ["onlyfans.com"]),
        Platform(name: "reddit", aliases: ["reddit"], domains: ["reddit.com", "old.reddit.com"], pathPrefixes: ["u", "user"]),
        Platform(name: "discord", aliases: ["discord"], domains: ["discord.com", "discordapp.com"], pathPrefixes: ["users"]),
        Platform(name: "kik", aliases: ["kik", "kikmessenger"], domains: ["kik.me"]),
        Platform(name: "signal", aliases: ["signal"], domains: ["signal.me"], phoneBased: true),
        Platform(name: "wechat", aliases: ["wechat", "weixin"], domains: []),
        Platform(name: "viber", aliases: ["viber"], domains: [], phoneBased: true),
        Platform(name: "youtube", aliases: ["youtube", "yt"], domains: ["youtube.com"], pathPrefixes: ["c", "user"]),
        Platform(name: "linkedin", aliases: ["linkedin"], domains: ["linkedin.com"], pathPrefixes: ["in"]),
        Platform(name: "threads", aliases: ["threads"], domains: ["threads.net", "threads.com"]),
        Platform(name: "vk", aliases: ["vk", "vkontakte"], domains: ["vk.com"]),
        Platform(name: "skype", aliases: ["skype"], domains: []),
    ]

    /// Alias key (lower-case, without spaces, '-', '_' and apostrophes; a trailing ".com" removed) -> platform.
    static let byAlias: [String: Platform] = {
        var m: [String: Platform] = [:]
        for p in platforms {
            for a in p.aliases { m[a] = p }
            for d in p.domains { m[d] = p }
        }
        return m
    }()

    static let byDomain: [String: Platform] = {
        var m: [String: Platform] = [:]
        for p in platforms {
            for d in p.domains { m[d] = p }
        }
        return m
    }()

    static func platformKey(_ lower: String) -> String {
        var key = String(lower.unicodeScalars.filter { !" -_'\u{2019}\t".unicodeScalars.contains($0) })
        if key.hasPrefix("www.") { key.removeFirst(4) }
        if key.hasSuffix(".com"), byAlias[key] == nil { key.removeLast(4) }
        return key
    }

    /// Canonical platform name: alias table first, else `[a-z0-9._-]+` as written (lower-case).
    static func platform(_ raw: String) throws -> String {
        // Most inputs are an alias key as written ("instagram", "wa"): such a string is unchanged by `prepare`,
        // `lowercased` and `platformKey` (no space, '-', '_', apostrophe, upper case; no "www." prefix; a ".com"
        // suffix is only removed from strings that are not keys), so one lookup gives the same answer.
        if let p = byAlias[raw] { return p.name }
        return try resolvePlatform(raw)
    }

    /// `platform` without the exact-key lookup first.
    static func resolvePlatform(_ raw: String) throws -> String {
        let s = try IdentifierText.prepare(raw, what: "handle platform").lowercased()
        if let p = byAlias[platformKey(s)] { return p.name }
        let valid = s.utf8.count <= 40 && s.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x5F || b == 0x2D
        }
        guard valid else {
            throw NormalizationError(
                code: "handle.platform", reason: "handle platform must be a known platform or consist of a-z, 0-9, '.', '_', '-'")
        }
        return s
    }

    static func normalize(platform rawPlatform: String, handle rawHandle: String, phones: PhoneRegion) throws -> String {
        let name = try platform(rawPlatform)
        let known = byAlias[name]
        var h = try IdentifierText.prepare(rawHandle, what: "handle").lowercased()
        if let extracted = try fromURL(h, platform: known) {
            // wa.me/<number> links carry the number in international form without '+'.
            let isWaMe = known?.name == "whatsapp" && !extracted.isEmpty && extracted.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            h = isWaMe ? "+" + extracted : extracted
        }
        if h.hasPrefix("@") { h.removeFirst() }
        if let known, known.phoneBased, looksLikePhone(h) {
            return name + ":" + (try PhoneNormalizer.normalize(h, region: phones))
        }
        guard !h.isEmpty else { throw NormalizationError(code: "empty", reason: "handle is empty") }
        guard h.utf8.count <= maxLength else {
            throw NormalizationError(code: "handle.invalid", reason: "handle is longer than \(maxLength) bytes")
        }
        if let first = h.unicodeScalars.first, IdentifierText.isMark(first) {
            throw NormalizationError(code: "handle.invalid", reason: "handle starts with a combining mark")
        }
        for u in h.unicodeScalars {
            let v = u.value
            let ok: Bool
            if v < 0x80 {
                ok = (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) || v == 0x2E || v == 0x5F || v == 0x2D
                    || (v == 0x23 && name == "discord")
            } else {
                switch u.properties.generalCategory {
                case .lowercaseLetter, .uppercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                    .nonspacingMark, .spacingMark, .decimalNumber:
                    ok = true
                default:
                    ok = false
                }
            }
            guard ok else {
                throw NormalizationError(
                    code: "handle.invalid", reason: "handle may only contain letters, digits, '.', '_' and '-'")
            }
        }
        return name + ":" + (IdentifierText.isASCII(h) ? h : h.precomposedStringWithCompatibilityMapping)
    }

    private static func looksLikePhone(_ h: String) -> Bool {
        var digits = 0
        for u in h.unicodeScalars {
            switch u.value {
            case 0x30...0x39: digits += 1
            case 0x2B, 0x20, 0x2D, 0x2E, 0x28, 0x29, 0x2F: continue
            default: return false
            }
        }
        return digits >= 4
    }

    static let domainBytes: Set<[UInt8]> = Set(byDomain.keys.map { Array($0.utf8) })
    static let hostPrefixBytes: [[UInt8]] = ["www.", "m.", "mobile.", "web.", "old."].map { Array($0.utf8) }

    /// False when the ASCII text `h` is certainly not a URL for `fromURL`: it has no '/' (so no scheme and no path) and,
    /// with the host prefix and port taken off as `fromURL` does, is not a known domain. Byte-wise, for the bulk of
    /// handles, which are plain names.
    static func mayBeURL(_ h: [UInt8]) -> Bool {
        if h.contains(0x2F) { return true }
        var host = h[...]
        for prefix in hostPrefixBytes where host.starts(with: prefix) {
            host = host.dropFirst(prefix.count)
            break
        }
        if let colon = host.firstIndex(of: 0x3A) { host = host[..<colon] }
        return domainBytes.contains(Array(host))
    }

    /// When `h` is a profile URL ("https://www.instagram.com/jdoe/", "t.me/jdoe"), the handle in it.
    /// Returns nil when `h` is not a URL.
    static func fromURL(_ h: String, platform: Platform?) throws -> String? {
        if IdentifierText.isASCII(h), !mayBeURL(Array(h.utf8)) { return nil }
        return try parseURL(h, platform: platform)
    }

    /// `fromURL` without the byte-wise pre-check.
    static func parseURL(_ h: String, platform: Platform?) throws -> String? {
        var rest = Substring(h)
        var hadScheme = false
        for scheme in ["https://", "http://"] where rest.hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
            hadScheme = true
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var host = String(rest[..<slash])
        for prefix in ["www.", "m.", "mobile.", "web.", "old."] where host.hasPrefix(prefix) {
            host.removeFirst(prefix.count)
            break
        }
        if let colon = host.firstIndex(of: ":") { host = String(host[..<colon]) }
        let hostPlatform = byDomain[host]
        guard hadScheme || hostPlatform != nil else { return nil }
        guard let hostPlatform else {
            throw NormalizationError(code: "handle.url", reason: "handle URL is not on a known domain of its platform")
        }
        if let platform, platform.name != hostPlatform.name {
            throw NormalizationError(code: "handle.platformMismatch", reason: "handle URL belongs to a different platform")
        }
        if platform == nil {
            throw NormalizationError(code: "handle.platformMismatch", reason: "handle URL belongs to a different platform")
        }
        var path = rest[slash...]
        var query = Substring("")
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            query = path[q...]
            path = path[..<q]
        }
        var segments = path.split(separator: "/").map(String.init)
        if hostPlatform.name == "facebook", segments.first == "profile.php" {
            // facebook.com/profile.php?id=100012345
            for pair in query.dropFirst().split(separator: "&") where pair.hasPrefix("id=") {
                return String(pair.dropFirst(3))
            }
            throw NormalizationError(code: "handle.url", reason: "handle URL has no profile name in it")
        }
        while let first = segments.first, hostPlatform.pathPrefixes.contains(first), segments.count > 1 {
            segments.removeFirst()
        }
        guard let handle = segments.first, !handle.isEmpty else {
            throw NormalizationError(code: "handle.url", reason: "handle URL has no profile name in it")
        }
        return handle
    }
}

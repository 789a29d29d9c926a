import Foundation

/// Email addresses -> lower-case "local@domain". Rules: `docs/identifiers.md#email-addresses`.
enum EmailNormalizer {
    static func invalid(_ why: String) -> NormalizationError {
        NormalizationError(code: "email.invalid", reason: "email address \(why)")
    }

    /// Characters never allowed in the local part (unquoted RFC 5322 specials and white space).
    private static func isForbiddenInLocal(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0...0x20, 0x7F, 0x22, 0x28, 0x29, 0x2C, 0x3A, 0x3B, 0x3C, 0x3E, 0x40, 0x5B, 0x5C, 0x5D: return true
        case 0x21..<0x80: return false
        default:
            let p = u.properties
            return p.isWhitespace || p.generalCategory == .control || p.generalCategory == .format
        }
    }

    /// ASCII characters allowed in a domain label (after lower-casing): a-z, 0-9, '-'.
    @inline(__always)
    private static func isDomainASCII(_ v: UInt32) -> Bool {
        (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) || v == 0x2D
    }

    static func normalize(_ raw: String) throws -> String {
        let prepared = try IdentifierText.prepare(raw, what: "email address")
        return IdentifierText.isASCII(prepared) ? try normalizeASCII(prepared) : try normalizeUnicode(prepared)
    }

    /// `normalize` after `IdentifierText.prepare`, for any input (the tests hold it against `normalizeASCII`).
    static func normalizeUnicode(_ prepared: String) throws -> String {
        var s = prepared.lowercased()
        if s.hasPrefix("mailto:") { s.removeFirst(7) }
        // Ideographic and other full stops used as dots in IDN domains (UTS #46).
        if !IdentifierText.isASCII(s) {
            s = s.replacingOccurrences(of: "\u{3002}", with: ".")
                .replacingOccurrences(of: "\u{FF61}", with: ".")
        }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw invalid(parts.count < 2 ? "has no '@'" : "has more than one '@'")
        }
        let local = parts[0]
        var domain = parts[1]
        guard !local.isEmpty else { throw invalid("has an empty local part") }
        guard local.utf8.count <= 64 else { throw invalid("has a local part longer than 64 bytes") }
        guard !local.unicodeScalars.contains(where: isForbiddenInLocal) else {
            throw invalid("has spaces or characters not allowed before the '@'")
        }
        guard local.first != ".", local.last != ".", !local.contains("..") else {
            throw invalid("has a misplaced dot before the '@'")
        }
        if domain.last == "." { domain.removeLast() }  // absolute form "example.org."
        guard !domain.isEmpty, domain.utf8.count <= 253 else { throw invalid("has an empty or too long domain") }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { throw invalid("has a domain without a dot") }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63 else { throw invalid("has an empty or too long domain label") }
            guard label.first != "-", label.last != "-" else {
                throw invalid("has a domain label starting or ending with '-'")
            }
            for u in label.unicodeScalars {
                let v = u.value
                let ok: Bool
                if v < 0x80 {
                    ok = isDomainASCII(v)
                } else {
                    switch u.properties.generalCategory {
                    case .lowercaseLetter, .uppercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                        .nonspacingMark, .spacingMark, .decimalNumber:
                        ok = true
                    default:
                        ok = false
                    }
                }
                guard ok else { throw invalid("has characters not allowed in a domain name") }
            }
        }
        let tld = labels[labels.count - 1]
        guard !tld.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw invalid("has a numeric top-level domain")
        }
        var out = String(local)
        out += "@"
        out += domain
        // Canonical composition so that precomposed and decomposed IDN spellings agree.
        return IdentifierText.isASCII(out) ? out : out.precomposedStringWithCompatibilityMapping
    }

    /// `normalize` for ASCII input, byte by byte: the same rules and the same errors in the same order, without the
    /// Character-level splitting and Unicode property look-ups (most addresses in an import are ASCII).
    static func normalizeASCII(_ prepared: String) throws -> String {
        var b = Array(prepared.utf8)
        for i in b.indices where b[i] >= 0x41 && b[i] <= 0x5A { b[i] |= 0x20 }
        var start = 0
        if b.count >= 7, b[0..<7].elementsEqual("mailto:".utf8) { start = 7 }
        var at = -1
        var ats = 0
        for i in start..<b.count where b[i] == 0x40 {
            ats += 1
            if at < 0 { at = i }
        }
        guard ats == 1 else { throw invalid(ats == 0 ? "has no '@'" : "has more than one '@'") }
        let local = b[start..<at]
        var domain = b[(at + 1)...]
        guard !local.isEmpty else { throw invalid("has an empty local part") }
        guard local.count <= 64 else { throw invalid("has a local part longer than 64 bytes") }
        guard !local.contains(where: { isForbiddenInLocal(Unicode.Scalar($0)) }) else {
            throw invalid("has spaces or characters not allowed before the '@'")
        }
        var doubleDot = false
        var previous: UInt8 = 0
        for c in local {
            if c == 0x2E && previous == 0x2E { doubleDot = true }
            previous = c
        }
        guard local.first != 0x2E, local.last != 0x2E, !doubleDot else {
            throw invalid("has a misplaced dot before the '@'")
        }
        if domain.last == 0x2E { domain.removeLast() }
        guard !domain.isEmpty, domain.count <= 253 else { throw invalid("has an empty or too long domain") }
        let labels = domain.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard labels.count >= 2 else { throw invalid("has a domain without a dot") }
        for label in labels {
            guard !label.isEmpty, label.count <= 63 else { throw invalid("has an empty or too long domain label") }
            guard label.first != 0x2D, label.last != 0x2D else {
                throw invalid("has a domain label starting or ending with '-'")
            }
            guard label.allSatisfy({ isDomainASCII(UInt32($0)) }) else { throw invalid("has characters not allowed in a domain name") }
        }
        guard !labels[labels.count - 1].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw invalid("has a numeric top-level domain")
        }
        var out = [UInt8]()
        out.reserveCapacity(local.count + 1 + domain.count)
        out.append(contentsOf: local)
        out.append(0x40)
        out.append(contentsOf: domain)
        return String(decoding: out, as: UTF8.self)
    }
}

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
        default:
            let p = u.properties
            return p.isWhitespace || p.generalCategory == .control || p.generalCategory == .format
        }
    }

    static func normalize(_ raw: String) throws -> String {
        var s = try IdentifierText.prepare(raw, what: "email address").lowercased()
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
                    ok = (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) || v == 0x2D
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
}

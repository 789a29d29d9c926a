import Foundation

/// Person names -> canonical token string ("doe john"). Rules: `docs/identifiers.md#names`.
///
/// Performance: ASCII input (the bulk of imports) is folded byte by byte into one buffer with no
/// per-token allocation; only non-ASCII input goes through NFKC / lower-casing / NFD.
enum NameNormalizer {
    static let digitsError = NormalizationError(code: "name.digits", reason: "name contains digits")

    static func normalize(given: String?, family: String?) throws -> String {
        try normalize(given: given, family: family, latinFastPath: true)
    }

    /// `latinFastPath: false` sends all non-ASCII text through `foldUnicode` (the tests hold the two paths together).
    static func normalize(given: String?, family: String?, latinFastPath: Bool) throws -> String {
        var t = NameTokens()
        var sawInput = false
        for part in [given, family] {
            guard let part else { continue }
            if part.utf8.count > IdentifierText.maxInputBytes { throw IdentifierText.tooLong("name") }
            let before = t.bytes.count
            let hadContent: Bool
            if IdentifierText.isASCII(part) {
                hadContent = try foldASCII(part, into: &t)
            } else if latinFastPath, let folded = try foldLatin(part, into: &t) {
                hadContent = folded
            } else {
                hadContent = try foldUnicode(part, into: &t)
            }
            t.endToken()
            if hadContent || t.bytes.count != before { sawInput = true }
        }
        guard sawInput else { throw NormalizationError(code: "empty", reason: "name is empty") }
        guard !t.ranges.isEmpty else {
            throw NormalizationError(code: "name.invalid", reason: "name contains no letters")
        }
        return t.finish()
    }

    // MARK: - ASCII fast path

    /// Returns whether the part had any non-blank character.
    private static func foldASCII(_ s: String, into t: inout NameTokens) throws -> Bool {
        if let r = try s.utf8.withContiguousStorageIfAvailable({ try foldASCIIBytes($0, into: &t) }) {
            return r
        }
        let copy = Array(s.utf8)
        return try copy.withUnsafeBufferPointer { try foldASCIIBytes($0, into: &t) }
    }

    @inline(__always)
    private static func foldASCIIBytes(_ buf: UnsafeBufferPointer<UInt8>, into t: inout NameTokens) throws -> Bool {
        var content = false
        for b in buf where try foldASCIIByte(b, into: &t) { content = true }
        return content
    }

    /// Folds one ASCII byte into `t` (the rule every path applies to ASCII): letters lower-cased, digits refused,
    /// apostrophes dropped (they join: O'Brien -> obrien), blanks and other punctuation end the token. Returns whether
    /// the byte counts as content (anything but a blank).
    @inline(__always)
    private static func foldASCIIByte(_ b: UInt8, into t: inout NameTokens) throws -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"):
            t.bytes.append(b)
        case UInt8(ascii: "A")...UInt8(ascii: "Z"):
            t.bytes.append(b | 0x20)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            throw digitsError
        case UInt8(ascii: "'"), UInt8(ascii: "`"):
            break
        case 0...0x20, 0x7F:
            t.endToken()
            return false
        default:
            t.endToken()  // any other punctuation separates tokens
        }
        return true
    }

    // MARK: - Latin fast path

    /// For U+0080..U+024F: the ASCII letters `foldUnicode` turns the scalar into when that is all it does (a Latin
    /// letter with or without diacritics, or one with a transliteration such as ß -> ss), with the UTF-8 length of the
    /// scalar's NFKC form; nil for every other scalar (marks, digits, punctuation, symbols, format characters, the
    /// acute accent, letters that stay non-ASCII). Computed with the same Foundation calls `foldUnicode` makes.
    private static let latinFolds: [(bytes: [UInt8], nfkcBytes: Int)?] = (0x80..<0x250).map { v -> (bytes: [UInt8], nfkcBytes: Int)? in
        guard v != 0xB4, let u = Unicode.Scalar(UInt32(v)) else { return nil }
        let nfkc = String(u).precomposedStringWithCompatibilityMapping
        // The first scalar must be a letter (a base): then nothing composes with the scalar before it.
        guard let first = nfkc.unicodeScalars.first, first.properties.isAlphabetic, !IdentifierText.isMark(first) else { return nil }
        var out: [UInt8] = []
        var sawBase = false
        for f in nfkc.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars {
            if f.value >= 0x61 && f.value <= 0x7A {
                out.append(UInt8(f.value))
                sawBase = true
            } else if IdentifierText.isMark(f) {
                guard sawBase else { return nil }  // dropped only after a Latin base
            } else if f.value >= 0x80, !isJoiner(f.value), f.properties.isAlphabetic, f.value != 0x03C5,
                let latin = NameTransliteration.latin(f.value), latin.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A })
            {
                switch f.properties.generalCategory {
                case .lowercaseLetter, .uppercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                    out.append(contentsOf: latin.utf8)
                    sawBase = true
                default: return nil
                }
            } else {
                return nil
            }
        }
        return out.isEmpty ? nil : (out, nfkc.utf8.count)
    }

    /// Folds text made only of ASCII and `latinFolds` scalars (names written in Latin script with diacritics: the bulk
    /// of non-ASCII names) byte by byte, with the result `foldUnicode` gives; nil, leaving `t` untouched, for any other
    /// text. For such text NFKC, lower-casing and NFD work scalar by scalar (no scalar composes with or reorders
    /// against its neighbours, the first of each is a base letter), so the table's per-scalar results concatenate.
    private static func foldLatin(_ s: String, into t: inout NameTokens) throws -> Bool? {
        var nfkcBytes = 0
        for u in s.unicodeScalars {
            let v = Int(u.value)
            if v < 0x80 {
                nfkcBytes += 1
            } else if v < 0x250, let f = latinFolds[v - 0x80] {
                nfkcBytes += f.nfkcBytes
            } else {
                return nil
            }
        }
        if nfkcBytes > IdentifierText.maxInputBytes { throw IdentifierText.tooLong("name") }
        var content = false
        for u in s.unicodeScalars {
            let v = Int(u.value)
            if v >= 0x80 {
                t.bytes.append(contentsOf: latinFolds[v - 0x80]!.bytes)
                content = true
                continue
            }
            if try foldASCIIByte(UInt8(v), into: &t) { content = true }
        }
        return content
    }

    // MARK: - Unicode path

    /// Apostrophe-like characters: removed without splitting the token.
    private static func isJoiner(_ v: UInt32) -> Bool {
        switch v {
        case 0x27, 0x60, 0xB4, 0xB7, 0x2BB, 0x2BC, 0x2BD, 0x2018, 0x2019, 0x201B, 0x2032, 0x2035, 0x55A, 0xFF07:
            return true
        default:
            return false
        }
    }

    private static func foldUnicode(_ s: String, into t: inout NameTokens) throws -> Bool {
        var source = s
        if source.unicodeScalars.contains("\u{B4}") {
            // NFKC turns the acute accent into space + combining mark; keep it an apostrophe instead.
            source = source.replacingOccurrences(of: "\u{B4}", with: "'")
        }
        let nfkc = source.precomposedStringWithCompatibilityMapping
        if nfkc.utf8.count > IdentifierText.maxInputBytes { throw IdentifierText.tooLong("name") }
        let folded = nfkc.lowercased().decomposedStringWithCanonicalMapping
        var content = false
        var lastBaseIsLatin = true  // whether marks following the current base are dropped
        var previousBase: UInt32 = 0  // previous non-mark scalar, for the Greek digraph ου
        for u in folded.unicodeScalars {
            defer { if !IdentifierText.isMark(u) { previousBase = u.value } }
            let v = u.value
            if v < 0x80 {
                lastBaseIsLatin = true  // a mark after ASCII is dropped (after a separator: an orphan)
                if try foldASCIIByte(UInt8(v), into: &t) { content = true }
                continue
            }
            if isJoiner(v) {
                content = true
                continue
            }
            let props = u.properties
            switch props.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                if !lastBaseIsLatin {
                    t.appendScalar(u)
                }
                continue
            case .format:
                continue  // zero-width space / joiners, soft hyphen, BOM: invisible, removed
            case .decimalNumber, .letterNumber, .otherNumber:
                throw digitsError
            case .lowercaseLetter, .uppercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                content = true
                if v == 0x03C5, previousBase == 0x03BF {
                    t.bytes.append(UInt8(ascii: "u"))  // Greek ου -> ou
                    lastBaseIsLatin = true
                } else if let latin = NameTransliteration.latin(v) {
                    t.bytes.append(contentsOf: latin.utf8)
                    lastBaseIsLatin = true
                } else {
                    t.appendScalar(u)
                    lastBaseIsLatin = false
                }
            case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control:
                t.endToken()
                lastBaseIsLatin = true
            default:
                content = true
                t.endToken()  // punctuation, symbols, emoji: token separators
                lastBaseIsLatin = true
            }
        }
        return content
    }
}

/// The tokens of one name, stored back to back in a byte buffer.
struct NameTokens {
    var bytes: [UInt8] = []
    var ranges: [Range<Int>] = []
    var tokenStart = 0
    var hasNonASCII = false

    init() {
        bytes.reserveCapacity(48)
        ranges.reserveCapacity(6)
    }

    @inline(__always)
    mutating func endToken() {
        if bytes.count > tokenStart {
            ranges.append(tokenStart..<bytes.count)
            tokenStart = bytes.count
        }
    }

    mutating func appendScalar(_ u: Unicode.Scalar) {
        hasNonASCII = true
        bytes.append(contentsOf: UTF8.encode(u)!)
    }

    /// Honorific removal, sort, join.
    mutating func finish() -> String {
        endToken()
        var tokens = ranges
        // Titles and suffixes go only if something else remains.
        var kept = tokens.filter { !NameTransliteration.isHonorific(bytes[$0]) }
        if !kept.isEmpty, kept.count != tokens.count { tokens = kept }
        kept = []
        if hasNonASCII {
            return finishUnicode(tokens)
        }
        let b = bytes
        tokens.sort { b[$0].lexicographicallyPrecedes(b[$1]) }
        let total = tokens.reduce(tokens.count - 1) { $0 + $1.count }
        return String(unsafeUninitializedCapacity: total) { out in
            var i = 0
            for (n, r) in tokens.enumerated() {
                if n > 0 { out[i] = 0x20; i += 1 }
                for j in r { out[i] = b[j]; i += 1 }
            }
            return i
        }
    }

    /// Non-Latin tokens are recomposed (NFC) before sorting so that the order is by code point of
    /// the final text.
    private func finishUnicode(_ tokens: [Range<Int>]) -> String {
        var strings: [[UInt8]] = tokens.map { r in
            let slice = bytes[r]
            if slice.allSatisfy({ $0 < 0x80 }) { return Array(slice) }
            return Array(String(decoding: slice, as: UTF8.self).precomposedStringWithCanonicalMapping.utf8)
        }
        strings.sort { $0.lexicographicallyPrecedes($1) }
        var out: [UInt8] = []
        for (n, s) in strings.enumerated() {
            if n > 0 { out.append(0x20) }
            out.append(contentsOf: s)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

import Foundation

/// Text preparation shared by every normalizer: size cap, Unicode NFKC, trimming.
enum IdentifierText {
    /// Inputs longer than this many UTF-8 bytes (before or after NFKC) are refused outright.
    static let maxInputBytes = 1024

    /// True when every byte of `s` is ASCII (ASCII text is already in NFKC).
    @inline(__always)
    static func isASCII(_ s: String) -> Bool {
        if let r = s.utf8.withContiguousStorageIfAvailable({ buf -> Bool in
            for b in buf where b >= 0x80 { return false }
            return true
        }) {
            return r
        }
        for b in s.utf8 where b >= 0x80 { return false }
        return true
    }

    /// Scalars removed at both ends: Unicode white space (incl. no-break spaces) and invisible
    /// format characters (zero-width space/joiners, BOM, soft hyphen).
    @inline(__always)
    static func isTrimmable(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return u.value <= 0x20 || u.value == 0x7F }
        return u.properties.isWhitespace || u.properties.generalCategory == .format
            || u.properties.generalCategory == .control
    }

    /// NFKC, then trim. Throws `empty` when nothing is left, `input.tooLong` above the size cap.
    /// `what` names the field in the error reason ("phone number", "email address", ...).
    static func prepare(_ raw: String, what: String) throws -> String {
        if raw.utf8.count > maxInputBytes { throw tooLong(what) }
        var s = raw
        if !isASCII(s) {
            s = s.precomposedStringWithCompatibilityMapping
            if s.utf8.count > maxInputBytes { throw tooLong(what) }
        }
        let trimmed = trim(s)
        if trimmed.isEmpty {
            throw NormalizationError(code: "empty", reason: "\(what) is empty")
        }
        return trimmed
    }

    static func trim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isTrimmable(scalars[start]) { start = scalars.index(after: start) }
        while end > start {
            let before = scalars.index(before: end)
            if isTrimmable(scalars[before]) { end = before } else { break }
        }
        if start == scalars.startIndex && end == scalars.endIndex { return s }
        return String(scalars[start..<end])
    }

    static func tooLong(_ what: String) -> NormalizationError {
        NormalizationError(code: "input.tooLong", reason: "\(what) is longer than \(maxInputBytes) bytes")
    }

    /// The value of a decimal digit in any script (ASCII, Arabic-Indic, Devanagari, ...), else nil.
    @inline(__always)
    static func digitValue(_ u: Unicode.Scalar) -> UInt8? {
        let v = u.value
        if v >= 0x30 && v <= 0x39 { return UInt8(v - 0x30) }
        if v < 0x80 { return nil }
        guard u.properties.generalCategory == .decimalNumber, let n = u.properties.numericValue,
            n >= 0, n <= 9
        else { return nil }
        return UInt8(n)
    }

    /// Combining marks (Mn, Mc, Me).
    @inline(__always)
    static func isMark(_ u: Unicode.Scalar) -> Bool {
        switch u.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// Upper-cased, diacritic-free ASCII form of Latin letters/digits, with Cyrillic and Greek capitals
    /// that look like Latin ones (plates and documents use them) mapped to their Latin twin.
    /// Scalars in `separators` are dropped; anything else makes the result nil.
    /// Used by plates and document numbers.
    static func asciiCode(_ prepared: String, separators: Set<UInt32>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(prepared.utf8.count)
        if isASCII(prepared) {
            for b in prepared.utf8 {
                switch b {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): out.append(b - 0x20)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): out.append(b)
                default:
                    if separators.contains(UInt32(b)) { continue }
                    return nil
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        let decomposed = prepared.uppercased().decomposedStringWithCanonicalMapping
        for u in decomposed.unicodeScalars {
            let v = u.value
            if v < 0x80 {
                let b = UInt8(v)
                switch b {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): out.append(b - 0x20)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): out.append(b)
                default:
                    if separators.contains(v) { continue }
                    return nil
                }
            } else if separators.contains(v) || isMark(u) || u.properties.generalCategory == .format {
                continue
            } else if let d = digitValue(u) {
                out.append(UInt8(ascii: "0") + d)
            } else if let l = homoglyphs[v] {
                out.append(l)
            } else {
                return nil
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Cyrillic and Greek capitals that are drawn like a Latin capital (as used on plates and in
    /// machine-readable documents), plus non-decomposing Latin capitals.
    static let homoglyphs: [UInt32: UInt8] = {
        var m: [UInt32: UInt8] = [:]
        let pairs: [(UInt32, Character)] = [
            // Cyrillic
            (0x0410, "A"), (0x0412, "B"), (0x0415, "E"), (0x041A, "K"), (0x041C, "M"), (0x041D, "H"),
            (0x041E, "O"), (0x0420, "P"), (0x0421, "C"), (0x0422, "T"), (0x0423, "Y"), (0x0425, "X"),
            (0x0405, "S"), (0x0406, "I"), (0x0408, "J"),
            // Greek
            (0x0391, "A"), (0x0392, "B"), (0x0395, "E"), (0x0396, "Z"), (0x0397, "H"), (0x0399, "I"),
            (0x039A, "K"), (0x039C, "M"), (0x039D, "N"), (0x039F, "O"), (0x03A1, "P"), (0x03A4, "T"),
            (0x03A5, "Y"), (0x03A7, "X"),
            // Latin capitals without a canonical decomposition
            (0x00D8, "O"), (0x0141, "L"), (0x0110, "D"), (0x0126, "H"), (0x0166, "T"), (0x0130, "I"),
        ]
        for (k, c) in pairs { m[k] = c.asciiValue! }
        return m
    }()
}

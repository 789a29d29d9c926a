/// Phone numbers -> E.164 ("+14155550123"). Rules: `docs/identifiers.md#phone-numbers`.
enum PhoneNormalizer {
    /// At most this many digits before any extension (E.164 allows 15, plus room for prefixes).
    static let maxRawDigits = 20

    static func normalize(_ raw: String, region: PhoneRegion) throws -> String {
        let s = try IdentifierText.prepare(raw, what: "phone number")
        let (digits, plus) = try scan(s)
        if plus { return try international(digits, home: region) }

        // IDD forms: the region's own IDD prefixes (longest first), then the universal "00".
        var iddError: NormalizationError?
        for idd in region.idds + ["00"] {
            let p = idd.utf8.map { $0 - UInt8(ascii: "0") }
            guard digits.count > p.count, digits.starts(with: p) else { continue }
            do {
                return try international(Array(digits[p.count...]), home: region)
            } catch let e as NormalizationError {
                if iddError == nil { iddError = e }
            }
        }
        do {
            return try national(digits, region: region)
        } catch let e as NormalizationError {
            throw iddError ?? e
        }
    }

    // MARK: - Scanning

    private static func isSeparator(_ v: UInt32) -> Bool {
        switch v {
        case 0x20, 0x09, 0x2E, 0x2D, 0x2F, 0x28, 0x29, 0x5B, 0x5D,  // space tab . - / ( ) [ ]
            0x00A0, 0x2010...0x2015, 0x2212, 0x2027, 0x30FB, 0x00B7, 0x2E31:  // NBSP, dashes, minus, dots
            return true
        default:
            return false
        }
    }

    private static func lower(_ u: Unicode.Scalar) -> UInt32 {
        let v = u.value
        return (v >= 0x41 && v <= 0x5A) ? v + 0x20 : v
    }

    private static func isASCIILetter(_ v: UInt32) -> Bool {
        (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
    }

    /// Lower-cased ASCII text of `scalars[i...]` starts with `word`.
    private static func hasWord(_ scalars: [Unicode.Scalar], at i: Int, _ word: String) -> Bool {
        var j = i
        for b in word.utf8 {
            guard j < scalars.count, lower(scalars[j]) == UInt32(b) else { return false }
            j += 1
        }
        return true
    }

    static let letters = NormalizationError(
        code: "phone.letters",
        reason: "phone number contains letters; vanity numbers are not converted, write the digits")

    /// Extracts the digits (as values 0-9) and whether the number was written with a leading '+'.
    /// Drops separators, a "tel:" prefix, a "(0)" after the country code, and any extension.
    static func scan(_ s: String) throws -> ([UInt8], Bool) {
        let scalars = Array(s.unicodeScalars)
        var i = 0
        if hasWord(scalars, at: 0, "tel:") { i = 4 }
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        var plus = false
        scanning: while i < scalars.count {
            let u = scalars[i]
            if let d = IdentifierText.digitValue(u) {
                digits.append(d)
                if digits.count > maxRawDigits {
                    throw NormalizationError(
                        code: "phone.length", reason: "phone number has more than \(maxRawDigits) digits")
                }
                i += 1
                continue
            }
            let v = lower(u)
            if v == 0x2B || v == 0xFF0B {  // '+'
                guard digits.isEmpty, !plus else {
                    throw NormalizationError(code: "phone.invalid", reason: "a '+' may only start a phone number")
                }
                plus = true
                i += 1
            } else if v == 0x28, !digits.isEmpty, i + 2 < scalars.count, scalars[i + 1] == "0",
                scalars[i + 2] == ")"
            {
                i += 3  // "+44 (0)20 ...": the bracketed trunk prefix is not dialled internationally
            } else if isSeparator(v) {
                i += 1
            } else if v == 0x23 || v == 0x3B || v == 0x2C {  // # ; ,
                guard !digits.isEmpty else {
                    throw NormalizationError(code: "phone.invalid", reason: "phone number starts with an extension marker")
                }
                try checkExtension(scalars, from: i)
                break scanning
            } else if isASCIILetter(v) {
                guard !digits.isEmpty, v == 0x78 || hasWord(scalars, at: i, "ext") else { throw letters }
                try checkExtension(scalars, from: i)
                break scanning
            } else if u.properties.isAlphabetic {
                throw letters
            } else if IdentifierText.isMark(u) || u.properties.generalCategory == .format {
                i += 1  // stray zero-width / combining characters carry no digits
            } else {
                throw NormalizationError(
                    code: "phone.invalid", reason: "phone number contains characters other than digits and separators")
            }
        }
        guard !digits.isEmpty else {
            throw NormalizationError(code: "phone.invalid", reason: "phone number contains no digits")
        }
        return (digits, plus)
    }

    /// An extension ("x123", "ext. 123", "extension 123", "#123", ";ext=123", ",123") is dropped, but it
    /// must itself be numeric.
    private static func checkExtension(_ scalars: [Unicode.Scalar], from start: Int) throws {
        var i = start
        for marker in [";ext=", "extension", "extn", "ext", "x", "#", ";", ","] where hasWord(scalars, at: i, marker) {
            i += marker.unicodeScalars.count
            break
        }
        while i < scalars.count {
            let u = scalars[i]
            let v = lower(u)
            if IdentifierText.digitValue(u) != nil || isSeparator(v) || v == 0x3A || v == 0x3D || v == 0x23 || v == 0x2C {
                i += 1
            } else if u.properties.isAlphabetic {
                throw letters
            } else {
                throw NormalizationError(code: "phone.extension", reason: "phone extension is not numeric")
            }
        }
    }

    // MARK: - Interpretation

    private static func e164(_ cc: String, _ national: some Sequence<UInt8>) -> String {
        var out = "+" + cc
        for d in national { out.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") + d)) }
        return out
    }

    private static func rangeText(_ r: PhoneRegion) -> String {
        r.minLength == r.maxLength ? "\(r.minLength)" : "\(r.minLength)-\(r.maxLength)"
    }

    private static func planName(_ r: PhoneRegion) -> String {
        r.nanp ? "the North American Numbering Plan" : r.code
    }

    /// `d` starts with the country calling code (the '+' or IDD already removed).
    static func international(_ d: [UInt8], home: PhoneRegion) throws -> String {
        guard let first = d.first, first != 0 else {
            throw NormalizationError(code: "phone.countryCode", reason: "international number has no valid country calling code")
        }
        for len in 1...3 where d.count > len {
            let cc = String(decoding: d[0..<len].map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
            guard let r = PhoneRegions.byCallingCode[cc] else { continue }
            var nat = Array(d[len...])
            if r.nanp {
                try checkNANP(nat, context: "international number for \(planName(r))")
                return e164(cc, nat)
            }
            if r.trunk == "0", !r.keepsLeadingZero, nat.first == 0 {
                nat.removeFirst()  // "+44 (0)20 ..." written as "+44 020 ..."
            }
            nat = fixups(nat, region: r, international: true)
            try checkNoLeadingZero(nat, region: r)
            guard nat.count >= r.minLength, nat.count <= r.maxLength, len + nat.count <= 15 else {
                throw NormalizationError(
                    code: "phone.length",
                    reason: "not a valid international number for \(r.code): \(nat.count) digits after the country code, expected \(rangeText(r))")
            }
            return e164(cc, nat)
        }
        // Calling code outside the table: only the E.164 envelope is checked.
        guard d.count >= 8, d.count <= 15 else {
            throw NormalizationError(
                code: "phone.length",
                reason: "not a valid international number: \(d.count) digits, expected 8-15 including the country code")
        }
        return e164("", d)
    }

    private static func checkNANP(_ nat: [UInt8], context: String) throws {
        guard nat.count == 10 else {
            throw NormalizationError(
                code: "phone.length", reason: "not a valid phone number for \(context): \(nat.count) digits, national numbers have 10")
        }
        guard nat[0] >= 2 else {
            throw NormalizationError(
                code: "phone.areaCode", reason: "not a valid phone number for \(context): area codes cannot start with 0 or 1")
        }
    }

    /// Region-specific rewrites of a national significant number (trunk prefix already removed).
    private static func fixups(_ n: [UInt8], region r: PhoneRegion, international: Bool) -> [UInt8] {
        switch r.code {
        case "MX":
            // Pre-2019 mobile form "+52 1 XX XXXX XXXX": the 1 is gone.
            if international, n.count == 11, n[0] == 1 { return Array(n[1...]) }
        case "CO":
            // Pre-2021 landline "A NNNNNNN" (8 digits) became "60A NNNNNNN".
            if n.count == 8, n[0] >= 1, n[0] <= 8 { return [6, 0] + n }
        case "AR":
            // National mobile form "AREA 15 NNNN": the 15 is replaced by a leading 9.
            if n.count == 12, let fixed = argentineMobile(n) { return fixed }
        default:
            break
        }
        return n
    }

    /// "11 15 1234 5678" -> "9 11 1234 5678". Area codes are 11 (2 digits) or start with 2/3 (3-4 digits);
    /// area + subscriber is always 10 digits, so the "15" position is unambiguous.
    private static func argentineMobile(_ n: [UInt8]) -> [UInt8]? {
        for areaLength in 2...4 where n[areaLength] == 1 && n[areaLength + 1] == 5 {
            if areaLength == 2 {
                guard n[0] == 1, n[1] == 1 else { continue }
            } else {
                guard n[0] == 2 || n[0] == 3 else { continue }
            }
            return [9] + n[0..<areaLength] + n[(areaLength + 2)...]
        }
        return nil
    }

    private static func hasPrefix(_ d: [UInt8], _ p: String) -> Bool {
        d.count >= p.utf8.count && d.starts(with: p.utf8.map { $0 - UInt8(ascii: "0") })
    }

    /// A number written the way it is dialled inside `region`.
    static func national(_ d: [UInt8], region r: PhoneRegion) throws -> String {
        if r.nanp {
            var nat = d
            if nat.count == 11, nat[0] == 1 { nat.removeFirst() }
            try checkNANP(nat, context: "region \(r.code)")
            return e164(r.callingCode, nat)
        }
        var nat = d
        var strippedTrunk = false
        if r.code == "MX" {
            // Legacy long-distance "01" and mobile "044"/"045" prefixes, abolished in 2019.
            if nat.count == 12, hasPrefix(nat, "01") {
                nat.removeFirst(2)
            } else if nat.count == 13, hasPrefix(nat, "044") || hasPrefix(nat, "045") {
                nat.removeFirst(3)
            }
        } else if let t = r.trunk, !r.keepsLeadingZero, hasPrefix(nat, t) {
            let rest = nat.count - t.utf8.count
            // A "0" trunk is always removed (no national number starts with 0); others ("8", "06")
            // only when the rest has a valid length, since e.g. Russian area codes start with 8.
            if t == "0" || (rest >= r.minLength && rest <= r.maxLength) {
                nat.removeFirst(t.utf8.count)
                strippedTrunk = true
            }
        }
        if strippedTrunk {
            switch r.code {
            case "BR" where nat.count == 12 || nat.count == 13:
                nat.removeFirst(2)  // carrier selection code: "0 XX AA NNNNNNNNN"
            case "CO" where nat.count == 11 && nat[0] == 3 && nat[1] == 3:
                nat.removeFirst()  // legacy "03" + carrier 3 + mobile
            case "CO" where nat.count == 9 && (nat[0] == 5 || nat[0] == 7 || nat[0] == 9):
                nat.removeFirst()  // legacy "0" + carrier digit + area + number
            default:
                break
            }
        }
        nat = fixups(nat, region: r, international: false)
        if nat.first != 0 || r.keepsLeadingZero, nat.count >= r.minLength, nat.count <= r.maxLength, r.callingCode.utf8.count + nat.count <= 15 {
            return e164(r.callingCode, nat)
        }
        // The region's own country code written without '+' ("44 20 7946 0958" in GB).
        if !strippedTrunk, hasPrefix(d, r.callingCode), d.count > r.callingCode.utf8.count,
            let result = try? international(d, home: r), result.hasPrefix("+" + r.callingCode)
        {
            return result
        }
        try checkNoLeadingZero(nat, region: r)
        throw NormalizationError(
            code: "phone.length",
            reason: "not a valid phone number for region \(r.code): \(nat.count) digits, national numbers have \(rangeText(r))")
    }

    /// Outside Italy, no national significant number starts with 0 (a 0 is a trunk or IDD prefix).
    private static func checkNoLeadingZero(_ nat: [UInt8], region r: PhoneRegion) throws {
        if nat.first == 0, !r.keepsLeadingZero {
            throw NormalizationError(
                code: "phone.invalid",
                reason: "not a valid phone number for \(r.code): the national number cannot start with 0 after the trunk prefix")
        }
    }
}

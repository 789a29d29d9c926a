/// ISO 3166 region codes: validation and canonical form (`us-ca` -> `US-CA`).
enum RegionCodes {
    /// Every officially assigned ISO 3166-1 alpha-2 code (249), plus `XK` (Kosovo), the
    /// user-assigned code used by the EU, ICAO travel documents and most agencies' systems.
    static let alpha2: Set<String> = [
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
        "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
        "BT", "BV", "BW", "BY", "BZ",
        "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW",
        "CX", "CY", "CZ",
        "DE", "DJ", "DK", "DM", "DO", "DZ",
        "EC", "EE", "EG", "EH", "ER", "ES", "ET",
        "FI", "FJ", "FK", "FM", "FO", "FR",
        "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT",
        "GU", "GW", "GY",
        "HK", "HM", "HN", "HR", "HT", "HU",
        "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT",
        "JE", "JM", "JO", "JP",
        "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ",
        "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY",
        "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
        "MT", "MU", "MV", "MW", "MX", "MY", "MZ",
        "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
        "OM",
        "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY",
        "QA",
        "RE", "RO", "RS", "RU", "RW",
        "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
        "ST", "SV", "SX", "SY", "SZ",
        "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ",
        "UA", "UG", "UM", "US", "UY", "UZ",
        "VA", "VC", "VE", "VG", "VI", "VN", "VU",
        "WF", "WS",
        "XK",
        "YE", "YT",
        "ZA", "ZM", "ZW",
    ]

    /// `^[A-Z]{2}(-[A-Z0-9]{1,3})?$` after NFKC, trimming and upper-casing; the country part must be
    /// in `alpha2`. `what` names the field in error reasons.
    static func canonical(_ raw: String, what: String = "region code") throws -> String {
        let s = try IdentifierText.prepare(raw, what: what)
        var out: [UInt8] = []
        out.reserveCapacity(6)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): out.append(b - 0x20)
            default: out.append(b)
            }
            if out.count > 6 { break }
        }
        func isLetter(_ b: UInt8) -> Bool { b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") }
        func isAlnum(_ b: UInt8) -> Bool { isLetter(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) }
        let formatOK: Bool
        if out.count == 2 {
            formatOK = isLetter(out[0]) && isLetter(out[1])
        } else if out.count >= 4 && out.count <= 6 {
            formatOK = isLetter(out[0]) && isLetter(out[1]) && out[2] == UInt8(ascii: "-")
                && out[3...].allSatisfy(isAlnum)
        } else {
            formatOK = false
        }
        guard formatOK else {
            throw NormalizationError(
                code: "region.invalid",
                reason: "\(what) must be an ISO 3166-1 alpha-2 code (e.g. MX) or an ISO 3166-2 code (e.g. US-CA)")
        }
        let country = String(decoding: out[0..<2], as: UTF8.self)
        guard alpha2.contains(country) else {
            throw NormalizationError(code: "region.unknown", reason: "\(what) is not an assigned ISO 3166-1 country code")
        }
        return String(decoding: out, as: UTF8.self)
    }
}

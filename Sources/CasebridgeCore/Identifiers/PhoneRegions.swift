/// Dialing rules of one region, enough to turn a locally written number into E.164.
struct PhoneRegion: Sendable {
    /// ISO 3166-1 alpha-2 code.
    var code: String
    /// Country calling code without '+', e.g. "1", "44", "502".
    var callingCode: String
    /// International (IDD) prefixes used in this region besides the universal "00", e.g. "011".
    var idds: [String]
    /// National trunk prefix stripped from national numbers ("0", "1", "8", "06"), nil if none.
    var trunk: String?
    /// Allowed length of the national significant number (after the calling code, without trunk).
    var minLength: Int
    var maxLength: Int
    /// North American Numbering Plan: exactly 10 digits, area code not starting with 0 or 1.
    var nanp: Bool = false
    /// The leading 0 is part of the number (Italy): never stripped.
    var keepsLeadingZero: Bool = false
}

/// The table of supported default regions. Region codes are ISO 3166-1 alpha-2; lengths are those of
/// the national significant number and are deliberately generous (they catch typos, not plan details).
enum PhoneRegions {
    static let all: [PhoneRegion] = [
        // North American Numbering Plan (+1): trunk 1, IDD 011
        PhoneRegion(code: "US", callingCode: "1", idds: ["011"], trunk: "1", minLength: 10, maxLength: 10, nanp: true),
        PhoneRegion(code: "CA", callingCode: "1", idds: ["011"], trunk: "1", minLength: 10, maxLength: 10, nanp: true),
        PhoneRegion(code: "PR", callingCode: "1", idds: ["011"], trunk: "1", minLength: 10, maxLength: 10, nanp: true),
        PhoneRegion(code: "DO", callingCode: "1", idds: ["011"], trunk: "1", minLength: 10, maxLength: 10, nanp: true),
        // Latin America
        PhoneRegion(code: "MX", callingCode: "52", idds: [], trunk: nil, minLength: 10, maxLength: 10),
        PhoneRegion(code: "GT", callingCode: "502", idds: [], trunk: nil, minLength: 8, maxLength: 8),
        PhoneRegion(code: "SV", callingCode: "503", idds: [], trunk: nil, minLength: 8, maxLength: 8),
        PhoneRegion(code: "HN", callingCode: "504", idds: [], trunk: nil, minLength: 8, maxLength: 8),
        PhoneRegion(code: "NI", callingCode: "505", idds: [], trunk: nil, minLength: 8, maxLength: 8),
        PhoneRegion(code: "CR", callingCode: "506", idds: [], trunk: nil, minLength: 8, maxLength: 8),
        PhoneRegion(code: "PA", callingCode: "507", idds: [], trunk: nil, minLength: 7, maxLength: 8),
        PhoneRegion(code: "HT", callingCode: "509", idds: [], trunk: nil, minLength: 8, maxLength: 8),
        PhoneRegion(code: "CO", callingCode: "57", idds: ["009", "007", "005"], trunk: "0", minLength: 10, maxLength: 10),
        PhoneRegion(code: "VE", callingCode: "58", idds: [], trunk: "0", minLength: 10, maxLength: 10),
        PhoneRegion(code: "EC", callingCode: "593", idds: [], trunk: "0", minLength: 8, maxLength: 9),
        PhoneRegion(code: "PE", callingCode: "51", idds: [], trunk: "0", minLength: 8, maxLength: 9),
        PhoneRegion(
            code: "BR", callingCode: "55",
            idds: ["0012", "0014", "0015", "0021", "0023", "0025", "0031", "0041", "0043"],
            trunk: "0", minLength: 10, maxLength: 11),
        PhoneRegion(code: "AR", callingCode: "54", idds: [], trunk: "0", minLength: 10, maxLength: 11),
        PhoneRegion(code: "CL", callingCode: "56", idds: [], trunk: "0", minLength: 8, maxLength: 9),
        // Europe
        PhoneRegion(code: "GB", callingCode: "44", idds: [], trunk: "0", minLength: 7, maxLength: 10),
        PhoneRegion(code: "IE", callingCode: "353", idds: [], trunk: "0", minLength: 7, maxLength: 10),
        PhoneRegion(code: "FR", callingCode: "33", idds: [], trunk: "0", minLength: 9, maxLength: 9),
        PhoneRegion(code: "DE", callingCode: "49", idds: [], trunk: "0", minLength: 5, maxLength: 13),
        PhoneRegion(code: "AT", callingCode: "43", idds: [], trunk: "0", minLength: 4, maxLength: 13),
        PhoneRegion(code: "CH", callingCode: "41", idds: [], trunk: "0", minLength: 9, maxLength: 9),
        PhoneRegion(code: "ES", callingCode: "34", idds: [], trunk: nil, minLength: 9, maxLength: 9),
        PhoneRegion(code: "PT", callingCode: "351", idds: [], trunk: nil, minLength: 9, maxLength: 9),
        PhoneRegion(code: "IT", callingCode: "39", idds: [], trunk: nil, minLength: 6, maxLength: 11, keepsLeadingZero: true),
        PhoneRegion(code: "NL", callingCode: "31", idds: [], trunk: "0", minLength: 9, maxLength: 9),
        PhoneRegion(code: "BE", callingCode: "32", idds: [], trunk: "0", minLength: 8, maxLength: 9),
        PhoneRegion(code: "DK", callingCode: "45", idds: [], trunk: nil, minLength: 8, maxLength: 8),
        PhoneRegion(code: "NO", callingCode: "47", idds: [], trunk: nil, minLength: 8, maxLength: 8),
        PhoneRegion(code: "SE", callingCode: "46", idds: [], trunk: "0", minLength: 6, maxLength: 10),
        PhoneRegion(code: "PL", callingCode: "48", idds: [], trunk: "0", minLength: 9, maxLength: 9),
        PhoneRegion(code: "CZ", callingCode: "420", idds: [], trunk: nil, minLength: 9, maxLength: 9),
        PhoneRegion(code: "HU", callingCode: "36", idds: [], trunk: "06", minLength: 8, maxLength: 9),
        PhoneRegion(code: "RO", callingCode: "40", idds: [], trunk: "0", minLength: 9, maxLength: 9),
        PhoneRegion(code: "BG", callingCode: "359", idds: [], trunk: "0", minLength: 6, maxLength: 9),
        PhoneRegion(code: "GR", callingCode: "30", idds: [], trunk: nil, minLength: 10, maxLength: 10),
        PhoneRegion(code: "AL", callingCode: "355", idds: [], trunk: "0", minLength: 6, maxLength: 9),
        PhoneRegion(code: "MD", callingCode: "373", idds: [], trunk: "0", minLength: 8, maxLength: 8),
        PhoneRegion(code: "UA", callingCode: "380", idds: [], trunk: "0", minLength: 9, maxLength: 9),
        PhoneRegion(code: "RU", callingCode: "7", idds: ["810"], trunk: "8", minLength: 10, maxLength: 10),
        PhoneRegion(code: "KZ", callingCode: "7", idds: ["810"], trunk: "8", minLength: 10, maxLength: 10),
        PhoneRegion(code: "TR", callingCode: "90", idds: [], trunk: "0", minLength: 10, maxLength: 10),
        // Africa
        PhoneRegion(code: "NG", callingCode: "234", idds: ["009"], trunk: "0", minLength: 8, maxLength: 10),
        PhoneRegion(code: "GH", callingCode: "233", idds: [], trunk: "0", minLength: 9, maxLength: 9),
        PhoneRegion(code: "KE", callingCode: "254", idds: ["000"], trunk: "0", minLength: 7, maxLength: 10),
        PhoneRegion(code: "ZA", callingCode: "27", idds: [], trunk: "0", minLength: 9, maxLength: 9),
        PhoneRegion(code: "EG", callingCode: "20", idds: [], trunk: "0", minLength: 8, maxLength: 10),
        PhoneRegion(code: "MA", callingCode: "212", idds: [], trunk: "0", minLength: 9, maxLength: 9),
        // Asia
        PhoneRegion(code: "IN", callingCode: "91", idds: [], trunk: "0", minLength: 10, maxLength: 10),
        PhoneRegion(code: "PK", callingCode: "92", idds: [], trunk: "0", minLength: 8, maxLength: 11),
        PhoneRegion(code: "BD", callingCode: "880", idds: [], trunk: "0", minLength: 6, maxLength: 10),
        PhoneRegion(code: "NP", callingCode: "977", idds: [], trunk: "0", minLength: 8, maxLength: 10),
        PhoneRegion(code: "CN", callingCode: "86", idds: [], trunk: "0", minLength: 7, maxLength: 12),
        PhoneRegion(code: "JP", callingCode: "81", idds: ["010"], trunk: "0", minLength: 9, maxLength: 10),
        PhoneRegion(
            code: "KR", callingCode: "82", idds: ["00700", "001", "002", "005", "006", "008"], trunk: "0",
            minLength: 8, maxLength: 10),
        PhoneRegion(code: "PH", callingCode: "63", idds: [], trunk: "0", minLength: 8, maxLength: 10),
        PhoneRegion(code: "VN", callingCode: "84", idds: [], trunk: "0", minLength: 9, maxLength: 10),
        PhoneRegion(code: "TH", callingCode: "66", idds: ["001"], trunk: "0", minLength: 8, maxLength: 9),
        PhoneRegion(code: "KH", callingCode: "855", idds: ["001"], trunk: "0", minLength: 8, maxLength: 9),
        PhoneRegion(code: "ID", callingCode: "62", idds: ["001", "007", "008"], trunk: "0", minLength: 7, maxLength: 12),
        PhoneRegion(code: "MY", callingCode: "60", idds: [], trunk: "0", minLength: 7, maxLength: 10),
        // Oceania
        PhoneRegion(code: "AU", callingCode: "61", idds: ["0011"], trunk: "0", minLength: 9, maxLength: 10),
        PhoneRegion(code: "NZ", callingCode: "64", idds: [], trunk: "0", minLength: 8, maxLength: 10),
    ]

    /// Region code -> rules.
    static let byRegion: [String: PhoneRegion] = {
        var m: [String: PhoneRegion] = [:]
        for r in all { m[r.code] = r }
        return m
    }()

    /// Calling code -> rules used to validate international numbers. When several regions share a
    /// code (+1, +7), the first in `all` is used; they share the same length rules.
    static let byCallingCode: [String: PhoneRegion] = {
        var m: [String: PhoneRegion] = [:]
        for r in all where m[r.callingCode] == nil { m[r.callingCode] = r }
        return m
    }()
}

/// Letter tables for names: non-decomposing Latin letters, Cyrillic and Greek to Latin, honorifics.
enum NameTransliteration {
    /// Latin replacement for a lower-case letter (after NFKC, lower-casing and NFD), or nil to keep it.
    @inline(__always)
    static func latin(_ v: UInt32) -> String? {
        switch v {
        case 0x00DF: return "ss"  // ß
        case 0x00E6: return "ae"  // æ
        case 0x00F0: return "d"  // ð
        case 0x00F8: return "o"  // ø
        case 0x00FE: return "th"  // þ
        case 0x0111: return "d"  // đ
        case 0x0127: return "h"  // ħ
        case 0x0131: return "i"  // ı
        case 0x0138: return "k"  // ĸ
        case 0x0142: return "l"  // ł
        case 0x014B: return "n"  // ŋ
        case 0x0153: return "oe"  // œ
        case 0x0167: return "t"  // ŧ
        case 0x0180: return "b"  // ƀ
        case 0x0192: return "f"  // ƒ
        case 0x0268: return "i"  // ɨ
        case 0x1E9E: return "ss"  // ẞ (normally lower-cased to ß first)
        case 0x0430...0x045F: return cyrillic[Int(v - 0x0430)]
        case 0x0491: return "g"  // ґ
        case 0x0493: return "g"  // ғ
        case 0x049B: return "k"  // қ
        case 0x04A3: return "n"  // ң
        case 0x04AF, 0x04B1: return "u"  // ү ұ
        case 0x04BB: return "h"  // һ
        case 0x04D9: return "a"  // ә
        case 0x04E9: return "o"  // ө
        case 0x03B1...0x03C9: return greek[Int(v - 0x03B1)]
        default: return nil
        }
    }

    /// U+0430 ... U+045F. Russian/Ukrainian/Belarusian follow ICAO Doc 9303 (the passport MRZ
    /// transliteration); Serbian/Macedonian letters follow the Latin alphabets of those languages with
    /// diacritics removed. Letters with a canonical decomposition (ё й ї ў ѓ ќ ѐ ѝ) never reach the
    /// table: NFD has already turned them into base letter + mark.
    static let cyrillic: [String?] = [
        // а    б    в    г    д    е    ж     з    и    й    к    л    м    н    о    п
        "a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p",
        // р    с    т    у    ф    х     ц     ч     ш     щ       ъ     ы    ь   э    ю     я
        "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e", "iu", "ia",
        // ѐ    ё    ђ    ѓ    є     ѕ     і    ї    ј    љ     њ     ћ    ќ    ѝ    ў    џ
        "e", "e", "d", "g", "ie", "dz", "i", "i", "j", "lj", "nj", "c", "k", "i", "u", "dz",
    ]

    /// U+03B1 ... U+03C9, letter by letter (ELOT 743 single-letter values).
    static let greek: [String?] = [
        // α    β    γ    δ    ε    ζ    η    θ     ι    κ    λ    μ    ν    ξ    ο    π
        "a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o", "p",
        // ρ    ς    σ    τ    υ    φ    χ     ψ     ω
        "r", "s", "s", "t", "y", "f", "ch", "ps", "o",
    ]

    /// Titles, honorifics and generational suffixes (folded form), removed as whole tokens when the
    /// name has other tokens.
    static let honorifics: [String] = [
        // English titles and generational suffixes
        "mr", "mrs", "ms", "mx", "miss", "dr", "prof", "sir", "dame", "rev", "esq", "jr", "sr", "ii", "iii",
        "iv",
        // police / military ranks
        "det", "sgt", "lt", "capt", "cpt", "cpl", "insp", "ofc",
        // Spanish / Portuguese / Italian
        "sra", "srta", "don", "dona", "dna", "senor", "senora", "senorita", "signor", "signora",
        // French / German / Dutch
        "mme", "mlle", "monsieur", "madame", "herr", "frau", "fraulein", "dhr", "mevr",
    ]

    static let honorificKeys: Set<UInt64> = Set(honorifics.map { pack(Array($0.utf8)[...]) })

    /// Up to 8 ASCII bytes packed into an integer (0 marks "too long"; never a valid key).
    @inline(__always)
    static func pack(_ token: ArraySlice<UInt8>) -> UInt64 {
        guard token.count <= 8 else { return 0 }
        var key: UInt64 = 0
        for b in token { key = (key << 8) | UInt64(b) }
        return key
    }

    @inline(__always)
    static func isHonorific(_ token: ArraySlice<UInt8>) -> Bool {
        token.count <= 8 && honorificKeys.contains(pack(token))
    }
}

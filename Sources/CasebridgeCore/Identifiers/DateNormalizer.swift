import Foundation

/// How to read an all-numeric date whose year comes last (`03/04/1990`).
public enum DateOrder: String, Sendable, Hashable, CaseIterable, Codable {
    case mdy, dmy, ymd
}

/// Dates of birth -> ISO 8601 ("1990-03-15"). Rules: `docs/identifiers.md#dates-of-birth`.
enum DateNormalizer {
    static let minYear = 1900
    static let maxYear = 2100

    private enum Token {
        case number(value: Int, digits: Int)
        case word(String)
    }

    static func dob(_ raw: String, order: DateOrder?) throws -> String {
        var s = try IdentifierText.prepare(raw, what: "date of birth")
        s = stripISOTime(s)
        let (tokens, dotted) = try tokenize(s)
        var numbers: [(value: Int, digits: Int)] = []
        var month: Int?
        for t in tokens {
            switch t {
            case .number(let value, let digits):
                numbers.append((value, digits))
            case .word(let w):
                if fillers.contains(w) { continue }
                guard let m = months[w] else {
                    throw NormalizationError(code: "dob.format", reason: "date of birth contains a word that is not a month name")
                }
                guard month == nil else {
                    throw NormalizationError(code: "dob.format", reason: "date of birth contains more than one month name")
                }
                month = m
            }
        }

        if let month {
            // "15 March 1990", "March 15, 1990", "15-Mar-1990", "1990 Mar 15", "15 de marzo de 1990"
            guard numbers.count == 2 else {
                throw NormalizationError(code: "dob.format", reason: "a date with a month name needs a day and a 4-digit year")
            }
            let yearIndex = numbers.firstIndex { $0.digits == 4 }
            guard let yearIndex else {
                if numbers.allSatisfy({ $0.digits <= 2 }) { throw twoDigitYear }
                throw NormalizationError(code: "dob.format", reason: "a date with a month name needs a day and a 4-digit year")
            }
            let day = numbers[1 - yearIndex]
            guard day.digits <= 2 else {
                throw NormalizationError(code: "dob.format", reason: "day of birth must have 1 or 2 digits")
            }
            return try iso(year: numbers[yearIndex].value, month: month, day: day.value, code: "dob")
        }

        switch numbers.count {
        case 1:
            let n = numbers[0]
            if n.digits == 8 {  // YYYYMMDD
                return try iso(year: n.value / 10000, month: n.value / 100 % 100, day: n.value % 100, code: "dob")
            }
            if n.digits == 6 { throw twoDigitYear }
            throw NormalizationError(code: "dob.format", reason: "a date of birth written as one number must be YYYYMMDD")
        case 3:
            let (a, b, c) = (numbers[0], numbers[1], numbers[2])
            if a.digits == 4, b.digits <= 2, c.digits <= 2 {
                return try iso(year: a.value, month: b.value, day: c.value, code: "dob")  // year first: always Y-M-D
            }
            if c.digits == 4, a.digits <= 2, b.digits <= 2 {
                let (m, d) = try monthDay(a.value, b.value, order: order, dotted: dotted)
                return try iso(year: c.value, month: m, day: d, code: "dob")
            }
            if a.digits <= 2, b.digits <= 2, c.digits <= 2 { throw twoDigitYear }
            throw NormalizationError(code: "dob.format", reason: "date of birth is not in a recognized format")
        default:
            throw NormalizationError(code: "dob.format", reason: "date of birth is not in a recognized format")
        }
    }

    static let twoDigitYear = NormalizationError(
        code: "dob.year", reason: "date of birth has a two-digit year; write the year with 4 digits")

    /// Resolves `first/second/YYYY` into (month, day).
    private static func monthDay(_ a: Int, _ b: Int, order: DateOrder?, dotted: Bool) throws -> (Int, Int) {
        switch order {
        case .mdy: return (a, b)
        case .dmy: return (b, a)
        case .ymd:
            throw NormalizationError(
                code: "dob.format", reason: "date of birth has its year last, which does not fit the order ymd")
        case nil:
            if a > 12 && b >= 1 && b <= 12 { return (b, a) }  // day first
            if b > 12 && a >= 1 && a <= 12 { return (a, b) }  // month first
            if a == b || dotted { return (b, a) }  // same either way / dotted = European day-first
            if a >= 1 && a <= 12 && b >= 1 && b <= 12 {
                throw NormalizationError(
                    code: "dob.ambiguous",
                    reason: "date of birth is ambiguous: both of its first two parts could be the month; give the order (mdy or dmy)")
            }
            throw NormalizationError(code: "dob.invalid", reason: "date of birth is not a real calendar date")
        }
    }

    /// "1990-03-15T00:00:00Z" / "1990-03-15 00:00" -> "1990-03-15" (the date as written, no time-zone shift).
    private static func stripISOTime(_ s: String) -> String {
        let u = Array(s.utf8.prefix(13))
        guard u.count == 13 else { return s }
        func digit(_ i: Int) -> Bool { u[i] >= 0x30 && u[i] <= 0x39 }
        guard digit(0), digit(1), digit(2), digit(3), u[4] == 0x2D, digit(5), digit(6), u[7] == 0x2D,
            digit(8), digit(9), u[10] == 0x54 || u[10] == 0x74 || u[10] == 0x20, digit(11), digit(12)
        else { return s }
        return String(decoding: u[0..<10], as: UTF8.self)
    }

    private static func tokenize(_ s: String) throws -> ([Token], dotted: Bool) {
        let folded = IdentifierText.isASCII(s) ? s.lowercased() : s.lowercased().decomposedStringWithCanonicalMapping
        var tokens: [Token] = []
        var value = 0
        var digits = 0
        var word: [UInt8] = []
        var dotted = false
        func flush() {
            if digits > 0 { tokens.append(.number(value: value, digits: digits)) }
            if !word.isEmpty { tokens.append(.word(String(decoding: word, as: UTF8.self))) }
            value = 0
            digits = 0
            word = []
        }
        for u in folded.unicodeScalars {
            if let d = IdentifierText.digitValue(u) {
                if !word.isEmpty { flush() }
                digits += 1
                guard digits <= 8 else {
                    throw NormalizationError(code: "dob.format", reason: "date of birth is not in a recognized format")
                }
                value = value * 10 + Int(d)
                continue
            }
            let v = u.value
            if v >= 0x61 && v <= 0x7A {
                if digits > 0 { flush() }
                word.append(UInt8(v))
                guard word.count <= 12 else {
                    throw NormalizationError(code: "dob.format", reason: "date of birth contains a word that is not a month name")
                }
                continue
            }
            if IdentifierText.isMark(u) || u.properties.generalCategory == .format { continue }
            switch v {
            case 0x2E:  // .
                dotted = true
                flush()
            case 0x20, 0x09, 0x2D, 0x2F, 0x2C, 0x2010...0x2015:  // space tab - / , dashes
                flush()
            default:
                throw NormalizationError(
                    code: "dob.format", reason: "date of birth contains characters that are not digits, month names or separators")
            }
        }
        flush()
        return (tokens, dotted)
    }

    /// Words ignored between date parts: "de"/"del" (es, pt), "of"/"the", ordinal suffixes ("15th", "1er", "1º").
    static let fillers: Set<String> = ["de", "del", "of", "the", "st", "nd", "rd", "th", "er", "o"]

    /// Month names and abbreviations, folded (lower-case, no diacritics): English, Spanish,
    /// Portuguese, French, German.
    static let months: [String: Int] = {
        let names: [[String]] = [
            ["january", "jan", "enero", "ene", "janeiro", "janvier", "janv", "januar"],
            ["february", "feb", "febrero", "fevereiro", "fev", "fevrier", "fevr", "februar"],
            ["march", "mar", "marzo", "marco", "mars", "marz", "maerz"],
            ["april", "apr", "abril", "abr", "avril", "avr"],
            ["may", "mayo", "maio", "mai"],
            ["june", "jun", "junio", "junho", "juin", "juni"],
            ["july", "jul", "julio", "julho", "juillet", "juil", "juli"],
            ["august", "aug", "agosto", "ago", "aout", "aou"],
            ["september", "sep", "sept", "septiembre", "setiembre", "set", "setembro", "septembre"],
            ["october", "oct", "octubre", "outubro", "out", "octobre", "oktober", "okt"],
            ["november", "nov", "noviembre", "novembro", "novembre"],
            ["december", "dec", "diciembre", "dic", "dezembro", "dez", "decembre", "dezember"],
        ]
        var m: [String: Int] = [:]
        for (i, list) in names.enumerated() {
            for n in list { m[n] = i + 1 }
        }
        return m
    }()

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Validates and formats; `code` is the error-code prefix ("dob" or "date").
    static func iso(year: Int, month: Int, day: Int, code: String) throws -> String {
        let what = code == "dob" ? "date of birth" : "date"
        guard year >= minYear, year <= maxYear else {
            throw NormalizationError(code: "\(code).range", reason: "\(what) has a year outside \(minYear)-\(maxYear)")
        }
        guard month >= 1, month <= 12, day >= 1, day <= daysIn(month: month, year: year) else {
            throw NormalizationError(code: "\(code).invalid", reason: "\(what) is not a real calendar date")
        }
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Strict "YYYY-MM-DD" (ASCII digits after NFKC), validated as a calendar date in 1900-2100.
    static func isoDate(_ raw: String) throws -> String {
        let s = try IdentifierText.prepare(raw, what: "date")
        let u = Array(s.utf8)
        func digit(_ i: Int) -> Int? { u[i] >= 0x30 && u[i] <= 0x39 ? Int(u[i] - 0x30) : nil }
        guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D,
            let y0 = digit(0), let y1 = digit(1), let y2 = digit(2), let y3 = digit(3),
            let m0 = digit(5), let m1 = digit(6), let d0 = digit(8), let d1 = digit(9)
        else {
            throw NormalizationError(code: "date.format", reason: "date must be written YYYY-MM-DD")
        }
        return try iso(year: y0 * 1000 + y1 * 100 + y2 * 10 + y3, month: m0 * 10 + m1, day: d0 * 10 + d1, code: "date")
    }
}

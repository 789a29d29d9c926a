// How one agency writes down a person: its name order, date and phone formats, and the
// slips (typos, dropped surnames, other transliterations) that make matching hard.

extension SyntheticEngine {
    /// Key slots for the truth, in `TruthLink.identifierKinds` order.
    static let kPhone = 0, kEmail = 1, kName = 2, kDob = 3, kNameDob = 4, kPlate = 5, kHandle = 6, kDocument = 7

    /// Renders `p` as a subject of agency `a`. `keys` (shared people only) receives the normalized
    /// value of every identifier shown, per kind.
    mutating func render(
        _ p: SyntheticPerson, agency a: Int, role: String, link: SyntheticLinkKind, keys: inout [[String]]?
    ) -> SubjectInput {
        let t = contexts[a].template
        let fresh = keys == nil
        var s = SubjectInput(role: role)

        var nameKey: String? = nil
        if fresh || link == .nameDob || rng.chance(0.97) {
            let (name, key) = renderName(p, t)
            s.names = [name]
            nameKey = key
            keys?[Self.kName].append(key)
        }
        var aliases: [NameInput] = []
        var aliasKeys: [String] = []
        for (i, alias) in p.aliases.enumerated() where fresh || rng.chance(0.6) {
            aliases.append(alias)
            if keys != nil {
                aliasKeys.append(p.aliasKeys[i])
                keys![Self.kName].append(p.aliasKeys[i])
            }
        }
        if !aliases.isEmpty { s.aliases = aliases }

        if let dob = p.dob, fresh || link == .nameDob || rng.chance(0.75) {
            var (y, m, d) = dob
            if !fresh, rng.chance(0.01) { d = d == 28 ? 27 : d + 1 }  // a slip in one agency's record
            let (text, format) = renderDate(y, m, d, t)
            s.dob = text
            s.dobFormat = format
            let key = "\(y)-\(m)-\(d)"
            keys?[Self.kDob].append(key)
            if let nameKey { keys?[Self.kNameDob].append(nameKey + "#" + key) }
            for aliasKey in aliasKeys { keys?[Self.kNameDob].append(aliasKey + "#" + key) }
        }

        var phones: [String] = []
        for (i, phone) in p.phones.enumerated() where fresh || (link == .phone && i == 0) || rng.chance(0.65) {
            phones.append(renderPhone(phone, t))
            keys?[Self.kPhone].append(phone.e164)
        }
        if !phones.isEmpty { s.phones = phones }

        var emails: [String] = []
        for (i, email) in p.emails.enumerated() where fresh || (link == .email && i == 0) || rng.chance(0.45) {
            emails.append(renderEmail(email))
            keys?[Self.kEmail].append(email)
        }
        if !emails.isEmpty { s.emails = emails }

        var plates: [PlateInput] = []
        for (i, plate) in p.plates.enumerated() where fresh || (link == .plate && i == 0) || rng.chance(0.5) {
            plates.append(PlateInput(plate: renderPlate(plate.plate), region: plate.region))
            keys?[Self.kPlate].append(plate.region + ":" + plate.plate)
        }
        if !plates.isEmpty { s.plates = plates }

        var handles: [HandleInput] = []
        for (i, handle) in p.handles.enumerated() where fresh || (link == .handle && i == 0) || rng.chance(0.55) {
            handles.append(HandleInput(platform: handle.platform, handle: renderHandle(handle.platform, handle.handle)))
            keys?[Self.kHandle].append(handle.platform + ":" + handle.handle)
        }
        if !handles.isEmpty { s.handles = handles }

        var documents: [DocumentInput] = []
        for (i, doc) in p.documents.enumerated() where fresh || (link == .document && i == 0) || rng.chance(0.35) {
            let number = rng.chance(0.1) ? doc.number.lowercased() : doc.number
            documents.append(DocumentInput(type: doc.type, number: number, issuer: doc.issuer))
            keys?[Self.kDocument].append(doc.type + "|" + doc.issuer + "|" + doc.number)
        }
        if !documents.isEmpty { s.documents = documents }
        return s
    }

    // MARK: Names

    /// The name as this agency writes it, and a key equal for two renderings exactly when their
    /// normalized tokens are equal (case, diacritics, field order and "FAMILY, Given" ignored).
    mutating func renderName(_ p: SyntheticPerson, _ t: Agency) -> (NameInput, String) {
        let culture = SyntheticTables.cultures[p.culture]
        let (g, allFamily) = forms(p)
        var f = allFamily
        var familySpelling = p.familySpelling
        if f.count > 1, rng.chance(0.15) {  // second surname left out
            f.removeLast()
            familySpelling.removeLast()
        }
        var givenSpelling = p.givenSpelling
        if rng.chance(0.25) {  // this agency transliterates differently
            for i in g.indices where !g[i].variants.isEmpty { givenSpelling[i] = rng.below(g[i].variants.count + 1) }
            for i in f.indices where !f[i].variants.isEmpty { familySpelling[i] = rng.below(f[i].variants.count + 1) }
        }
        func joined(_ forms: [SyntheticNameForm], _ spelling: [Int], ascii: Bool) -> String {
            if forms.count == 1 { return Self.spelled(forms[0], spelling[0], ascii: ascii) }
            return forms.indices.map { Self.spelled(forms[$0], spelling[$0], ascii: ascii) }.joined(separator: " ")
        }
        let asciiGiven = joined(g, givenSpelling, ascii: true)
        let asciiFamily = joined(f, familySpelling, ascii: true)

        var given: String
        var family: String
        var key: String
        let native = (g + f).allSatisfy { $0.native != nil }
        if !native || !rng.chance(0.08) {
            if rng.chance(0.025) {
                given = asciiGiven
                family = asciiFamily
                if rng.chance(0.7) { family = typo(family) } else { given = typo(given) }
                key = "T:" + given.lowercased() + "|" + family.lowercased()
            } else {
                let ascii = rng.chance(culture.id == "chinese" ? 0.9 : (t.spanish ? 0.15 : 0.5))
                given = ascii ? asciiGiven : joined(g, givenSpelling, ascii: false)
                family = ascii ? asciiFamily : joined(f, familySpelling, ascii: false)
                key = "L:" + asciiGiven.lowercased() + "|" + asciiFamily.lowercased()
            }
            if rng.chance(0.12) {
                given = given.uppercased()
                family = family.uppercased()
            }
        } else {
            let sep = culture.id == "chinese" ? "" : " "
            given = g.map { $0.native! }.joined(separator: sep)
            family = f.map { $0.native! }.joined(separator: sep)
            let all = g + f
            let forms = all.map { $0.nativeMatchForm! }
            let latin = forms.allSatisfy(\.latin)
            let givenKey = forms[..<g.count].map(\.text).joined(separator: " ")
            let familyKey = forms[g.count...].map(\.text).joined(separator: " ")
            // Transliterated Cyrillic meets the Latin spelling when the two agree (Olena = Олена,
            // but Mykola != Микола, which ICAO writes "mikola").
            key = (latin ? "L:" : "N:") + givenKey + "|" + familyKey
        }

        if t.familyFirst, rng.chance(0.6) {
            return (NameInput(family: family.uppercased() + ", " + given), key)
        }
        if rng.chance(culture.familyFirst ? 0.2 : 0.03) {
            return (NameInput(given: family, family: given), key)  // fields swapped
        }
        return (NameInput(given: given, family: family), key)
    }

    /// One slip of the keyboard in an ASCII name: a wrong, missing, doubled or swapped letter.
    mutating func typo(_ s: String) -> String {
        var b = Array(s.utf8)
        func isLetter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        let positions = b.indices.filter { $0 > 0 && isLetter(b[$0]) }
        guard !positions.isEmpty else { return s + "e" }
        let i = rng.pick(positions)
        func substitute() {
            let lower = b[i] | 0x20
            var c = UInt8(97 + rng.below(26))
            while c == lower { c = UInt8(97 + rng.below(26)) }
            b[i] = b[i] < 97 ? c - 32 : c
        }
        switch rng.below(4) {
        case 0: substitute()
        case 1: if b.count > 3 { b.remove(at: i) } else { substitute() }
        case 2:
            if isLetter(b[i - 1]), b[i - 1] | 0x20 != b[i] | 0x20 { b.swapAt(i - 1, i) } else { substitute() }
        default: b.insert(b[i], at: i)
        }
        return String(decoding: b, as: UTF8.self)
    }

    // MARK: Dates

    /// A date of birth in one of the agency's usual, unambiguous forms; slashed day/month forms
    /// come with `dobFormat` whenever the day could be read as a month.
    mutating func renderDate(_ y: Int, _ m: Int, _ d: Int, _ t: Agency) -> (String, String?) {
        let weights: [Double]  // iso, long, dots, slash
        switch t.region {
        case "MX": weights = [25, 10, 20, 45]
        case "GB": weights = [20, 25, 5, 50]
        case "CA": weights = [50, 20, 0, 30]
        default: weights = [30, 15, 5, 50]
        }
        switch rng.weighted(weights) {
        case 0: return ("\(y)-\(Self.pad(m, 2))-\(Self.pad(d, 2))", nil)
        case 1: return ("\(d) \(SyntheticTables.monthNames[m - 1]) \(y)", nil)
        case 2: return ("\(d).\(m).\(y)", nil)
        default:
            let needsFormat = d <= 12 || rng.chance(0.3)
            if t.region == "US" || t.region == "CA" {
                return ("\(Self.pad(m, 2))/\(Self.pad(d, 2))/\(y)", needsFormat ? "mdy" : nil)
            }
            return ("\(Self.pad(d, 2))/\(Self.pad(m, 2))/\(y)", needsFormat ? "dmy" : nil)
        }
    }

    // MARK: Phones

    static func groups(_ digits: String, _ lengths: [Int]) -> [String] {
        var parts: [String] = []
        parts.reserveCapacity(lengths.count + 1)
        digits.utf8.withContiguousStorageIfAvailable { b in
            var i = 0
            for n in lengths where i < b.count {
                let end = min(b.count, i + n)
                parts.append(String(decoding: UnsafeBufferPointer(rebasing: b[i..<end]), as: UTF8.self))
                i = end
            }
            if i < b.count { parts.append(String(decoding: UnsafeBufferPointer(rebasing: b[i...]), as: UTF8.self)) }
        }
        return parts
    }

    static func grouped(_ digits: String, _ lengths: [Int]) -> String {
        groups(digits, lengths).joined(separator: " ")
    }

    /// Digit groups of the national significant number as written after the country code.
    static func international(_ ph: SyntheticPhone) -> String {
        switch ph.cc {
        case "1": return grouped(ph.nsn, [3, 3, 4])
        case "52": return ph.areaLength == 2 ? grouped(ph.nsn, [2, 4, 4]) : grouped(ph.nsn, [3, 3, 4])
        case "44":
            switch ph.areaLength {
            case 2: return grouped(ph.nsn, [2, 4, 4])
            case 3: return grouped(ph.nsn, [3, 3, 4])
            default: return grouped(ph.nsn, [4, 6])
            }
        default: return grouped(ph.nsn, [ph.areaLength, 3, 3, 4])
        }
    }

    mutating func national(_ ph: SyntheticPhone) -> String {
        let n = ph.nsn
        switch ph.cc {
        case "1":
            let a = Self.groups(n, [3, 3, 4])
            switch rng.below(5) {
            case 0: return "(\(a[0])) \(a[1])-\(a[2])"
            case 1: return "\(a[0])-\(a[1])-\(a[2])"
            case 2: return "\(a[0]).\(a[1]).\(a[2])"
            case 3: return n
            default: return "\(a[0]) \(a[1]) \(a[2])"
            }
        case "52":
            let a = Self.groups(n, ph.areaLength == 2 ? [2, 4, 4] : [3, 3, 4])
            switch rng.below(4) {
            case 0: return "(\(a[0])) \(a[1])-\(a[2])"
            case 1: return "\(a[0]) \(a[1]) \(a[2])"
            case 2: return "\(a[0])-\(a[1])-\(a[2])"
            default: return n
            }
        default:  // GB: trunk 0
            return rng.chance(0.75) ? "0" + Self.international(ph) : "0" + n
        }
    }

    mutating func renderPhone(_ ph: SyntheticPhone, _ t: Agency) -> String {
        let local = ph.country == t.region
        let nanp = ph.cc == "1" && (t.region == "US" || t.region == "CA")
        var out: String
        if local, rng.chance(0.7) {
            out = national(ph)
        } else if !local, !nanp, rng.chance(0.3) {
            let exit = t.region == "US" || t.region == "CA" ? "011" : "00"
            out = exit + " " + ph.cc + " " + Self.international(ph)
        } else {
            switch rng.below(3) {
            case 0: out = "+" + ph.cc + ph.nsn
            case 1 where ph.cc == "1":
                let a = Self.groups(ph.nsn, [3, 3, 4])
                out = "+1 (\(a[0])) \(a[1])-\(a[2])"
            default: out = "+" + ph.cc + " " + Self.international(ph)
            }
        }
        if rng.chance(0.015) { out += " x" + String(rng.int(10...999)) }
        return out
    }

    // MARK: Other identifiers

    mutating func renderEmail(_ e: String) -> String {
        switch rng.below(10) {
        case 6, 7:
            // Capitalized local part and domain, as typed into a form.
            guard let at = e.firstIndex(of: "@") else { return e }
            let local = e[..<at]
            let domain = e[e.index(after: at)...]
            return local.prefix(1).uppercased() + local.dropFirst() + "@" + domain.prefix(1).uppercased()
                + domain.dropFirst()
        case 8: return e.uppercased()
        case 9: return rng.chance(0.5) ? " " + e + " " : e + " "
        default: return e
        }
    }

    mutating func renderPlate(_ plate: String) -> String {
        let style = rng.weighted([45, 25, 15, 10, 5])
        if style == 0 { return plate }
        if style == 3 { return plate.lowercased() }
        // Separators at letter/digit boundaries ("7 ABC 123", "7-ABC-123"), or one in the middle.
        let b = Array(plate.utf8)
        if style == 4 {
            let mid = b.count / 2
            return String(decoding: b[..<mid], as: UTF8.self) + " " + String(decoding: b[mid...], as: UTF8.self)
        }
        let sep: UInt8 = style == 1 ? 0x20 : 0x2D
        var out: [UInt8] = []
        for (i, c) in b.enumerated() {
            if i > 0, (c >= 65) != (b[i - 1] >= 65) { out.append(sep) }
            out.append(c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func renderHandle(_ platform: String, _ handle: String) -> String {
        let style = rng.weighted([35, 35, 30])
        if style == 0 { return "@" + handle }
        if style == 1 { return handle }
        switch platform {
        case "instagram": return rng.chance(0.5) ? "https://www.instagram.com/\(handle)/" : "instagram.com/\(handle)"
        case "tiktok": return "https://www.tiktok.com/@\(handle)"
        case "x": return "https://x.com/\(handle)"
        case "facebook": return "https://www.facebook.com/\(handle)"
        case "telegram": return "https://t.me/\(handle)"
        default: return "@" + handle
        }
    }
}

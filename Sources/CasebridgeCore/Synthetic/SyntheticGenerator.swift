internal import Foundation

/// Generates a fictional federation of agencies whose cases share some people, with the truth
/// about which subjects are the same person (for measuring matching recall and precision).
///
/// Output is a pure function of the four parameters: the generator has its own PRNG
/// (xoshiro256** seeded by SplitMix64) and never touches the system random source.
public struct SyntheticGenerator: Sendable {
    public var agencies: Int
    public var casesPerAgency: Int
    /// Fraction of subjects (0...1) that also appear in another agency's case.
    public var overlap: Double
    public var seed: UInt64

    public init(agencies: Int, casesPerAgency: Int, overlap: Double, seed: UInt64) {
        self.agencies = max(0, agencies)
        self.casesPerAgency = max(0, casesPerAgency)
        self.overlap = overlap.isNaN ? 0 : min(1, max(0, overlap))
        self.seed = seed
    }

    public func generate() -> SyntheticFederation {
        var engine = SyntheticEngine(self)
        return engine.run()
    }
}

public struct SyntheticFederation: Sendable {
    public var agencies: [SyntheticAgency]
    /// One link per person who appears in more than one case.
    public var truth: [TruthLink]

    public init(agencies: [SyntheticAgency], truth: [TruthLink]) {
        self.agencies = agencies
        self.truth = truth
    }
}

public struct SyntheticAgency: Sendable {
    public var nodeId: String
    public var agency: String
    /// ISO 3166-1 region used to read national phone numbers (`US`, `MX`, `CA`, `GB`).
    public var defaultRegion: String
    public var jurisdiction: String
    public var cases: [CaseInput]

    public init(nodeId: String, agency: String, defaultRegion: String, jurisdiction: String, cases: [CaseInput]) {
        self.nodeId = nodeId
        self.agency = agency
        self.defaultRegion = defaultRegion
        self.jurisdiction = jurisdiction
        self.cases = cases
    }
}

/// A person who appears as a subject in several cases.
public struct TruthLink: Sendable, Codable, Hashable {
    public var personId: String
    public var cases: [TruthCase]
    /// Identifier kinds whose normalized value occurs in more than one of `cases`, in the order
    /// `phone, email, name, dob, name+dob, plate, handle, document`. Empty when the appearances
    /// share nothing a matcher could see (e.g. a typo in the name and no other overlap).
    public var sharedIdentifiers: [String]

    public init(personId: String, cases: [TruthCase], sharedIdentifiers: [String]) {
        self.personId = personId
        self.cases = cases
        self.sharedIdentifiers = sharedIdentifiers
    }

    /// All identifier kinds, in the order `sharedIdentifiers` uses.
    public static let identifierKinds = ["phone", "email", "name", "dob", "name+dob", "plate", "handle", "document"]
}

public struct TruthCase: Sendable, Codable, Hashable {
    public var nodeId: String
    public var caseRef: String
    public var subjectIndex: Int

    public init(nodeId: String, caseRef: String, subjectIndex: Int) {
        self.nodeId = nodeId
        self.caseRef = caseRef
        self.subjectIndex = subjectIndex
    }
}

// MARK: - Engine

struct SyntheticPhone: Sendable {
    var country: String
    var cc: String
    /// National significant number (no trunk prefix).
    var nsn: String
    /// Digits of `nsn` that form the area code or mobile prefix, for grouping.
    var areaLength: Int

    var e164: String { "+" + cc + nsn }
}

struct SyntheticPerson: Sendable {
    var serial: Int
    var culture: Int
    var female: Bool
    var given: [Int]
    var family: [Int]
    /// Chosen spelling of each given/family part: 0 = the main form, k = `variants[k - 1]`.
    var givenSpelling: [Int]
    var familySpelling: [Int]
    var dob: (year: Int, month: Int, day: Int)?
    var phones: [SyntheticPhone] = []
    var emails: [String] = []
    var plates: [(region: String, plate: String)] = []
    var handles: [(platform: String, handle: String)] = []
    var documents: [(type: String, issuer: String, number: String)] = []
    var aliases: [NameInput] = []
    /// Truth key of each alias (same key space as the names).
    var aliasKeys: [String] = []
}

/// Which identifiers an appearance must show (the link between a shared person's cases).
enum SyntheticLinkKind: Int {
    case none, phone, handle, email, plate, document, nameDob
}

struct SyntheticEngine {
    typealias Agency = SyntheticTables.Agency

    struct AgencyContext {
        var template: Agency
        var nodeId: String
        var name: String
        var prefix: String
        var contacts: [ContactInput]
        /// Narratives with the agency's city and a business filled in.
        var narratives: [String]
    }

    let config: SyntheticGenerator
    var layoutRNG: SyntheticRandom
    var personRNG: SyntheticRandom
    var rng: SyntheticRandom
    var contexts: [AgencyContext] = []

    var serial = 0
    var nanpNext: [String: Int] = [:]
    var mxNext: [String: UInt64] = [:]
    var gbNext: [Int: UInt64] = [:]
    var foreignNext: [String: UInt64] = [:]
    var plateNext: [String: UInt64] = [:]
    var documentNext: UInt64 = 0
    let lineScatter: SyntheticScatter
    var scatters: [String: SyntheticScatter] = [:]
    let seedSalt: UInt64

    init(_ config: SyntheticGenerator) {
        self.config = config
        layoutRNG = SyntheticRandom(seed: config.seed, stream: 1)
        personRNG = SyntheticRandom(seed: config.seed, stream: 2)
        rng = SyntheticRandom(seed: config.seed, stream: 3)
        var salt = SyntheticRandom(seed: config.seed, stream: 4)
        seedSalt = salt.next()
        lineScatter = SyntheticScatter(modulus: 9900, salt: seedSalt)
    }

    // MARK: Run

    mutating func run() -> SyntheticFederation {
        let n = config.agencies
        let m = config.casesPerAgency
        makeAgencies(n)

        // Subject counts per case, and the slot (agency, case, subject) of every subject.
        var subjectCounts: [UInt8] = []
        subjectCounts.reserveCapacity(n * m)
        var slotStart: [Int] = []
        slotStart.reserveCapacity(n * m + 1)
        var total = 0
        for _ in 0..<(n * m) {
            let k: Int
            if layoutRNG.chance(0.01) {
                k = 0
            } else {
                k = 1 + layoutRNG.weighted(Self.subjectCountWeights)
            }
            subjectCounts.append(UInt8(k))
            slotStart.append(total)
            total += k
        }
        slotStart.append(total)

        // Shared people: a fraction of all slots, grouped 2–4 at a time across different agencies.
        var slotGroup = [Int32](repeating: -1, count: total)
        var groups: [[Int32]] = []
        if n >= 2, config.overlap > 0, total > 1 {
            func agencyOf(_ slot: Int) -> Int {
                // Binary search over case starts, then case index -> agency.
                var lo = 0, hi = n * m - 1
                while lo < hi {
                    let mid = (lo + hi + 1) / 2
                    if slotStart[mid] <= slot { lo = mid } else { hi = mid - 1 }
                }
                return lo / m
            }
            let target = Int((config.overlap * Double(total)).rounded())
            var order = [Int32](0..<Int32(total))
            // A partial Fisher–Yates: only the first `target` positions are needed.
            for i in 0..<min(target, total - 1) {
                let j = i + layoutRNG.below(total - i)
                order.swapAt(i, j)
            }
            var pending = Array(order.prefix(target))
            var pass = 0
            while pending.count >= 2, pass < 4 {
                var deferred: [Int32] = []
                var open: [Int32] = []
                var openAgencies: [Int] = []
                var size = 2
                for slot in pending {
                    let a = agencyOf(Int(slot))
                    if openAgencies.contains(a) {
                        deferred.append(slot)
                        continue
                    }
                    if open.isEmpty { size = 2 + layoutRNG.weighted([80, 15, 5]) }
                    open.append(slot)
                    openAgencies.append(a)
                    if open.count == size {
                        groups.append(open)
                        open.removeAll(keepingCapacity: true)
                        openAgencies.removeAll(keepingCapacity: true)
                    }
                }
                if open.count >= 2 {
                    groups.append(open)
                } else {
                    deferred += open
                }
                pending = deferred
                pass += 1
            }
            for (g, members) in groups.enumerated() {
                for slot in members { slotGroup[Int(slot)] = Int32(g) }
            }
        }

        // The shared people themselves, each created in the agency of its first appearance.
        var shared: [SyntheticPerson] = []
        var links: [SyntheticLinkKind] = []
        shared.reserveCapacity(groups.count)
        for members in groups {
            let first = Int(members.min()!)
            var lo = 0, hi = n * m - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if slotStart[mid] <= first { lo = mid } else { hi = mid - 1 }
            }
            let home = lo / m
            let link = SyntheticLinkKind(rawValue: 1 + personRNG.weighted([40, 18, 10, 10, 5, 17]))!
            var r = personRNG
            var person = makePerson(in: home, role: "suspect", using: &r)
            ensure(link, in: &person, home: home, using: &r)
            personRNG = r
            shared.append(person)
            links.append(link)
        }

        var truthCases = [[TruthCase]](repeating: [], count: groups.count)
        var truthCounts = [[[String: Int]]](
            repeating: [[String: Int]](repeating: [:], count: 8), count: groups.count)

        var out: [SyntheticAgency] = []
        out.reserveCapacity(n)
        for a in 0..<n {
            let ctx = contexts[a]
            var cases: [CaseInput] = []
            cases.reserveCapacity(m)
            for c in 0..<m {
                let global = a * m + c
                var input = makeCase(agency: a, number: c + 1)
                let count = Int(subjectCounts[global])
                if count > 0 {
                    var subjects: [SubjectInput] = []
                    subjects.reserveCapacity(count)
                    for s in 0..<count {
                        let role = pickRole(first: s == 0)
                        let g = Int(slotGroup[slotStart[global] + s])
                        if g >= 0 {
                            var keys: [[String]]? = [[String]](repeating: [], count: 8)
                            let subject = render(shared[g], agency: a, role: role, link: links[g], keys: &keys)
                            subjects.append(subject)
                            truthCases[g].append(
                                TruthCase(nodeId: ctx.nodeId, caseRef: input.caseRef!, subjectIndex: s))
                            for k in 0..<8 {
                                for key in Set(keys![k]) { truthCounts[g][k][key, default: 0] += 1 }
                            }
                        } else {
                            var r = rng
                            let person = makePerson(in: a, role: role, using: &r)
                            rng = r
                            var keys: [[String]]? = nil
                            subjects.append(render(person, agency: a, role: role, link: .none, keys: &keys))
                        }
                    }
                    input.subjects = subjects
                }
                cases.append(input)
            }
            out.append(
                SyntheticAgency(
                    nodeId: ctx.nodeId, agency: ctx.name, defaultRegion: ctx.template.region,
                    jurisdiction: ctx.template.jurisdiction, cases: cases))
        }

        var truth: [TruthLink] = []
        truth.reserveCapacity(groups.count)
        let width = max(6, String(groups.count).count)
        for g in 0..<groups.count {
            var kinds: [String] = []
            for k in 0..<8 where truthCounts[g][k].values.contains(where: { $0 >= 2 }) {
                kinds.append(TruthLink.identifierKinds[k])
            }
            truth.append(
                TruthLink(
                    personId: "person-" + Self.pad(g + 1, width), cases: truthCases[g], sharedIdentifiers: kinds))
        }
        return SyntheticFederation(agencies: out, truth: truth)
    }

    // MARK: Agencies and cases

    mutating func makeAgencies(_ n: Int) {
        let base = SyntheticTables.agencies
        var contactRNG = SyntheticRandom(seed: config.seed, stream: 5)
        for i in 0..<n {
            let t = base[i % base.count]
            let round = i / base.count
            let nodeId = round == 0 ? t.nodeId : "\(t.nodeId)-\(round + 1)"
            let name = round == 0 ? t.name : "\(t.name) (\(round + 1))"
            let prefix = round == 0 ? t.prefix : "\(t.prefix)\(round + 1)"
            var contacts: [ContactInput] = []
            let people = t.spanish ? SyntheticTables.investigatorsES : SyntheticTables.investigatorsEN
            let units: [String]
            switch t.region {
            case "MX": units = SyntheticTables.unitsMX
            case "CA": units = SyntheticTables.unitsCA
            case "GB": units = SyntheticTables.unitsGB
            default: units = SyntheticTables.unitsUS
            }
            for _ in 0..<3 {
                let (given, family) = contactRNG.pick(people)
                let title: String
                switch t.region {
                case "MX": title = "Lic."
                case "GB": title = "DC"
                default: title = "Det."
                }
                let local = given.prefix(1).lowercased() + "."
                    + String(String.UnicodeScalarView(SyntheticNameForm.fold(family).lowercased().unicodeScalars
                        .filter { ("a"..."z").contains($0) }))
                var phone = contactPhone(t, using: &contactRNG)
                if contactRNG.chance(0.3) { phone += " x" + String(contactRNG.int(100...499)) }
                contacts.append(
                    ContactInput(
                        name: "\(title) \(given) \(family)", phone: phone,
                        email: "\(local)@\(prefix.lowercased()).example.org", unit: contactRNG.pick(units)))
            }
            var narratives: [String] = []
            for template in t.spanish ? SyntheticTables.narrativesES : SyntheticTables.narrativesEN {
                for business in t.spanish ? SyntheticTables.businessesES : SyntheticTables.businessesEN {
                    let text = template.replacingOccurrences(of: "{city}", with: t.city)
                        .replacingOccurrences(of: "{business}", with: business)
                    if !narratives.contains(text) { narratives.append(text) }
                }
            }
            contexts.append(
                AgencyContext(
                    template: t, nodeId: nodeId, name: name, prefix: prefix, contacts: contacts, narratives: narratives))
        }
    }

    func contactPhone(_ t: Agency, using r: inout SyntheticRandom) -> String {
        let line = Self.pad(100 + r.below(100), 4)
        switch t.region {
        case "MX":
            let area = r.pick(t.areaCodes)
            let rest = Self.pad(r.below(Self.pow10(10 - area.count - 1)) + 5 * Self.pow10(10 - area.count - 1), 10 - area.count)
            return "(\(area)) \(rest.prefix(rest.count - 4))-\(rest.suffix(4))"
        case "GB":
            return t.nodeId.hasPrefix("gb-gmp") ? "0161 496 \(line)" : "020 7946 \(line)"
        default:
            return "(\(r.pick(t.areaCodes))) 555-\(line)"
        }
    }

    mutating func makeCase(agency a: Int, number: Int) -> CaseInput {
        let ctx = contexts[a]
        let t = ctx.template
        let year = 2018 + rng.below(8)
        let opened = "\(year)-\(Self.pad(1 + rng.below(12), 2))-\(Self.pad(1 + rng.below(28), 2))"
        let caseType = ["sex-trafficking", "labor-trafficking", "both", "other"][rng.weighted(Self.caseTypeWeights)]
        let status =
            year <= 2021
            ? ["open", "closed", "inactive"][rng.weighted(Self.oldStatusWeights)]
            : ["open", "closed", "inactive"][rng.weighted(Self.newStatusWeights)]
        var narrative: String? = nil
        if rng.chance(0.85) {
            var text = rng.pick(ctx.narratives)
            if rng.chance(0.02) {
                text += t.spanish ? "\nSe programó una entrevista de seguimiento." : "\nFollow-up interview scheduled."
            }
            narrative = text
        }
        return CaseInput(
            caseRef: "\(ctx.prefix)-\(year)-\(Self.pad(number, 6))", caseType: caseType, status: status,
            jurisdiction: t.jurisdiction, opened: opened, contact: rng.pick(ctx.contacts), narrative: narrative)
    }

    mutating func pickRole(first: Bool) -> String {
        let roles = ["victim", "suspect", "associate", "witness"]
        return roles[rng.weighted(first ? Self.firstRoleWeights : Self.otherRoleWeights)]
    }

    // MARK: People

    mutating func makePerson(in a: Int, role: String, using r: inout SyntheticRandom) -> SyntheticPerson {
        let t = contexts[a].template
        let cultureIndex = r.weighted(t.cultureWeights)
        let culture = SyntheticTables.cultures[cultureIndex]
        let female = r.chance(role == "victim" ? 0.8 : 0.35)
        let givenPool = female ? culture.female : culture.male
        var given = [r.below(givenPool.count)]
        if r.chance(0.12), !culture.familyFirst {
            let second = r.below(givenPool.count)
            if second != given[0] { given.append(second) }
        }
        var family = [r.below(culture.family.count)]
        if culture.doubleFamily, r.chance(0.7) {
            let second = r.below(culture.family.count)
            if second != family[0] { family.append(second) }
        }
        serial += 1
        var p = SyntheticPerson(
            serial: serial, culture: cultureIndex, female: female, given: given, family: family,
            givenSpelling: given.map { r.below(givenPool[$0].variants.count + 1) },
            familySpelling: family.map { r.below(culture.family[$0].variants.count + 1) })
        if r.chance(0.92) {
            let young = role == "victim"
            p.dob = (
                young ? 1988 + r.below(20) : 1962 + r.below(38), 1 + r.below(12), 1 + r.below(28)
            )
        }
        let origin = culture.origins.isEmpty ? t.region : r.pick(culture.origins)
        let phoneCount = r.weighted(Self.phoneCountWeights)
        for k in 0..<phoneCount {
            if k == 0, origin != t.region, SyntheticEngine.foreignPlans[origin] != nil, r.chance(0.2) {
                p.phones.append(foreignPhone(origin))
            } else if k == 1, origin != t.region, SyntheticEngine.foreignPlans[origin] != nil {
                p.phones.append(foreignPhone(origin))
            } else {
                p.phones.append(domesticPhone(t, using: &r))
            }
        }
        if r.chance(0.45) { p.emails.append(makeEmail(p, using: &r)) }
        if r.chance(role == "suspect" ? 0.5 : 0.3) { p.plates.append(makePlate(t, using: &r)) }
        let handleCount = r.weighted(Self.handleCountWeights)
        if handleCount > 0 {
            let first = r.weighted(Self.platformWeights)
            p.handles.append((Self.platforms[first], makeHandle(p, using: &r)))
            if handleCount > 1 {
                let second = (first + 1 + r.below(Self.platforms.count - 1)) % Self.platforms.count
                p.handles.append((Self.platforms[second], makeHandle(p, using: &r)))
            }
        }
        if r.chance(0.35) { p.documents.append(makeDocument(p, origin: origin, agency: t, using: &r)) }
        if r.chance(0.25) {
            let street = r.below(SyntheticTables.streetNames.count)
            p.aliases.append(NameInput(given: SyntheticTables.streetNames[street]))
            p.aliasKeys.append(SyntheticTables.streetNameKeys[street])
        }
        if r.chance(0.08) {
            let other = culture.family[r.below(culture.family.count)]
            p.aliases.append(NameInput(given: givenPool[given[0]].display, family: other.display))
            p.aliasKeys.append("L:" + givenPool[given[0]].ascii.lowercased() + "|" + other.ascii.lowercased())
        }
        return p
    }

    /// Makes sure a shared person has an identifier of the kind that links their cases.
    mutating func ensure(_ link: SyntheticLinkKind, in p: inout SyntheticPerson, home: Int, using r: inout SyntheticRandom) {
        let t = contexts[home].template
        switch link {
        case .phone: if p.phones.isEmpty { p.phones.append(domesticPhone(t, using: &r)) }
        case .email: if p.emails.isEmpty { p.emails.append(makeEmail(p, using: &r)) }
        case .plate: if p.plates.isEmpty { p.plates.append(makePlate(t, using: &r)) }
        case .handle: if p.handles.isEmpty { p.handles.append(("instagram", makeHandle(p, using: &r))) }
        case .document:
            if p.documents.isEmpty {
                p.documents.append(makeDocument(p, origin: t.region, agency: t, using: &r))
            }
        case .nameDob: if p.dob == nil { p.dob = (1970 + r.below(35), 1 + r.below(12), 1 + r.below(28)) }
        case .none: break
        }
    }

    func forms(_ p: SyntheticPerson) -> (given: [SyntheticNameForm], family: [SyntheticNameForm]) {
        let culture = SyntheticTables.cultures[p.culture]
        let pool = p.female ? culture.female : culture.male
        return (p.given.map { pool[$0] }, p.family.map { culture.family[$0] })
    }

    static func spelled(_ f: SyntheticNameForm, _ k: Int, ascii: Bool) -> String {
        k == 0 ? (ascii ? f.ascii : f.display) : f.variants[k - 1]
    }

    mutating func makeEmail(_ p: SyntheticPerson, using r: inout SyntheticRandom) -> String {
        let (g, f) = forms(p)
        let given = g[0].slugs[p.givenSpelling[0]]
        let family = f[0].slugs[p.familySpelling[0]]
        let local: String
        switch r.below(4) {
        case 0: local = "\(given).\(family)\(p.serial)"
        case 1: local = "\(given.prefix(1))\(family)\(p.serial)"
        case 2: local = "\(family)_\(given)\(p.serial)"
        default: local = "\(given)\(p.serial)"
        }
        let domains = ["example.com", "example.net", "example.org", "mail.example.com", "correo.example.net"]
        return "\(local)@\(r.pick(domains))"
    }

    mutating func makeHandle(_ p: SyntheticPerson, using r: inout SyntheticRandom) -> String {
        let (g, f) = forms(p)
        let given = g[0].slugs[p.givenSpelling[0]]
        let family = f[0].slugs[p.familySpelling[0]]
        let n = p.serial &* 7 + r.below(7)
        // Letters, digits and underscores only, at most 15 characters: valid on every platform used.
        let short = String(given.prefix(6))
        switch r.below(4) {
        case 0: return "\(short)_\(family.prefix(4))\(n)"
        case 1: return "\(short)\(family.prefix(1))\(n)"
        case 2: return "real_\(given.prefix(4))\(n)"
        default: return "\(short)_\(n)"
        }
    }

    static let platePatterns: [String: String] = [
        "US-CA": "DLLLDDD", "US-TX": "LLLDDDD", "US-NY": "LLLDDDD", "US-FL": "LLLLDD", "US-NV": "DDDLDD",
        "MX-BCN": "LLLDDDL", "MX-CMX": "LLLDDDL", "CA-ON": "LLLLDDD", "CA-BC": "LLDDDLL", "GB": "LLDDLLL",
    ]

    mutating func makePlate(_ t: Agency, using r: inout SyntheticRandom) -> (region: String, plate: String) {
        var region: String
        switch t.region {
        case "GB": region = "GB"
        case "US": region = r.chance(0.85) ? t.jurisdiction : r.pick(SyntheticTables.usStates)
        default: region = t.jurisdiction
        }
        if t.region == "MX", r.chance(0.1) { region = "US-CA" }
        let pattern = Array((Self.platePatterns[region] ?? "LLLDDDD").utf8)
        var space: UInt64 = 1
        for ch in pattern { space *= ch == UInt8(ascii: "L") ? 26 : 10 }
        let k = plateNext[region, default: 0]
        plateNext[region] = k + 1
        var v = scatter("plate:" + region, modulus: space)(k)
        var bytes = [UInt8](repeating: 0, count: pattern.count)
        for i in stride(from: pattern.count - 1, through: 0, by: -1) {
            if pattern[i] == UInt8(ascii: "L") {
                bytes[i] = UInt8(65 + v % 26)
                v /= 26
            } else {
                bytes[i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        return (region, String(decoding: bytes, as: UTF8.self))
    }

    mutating func makeDocument(
        _ p: SyntheticPerson, origin: String, agency t: Agency, using r: inout SyntheticRandom
    ) -> (type: String, issuer: String, number: String) {
        documentNext += 1
        var v = scatter("document", modulus: 100_000_000)(documentNext)
        let digits8 = Self.pad(Int(v), 8)
        v = v % 26
        let letter = String(UnicodeScalar(UInt8(65 + v)))
        let kind = origin != t.region ? r.weighted([60, 10, 20, 10]) : r.weighted([25, 45, 20, 10])
        switch kind {
        case 0: return ("passport", origin, letter + digits8)
        case 1:
            let issuer = t.region == "GB" ? "GB" : t.jurisdiction
            return ("drivers-license", issuer, letter + digits8.dropFirst())
        case 2: return ("national-id", origin, digits8 + Self.pad(p.serial % 10000, 4))
        default: return ("visa", t.region, digits8)
        }
    }

    // MARK: Phones

    static let foreignPlans: [String: (cc: String, prefix: String, length: Int)] = [
        "GT": ("502", "5", 8), "HN": ("504", "9", 8), "SV": ("503", "7", 8), "BR": ("55", "119", 11),
        "VN": ("84", "9", 9), "PH": ("63", "917", 10), "NG": ("234", "803", 10), "UA": ("380", "67", 9),
        "CN": ("86", "139", 11), "EG": ("20", "10", 10), "JO": ("962", "79", 9), "MA": ("212", "6", 9),
        "RO": ("40", "72", 9), "PL": ("48", "50", 9), "TH": ("66", "81", 9),
    ]

    mutating func foreignPhone(_ country: String) -> SyntheticPhone {
        let plan = Self.foreignPlans[country]!
        let free = plan.length - plan.prefix.count
        let k = foreignNext[country, default: 0]
        foreignNext[country] = k + 1
        let v = scatter("phone:" + country, modulus: UInt64(Self.pow10(free)))(k)
        return SyntheticPhone(
            country: country, cc: plan.cc, nsn: plan.prefix + Self.pad(Int(v), free),
            areaLength: min(3, plan.prefix.count + 1))
    }

    mutating func domesticPhone(_ t: Agency, using r: inout SyntheticRandom) -> SyntheticPhone {
        switch t.region {
        case "MX":
            let area = r.chance(0.85) ? r.pick(t.areaCodes) : r.pick(SyntheticTables.mxAreaCodes)
            let free = 10 - area.count
            let k = mxNext[area, default: 0]
            mxNext[area] = k + 1
            let top = Self.pow10(free - 1)
            let v = scatter("phone:MX" + area, modulus: UInt64(9 * top))(k)
            return SyntheticPhone(country: "MX", cc: "52", nsn: area + String(Int(v) + top), areaLength: area.count)
        case "GB":
            // Ofcom's drama ranges first (07700 900xxx, 020 7946 0xxx, 0161 496 0xxx).
            let range = r.weighted([70, 15, 15])
            let k = gbNext[range, default: 0]
            gbNext[range] = k + 1
            if range == 1, k < 1000 { return SyntheticPhone(country: "GB", cc: "44", nsn: "2079460" + Self.pad(Int(k), 3), areaLength: 2) }
            if range == 2, k < 1000 { return SyntheticPhone(country: "GB", cc: "44", nsn: "1614960" + Self.pad(Int(k), 3), areaLength: 3) }
            let mobile = range == 0 ? k : 1000 + gbNext[0, default: 0]
            if range != 0 { gbNext[0] = gbNext[0, default: 0] + 1 }
            if mobile < 1000 { return SyntheticPhone(country: "GB", cc: "44", nsn: "7700900" + Self.pad(Int(mobile), 3), areaLength: 4) }
            let v = scatter("phone:GB", modulus: 99_000)(mobile - 1000) + 1000
            return SyntheticPhone(country: "GB", cc: "44", nsn: "77009" + Self.pad(Int(v), 5), areaLength: 4)
        default:
            // NANP: always the 555 exchange, the fictional 555-01xx lines first.
            let list = t.region == "CA" ? SyntheticTables.caAreaCodes : SyntheticTables.usAreaCodes
            var area = r.chance(0.85) ? r.pick(t.areaCodes) : r.pick(list)
            if nanpNext[area, default: 0] >= 10_000 {
                // This area code's 555 lines are used up: move on to one that still has some.
                var i = r.below(list.count)
                for _ in 0..<list.count {
                    if nanpNext[list[i], default: 0] < 10_000 {
                        area = list[i]
                        break
                    }
                    i = (i + 1) % list.count
                }
            }
            let c = nanpNext[area, default: 0]
            nanpNext[area] = c + 1
            let index = c % 10_000
            let line: Int
            if index < 100 {
                line = 100 + index
            } else {
                let v = Int(lineScatter(UInt64(index - 100)))
                line = v < 100 ? v : v + 100
            }
            return SyntheticPhone(country: t.region, cc: "1", nsn: area + "555" + Self.pad(line, 4), areaLength: 3)
        }
    }

    // MARK: Helpers

    static let subjectCountWeights: [Double] = [40, 30, 17, 8, 3, 2]
    static let caseTypeWeights: [Double] = [55, 25, 10, 10]
    static let oldStatusWeights: [Double] = [20, 50, 30]
    static let newStatusWeights: [Double] = [60, 25, 15]
    static let firstRoleWeights: [Double] = [55, 35, 5, 5]
    static let otherRoleWeights: [Double] = [35, 35, 20, 10]
    static let phoneCountWeights: [Double] = [12, 70, 18]
    static let handleCountWeights: [Double] = [35, 50, 15]
    static let platformWeights: [Double] = [30, 25, 20, 12, 8, 5]
    static let platforms = ["instagram", "facebook", "tiktok", "telegram", "snapchat", "x"]

    /// The bijection for one counter, made once per name.
    mutating func scatter(_ name: String, modulus: UInt64) -> SyntheticScatter {
        if let s = scatters[name], s.modulus == modulus { return s }
        let s = SyntheticScatter(modulus: modulus, salt: seedSalt ^ name.syntheticStableHash)
        scatters[name] = s
        return s
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func pow10(_ n: Int) -> Int {
        var v = 1
        for _ in 0..<n { v *= 10 }
        return v
    }
}

extension String {
    /// FNV-1a over the UTF-8 bytes: stable across runs, unlike `hashValue`.
    var syntheticStableHash: UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01B3
        }
        return h
    }
}

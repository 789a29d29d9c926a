internal import Foundation

/// JSON Lines for cases, in the form `casebridge cases import` reads (see `docs/import.md`).
///
/// The output is byte-for-byte what `JSONEncoder` gives with `.sortedKeys` and
/// `.withoutEscapingSlashes` (absent fields left out), written directly because that is about
/// ten times faster for the million-case data sets `casebridge dev generate` makes. A test checks
/// the two agree.
public enum CaseInputCoding {
    /// One JSON object per line, each line ending in `\n`.
    public static func jsonl(_ cases: [CaseInput]) -> String {
        var w = CaseJSONLineWriter()
        w.out.reserveCapacity(cases.count * 700)
        for c in cases {
            w.write(c)
            w.out.append(0x0A)
        }
        return String(decoding: w.out, as: UTF8.self)
    }

    /// The truth links as JSON Lines (via `JSONEncoder`, keys sorted).
    public static func jsonl(truth links: [TruthLink]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for link in links {
            // Strings and integers only: encoding cannot fail.
            out.append(try! encoder.encode(link))
            out.append(0x0A)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The reference encoding, for tests.
    static func jsonlWithJSONEncoder(_ cases: [CaseInput]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for c in cases {
            out.append(try! encoder.encode(c))
            out.append(0x0A)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes `CaseInput` as compact JSON with sorted keys.
struct CaseJSONLineWriter {
    var out: [UInt8] = []
    private var first = true

    private mutating func key(_ name: StaticString) {
        out.append(first ? 0x7B : 0x2C)  // { or ,
        first = false
        out.append(0x22)
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(0x22)
        out.append(0x3A)
    }

    private mutating func open() { first = true }

    private mutating func close() {
        if first { out.append(0x7B) }
        out.append(0x7D)
        first = false
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func string(_ s: String) {
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0x08: out.append(0x5C); out.append(0x62)
            case 0x0C: out.append(0x5C); out.append(0x66)
            case 0..<0x20:
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30])  // \u00
                out.append(Self.hex[Int(b >> 4)])
                out.append(Self.hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    private mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    private mutating func array<T>(_ name: StaticString, _ items: [T]?, _ each: (inout CaseJSONLineWriter, T) -> Void) {
        guard let items else { return }
        key(name)
        out.append(0x5B)
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(0x2C) }
            each(&self, item)
        }
        out.append(0x5D)
    }

    mutating func write(_ c: CaseInput) {
        open()
        field("caseRef", c.caseRef)
        field("caseType", c.caseType)
        if let contact = c.contact {
            key("contact")
            open()
            field("email", contact.email)
            field("name", contact.name)
            field("phone", contact.phone)
            field("unit", contact.unit)
            close()
        }
        field("jurisdiction", c.jurisdiction)
        field("narrative", c.narrative)
        field("opened", c.opened)
        field("status", c.status)
        array("subjects", c.subjects) { w, s in w.write(s) }
        close()
    }

    mutating func write(_ s: SubjectInput) {
        open()
        array("aliases", s.aliases) { w, n in w.write(n) }
        field("dob", s.dob)
        field("dobFormat", s.dobFormat)
        array("documents", s.documents) { w, d in
            w.open()
            w.field("issuer", d.issuer)
            w.field("number", d.number)
            w.field("type", d.type)
            w.close()
        }
        array("emails", s.emails) { w, e in w.string(e) }
        array("handles", s.handles) { w, h in
            w.open()
            w.field("handle", h.handle)
            w.field("platform", h.platform)
            w.close()
        }
        array("names", s.names) { w, n in w.write(n) }
        array("phones", s.phones) { w, p in w.string(p) }
        array("plates", s.plates) { w, p in
            w.open()
            w.field("plate", p.plate)
            w.field("region", p.region)
            w.close()
        }
        field("role", s.role)
        close()
    }

    mutating func write(_ n: NameInput) {
        open()
        field("family", n.family)
        field("given", n.given)
        close()
    }
}

/// Writes compact JSON byte for byte as Foundation's `JSONEncoder` does with `.sortedKeys` and
/// `.withoutEscapingSlashes`: no whitespace, absent optionals left out, strings escaped the same way
/// (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control characters as `\u00xx`, everything else as UTF-8).
///
/// The caller writes the members of each object in sorted key order (the types below know their keys).
/// It exists because `JSONEncoder` dominated import time; tests check both give the same bytes.
public struct CanonicalJSONWriter {
    /// The bytes written so far.
    public var bytes: [UInt8]
    private var first = true

    public init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Starts an object.
    public mutating func open() {
        bytes.append(0x7B)
        first = true
    }

    /// Ends an object.
    public mutating func close() {
        bytes.append(0x7D)
        first = false
    }

    /// Writes a member name (and the `,` before it when needed).
    public mutating func key(_ name: StaticString) {
        if !first { bytes.append(0x2C) }
        first = false
        bytes.append(0x22)
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(0x22)
        bytes.append(0x3A)
    }

    /// Writes a member name that is only known at run time (escaped like any string).
    public mutating func key(_ name: String) {
        if !first { bytes.append(0x2C) }
        first = false
        string(name)
        bytes.append(0x3A)
    }

    /// Writes a string value.
    public mutating func string(_ s: String) {
        bytes.append(0x22)
        var s = s
        s.withUTF8 { u in
            // Copy runs of bytes that need no escape in one go.
            var runStart = 0
            var i = 0
            let n = u.count
            while i < n {
                let b = u[i]
                if b >= 0x20 && b != 0x22 && b != 0x5C {
                    i += 1
                    continue
                }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i])) }
                switch b {
                case 0x22: bytes.append(0x5C); bytes.append(0x22)
                case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
                case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
                case 0x0D: bytes.append(0x5C); bytes.append(0x72)
                case 0x09: bytes.append(0x5C); bytes.append(0x74)
                case 0x08: bytes.append(0x5C); bytes.append(0x62)
                case 0x0C: bytes.append(0x5C); bytes.append(0x66)
                default:
                    bytes.append(0x5C); bytes.append(0x75); bytes.append(0x30); bytes.append(0x30)  // \u00
                    bytes.append(Self.hex[Int(b >> 4)])
                    bytes.append(Self.hex[Int(b & 0xF)])
                }
                i += 1
                runStart = i
            }
            if runStart < n { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<n])) }
        }
        bytes.append(0x22)
    }

    /// Writes an integer value.
    public mutating func integer(_ v: Int) {
        if v < 0 {
            bytes.append(0x2D)
            integer(UInt64(v.magnitude))
        } else {
            integer(UInt64(v))
        }
    }

    /// Writes an unsigned integer value.
    public mutating func integer(_ v: UInt64) {
        Self.appendDecimal(v, to: &bytes)
        first = false
    }

    /// Appends the decimal digits of `v` to `out`.
    @inlinable
    public static func appendDecimal(_ v: UInt64, to out: inout [UInt8]) {
        if v < 10 {
            out.append(0x30 + UInt8(v))
            return
        }
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes: enough for 20 digits
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 {
                d[31 - n] = 0x30 + UInt8(x % 10)
                x /= 10
                n += 1
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(32 - n)...]))
        }
    }

    /// Writes `"name":"value"` when `value` is present.
    public mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    /// Writes `"name":[...]` when `items` is present, each item with `each`.
    public mutating func array<T>(_ name: StaticString, _ items: [T]?, _ each: (inout CanonicalJSONWriter, T) -> Void) {
        guard let items else { return }
        key(name)
        bytes.append(0x5B)
        for (i, item) in items.enumerated() {
            if i > 0 { bytes.append(0x2C) }
            each(&self, item)
        }
        bytes.append(0x5D)
        first = false
    }
}

// MARK: - Casebridge types

extension PublishedContact {
    /// Writes the contact as a JSON object with sorted keys.
    public func write(to w: inout CanonicalJSONWriter) {
        w.open()
        w.field("email", email)
        w.field("name", name)
        w.field("phone", phone)
        w.field("unit", unit)
        w.close()
    }

    /// The contact as compact JSON with sorted keys (what `JSONEncoder` with `.sortedKeys` gives).
    public var canonicalJSON: [UInt8] {
        var w = CanonicalJSONWriter(capacity: 128)
        write(to: &w)
        return w.bytes
    }
}

extension PublishedRecord {
    /// The record's canonical body bytes: compact JSON with sorted keys, identical to
    /// `JSONEncoder` with `.sortedKeys, .withoutEscapingSlashes`.
    public var canonicalJSON: [UInt8] {
        var w = CanonicalJSONWriter(capacity: 256 + subjects.reduce(0) { $0 + 16 + $1.tokens.count * 84 })
        w.open()
        w.field("agency", agency)
        w.field("caseRef", caseRef)
        w.field("caseType", caseType)
        w.key("contact")
        contact.write(to: &w)
        w.key("epoch")
        w.integer(epoch)
        w.field("format", format)
        w.field("jurisdiction", jurisdiction)
        w.field("opened", opened)
        w.field("status", status)
        w.array("subjects", subjects) { w, s in
            w.open()
            w.field("role", s.role)
            w.array("tokens", s.tokens) { w, t in
                w.open()
                w.field("kind", t.kind)
                w.field("token", t.token)
                w.close()
            }
            w.close()
        }
        w.close()
        return w.bytes
    }
}

extension PublishedTombstone {
    /// The tombstone's canonical body bytes (compact JSON, sorted keys).
    public var canonicalJSON: [UInt8] {
        var w = CanonicalJSONWriter(capacity: 128)
        w.open()
        w.field("agency", agency)
        w.field("caseRef", caseRef)
        if expunge == true {
            w.key("expunge")
            w.bytes.append(contentsOf: Array("true".utf8))
        }
        w.field("format", format)
        w.close()
        return w.bytes
    }
}

extension VersionVector {
    /// The counters as a JSON object, node ids in byte order (as `JSONEncoder` with `.sortedKeys` orders
    /// node ids, which are lower-case ASCII).
    public var canonicalJSON: [UInt8] {
        var w = CanonicalJSONWriter(capacity: 32 * counters.count + 2)
        w.open()
        for e in sorted {
            w.key(e.node)
            w.integer(e.counter)
        }
        w.close()
        return w.bytes
    }
}

extension CaseInput {
    /// The case as compact JSON with sorted keys, absent fields left out: the private copy a node keeps.
    public var canonicalJSON: [UInt8] {
        var w = CanonicalJSONWriter(capacity: 1024)
        write(to: &w)
        return w.bytes
    }

    /// Writes the case as a JSON object with sorted keys.
    public func write(to w: inout CanonicalJSONWriter) {
        w.open()
        w.field("caseRef", caseRef)
        w.field("caseType", caseType)
        if let contact {
            w.key("contact")
            w.open()
            w.field("email", contact.email)
            w.field("name", contact.name)
            w.field("phone", contact.phone)
            w.field("unit", contact.unit)
            w.close()
        }
        w.field("jurisdiction", jurisdiction)
        w.field("narrative", narrative)
        w.field("opened", opened)
        w.field("status", status)
        w.array("subjects", subjects) { w, s in s.write(to: &w) }
        w.close()
    }
}

extension SubjectInput {
    /// Writes the subject as a JSON object with sorted keys.
    public func write(to w: inout CanonicalJSONWriter) {
        w.open()
        w.array("aliases", aliases) { w, n in n.write(to: &w) }
        w.field("dob", dob)
        w.field("dobFormat", dobFormat)
        w.array("documents", documents) { w, d in
            w.open()
            w.field("issuer", d.issuer)
            w.field("number", d.number)
            w.field("type", d.type)
            w.close()
        }
        w.array("emails", emails) { w, e in w.string(e) }
        w.array("handles", handles) { w, h in
            w.open()
            w.field("handle", h.handle)
            w.field("platform", h.platform)
            w.close()
        }
        w.array("names", names) { w, n in n.write(to: &w) }
        w.array("phones", phones) { w, p in w.string(p) }
        w.array("plates", plates) { w, p in
            w.open()
            w.field("plate", p.plate)
            w.field("region", p.region)
            w.close()
        }
        w.field("role", role)
        w.close()
    }
}

extension NameInput {
    /// Writes the name as a JSON object with sorted keys.
    public func write(to w: inout CanonicalJSONWriter) {
        w.open()
        w.field("family", family)
        w.field("given", given)
        w.close()
    }
}

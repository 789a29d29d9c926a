import CasebridgeCore

/// Builds PostgreSQL COPY text-format rows into a byte buffer (tab-separated, `\N` for NULL, escapes for
/// backslash, tab, newline and carriage return, `\\x` hex for bytea).
public struct CopyEncoder {
    /// The encoded rows so far.
    public var buffer: [UInt8] = []
    private var first = true
    private static let hex = Array("0123456789abcdef".utf8)

    public init(capacity: Int = 1 << 16) { buffer.reserveCapacity(capacity) }

    /// Appends a text field (nil is NULL).
    public mutating func text(_ s: String?) {
        guard var s else { null(); return }
        s.withUTF8 { text(utf8: $0) }
    }

    /// Appends a text field given as UTF-8 bytes (nil is NULL).
    public mutating func text(utf8 bytes: [UInt8]?) {
        guard let bytes else { null(); return }
        bytes.withUnsafeBufferPointer { text(utf8: $0) }
    }

    /// Appends a text field given as UTF-8 bytes.
    public mutating func text(utf8 u: UnsafeBufferPointer<UInt8>) {
        separator()
        // Copy runs that need no escaping in one go; most values have none.
        var runStart = 0
        var i = 0
        let n = u.count
        while i < n {
            let c = u[i]
            if c != 92 && (c > 13 || (c != 9 && c != 10 && c != 13)) {
                i += 1
                continue
            }
            if runStart < i { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i])) }
            buffer.append(92)
            switch c {
            case 92: buffer.append(92)
            case 9: buffer.append(116)
            case 10: buffer.append(110)
            default: buffer.append(114)  // 13
            }
            i += 1
            runStart = i
        }
        if runStart < n { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<n])) }
    }

    /// Appends a NULL field.
    public mutating func null() {
        separator()
        buffer.append(92)
        buffer.append(78)
    }

    /// Appends an integer field.
    public mutating func int(_ v: some BinaryInteger) {
        separator()
        if v < 0 {
            buffer.append(45)
            CanonicalJSONWriter.appendDecimal(UInt64(v.magnitude), to: &buffer)
        } else {
            CanonicalJSONWriter.appendDecimal(UInt64(v), to: &buffer)
        }
    }

    /// Appends a boolean field (`t` or `f`).
    public mutating func bool(_ v: Bool) {
        separator()
        buffer.append(v ? 116 : 102)
    }

    /// Appends a bytea field in hex form (nil is NULL).
    public mutating func bytea(_ b: [UInt8]?) {
        guard let b else { null(); return }
        separator()
        buffer.append(92)  // \\x : the backslash itself escaped for COPY
        buffer.append(92)
        buffer.append(120)
        let start = buffer.count
        let n = b.count * 2
        buffer.append(contentsOf: repeatElement(0, count: n))
        buffer.withUnsafeMutableBufferPointer { out in
            Self.hex.withUnsafeBufferPointer { hex in
                var o = start
                for x in b {
                    out[o] = hex[Int(x >> 4)]
                    out[o + 1] = hex[Int(x & 15)]
                    o += 2
                }
            }
        }
    }

    /// Ends the current row.
    public mutating func endRow() {
        buffer.append(10)
        first = true
    }

    @inline(__always)
    private mutating func separator() {
        if first { first = false } else { buffer.append(9) }
    }
}

/// Builds PostgreSQL COPY binary-format data (`COPY ... FROM STDIN WITH (FORMAT binary)`) into a byte buffer.
///
/// Cheaper than the text format on both sides for bytea-heavy rows: no hex encoding here, no hex parsing in the
/// server. Each field must match its column's type exactly (`int2`, `int4`, `int8`, `text`, `bytea`).
public struct BinaryCopyEncoder {
    /// The encoded data so far (starts with the format header; call `finish()` after the last row).
    public var buffer: [UInt8] = []

    /// The 19-byte file header: signature, flags, header extension length.
    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]

    public init(capacity: Int = 1 << 16) {
        buffer.reserveCapacity(capacity)
        buffer.append(contentsOf: Self.header)
    }

    /// Starts a row of `fields` fields.
    public mutating func row(fields: Int) { u16(UInt16(fields)) }

    /// Appends a NULL field.
    public mutating func null() { u32(UInt32(bitPattern: -1)) }

    /// Appends a `bytea` field.
    public mutating func bytea(_ b: [UInt8]) {
        u32(UInt32(b.count))
        buffer.append(contentsOf: b)
    }

    /// Appends a `text` field (nil is NULL).
    public mutating func text(_ s: String?) {
        guard var s else { null(); return }
        s.withUTF8 { u in
            u32(UInt32(u.count))
            buffer.append(contentsOf: u)
        }
    }

    /// Appends an `int2` field.
    public mutating func int2(_ v: Int) {
        u32(2)
        u16(UInt16(bitPattern: Int16(truncatingIfNeeded: v)))
    }

    /// Appends an `int4` field.
    public mutating func int4(_ v: Int) {
        u32(4)
        u32(UInt32(bitPattern: Int32(truncatingIfNeeded: v)))
    }

    /// Appends an `int8` field.
    public mutating func int8(_ v: Int64) {
        u32(8)
        u64(UInt64(bitPattern: v))
    }

    /// Appends the end-of-data trailer; call once after the last row.
    public mutating func finish() { u16(0xFFFF) }

    @inline(__always) private mutating func u16(_ v: UInt16) {
        buffer.append(UInt8(v >> 8))
        buffer.append(UInt8(v & 0xFF))
    }

    @inline(__always) private mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.bigEndian) { buffer.append(contentsOf: $0) }
    }

    @inline(__always) private mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.bigEndian) { buffer.append(contentsOf: $0) }
    }
}

/// Helpers for PostgreSQL's text representations.
public enum PostgresText {
    /// Decodes a bytea value in hex output format (`\x0a0b...`).
    public static func bytea(_ text: String?) -> [UInt8]? {
        guard let text else { return nil }
        let u = Array(text.utf8)
        guard u.count >= 2, u[0] == 92, u[1] == 120, u.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity((u.count - 2) / 2)
        var i = 2
        func nib(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        while i < u.count {
            guard let h = nib(u[i]), let l = nib(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }

    /// The hex literal of bytes for use as a text parameter (`\x...`).
    public static func byteaLiteral(_ b: [UInt8]) -> String {
        var s = "\\x"
        s.reserveCapacity(2 + b.count * 2)
        for x in b { s += String(x, radix: 16).count == 1 ? "0" + String(x, radix: 16) : String(x, radix: 16) }
        return s
    }
}

/// Builds PostgreSQL COPY text-format rows into a byte buffer (tab-separated, `\N` for NULL, escapes for
/// backslash, tab, newline and carriage return, `\\x` hex for bytea).
public struct CopyEncoder {
    /// The encoded rows so far.
    public var buffer: [UInt8] = []
    private var first = true
    private static let hex = Array("0123456789abcdef".utf8)

    public init() { buffer.reserveCapacity(1 << 16) }

    /// Appends a text field (nil is NULL).
    public mutating func text(_ s: String?) {
        separator()
        guard let s else { buffer.append(contentsOf: [92, 78]); return }
        for c in s.utf8 {
            switch c {
            case 92: buffer.append(92); buffer.append(92)
            case 9: buffer.append(92); buffer.append(116)
            case 10: buffer.append(92); buffer.append(110)
            case 13: buffer.append(92); buffer.append(114)
            default: buffer.append(c)
            }
        }
    }

    /// Appends an integer field.
    public mutating func int(_ v: some BinaryInteger) {
        separator()
        buffer.append(contentsOf: String(v).utf8)
    }

    /// Appends a bytea field in hex form (nil is NULL).
    public mutating func bytea(_ b: [UInt8]?) {
        separator()
        guard let b else { buffer.append(contentsOf: [92, 78]); return }
        buffer.append(contentsOf: [92, 92, 120])  // \\x : the backslash itself escaped for COPY
        for x in b {
            buffer.append(Self.hex[Int(x >> 4)])
            buffer.append(Self.hex[Int(x & 15)])
        }
    }

    /// Ends the current row.
    public mutating func endRow() {
        buffer.append(10)
        first = true
    }

    private mutating func separator() {
        if first { first = false } else { buffer.append(9) }
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

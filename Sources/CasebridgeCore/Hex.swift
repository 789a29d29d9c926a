/// Lower-case hexadecimal and standard base64 without Foundation.
public enum Hex {
    @usableFromInline static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex of `bytes`.
    @inlinable
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var o = 0
            for b in bytes {
                out[o] = digits[Int(b >> 4)]
                out[o + 1] = digits[Int(b & 0x0f)]
                o += 2
            }
            return o
        }
    }

    /// Decodes hex (either case); nil when malformed.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var s = String(text)
        return s.withUTF8 { decode(utf8: $0) }
    }

    /// Decodes hex (either case); nil when malformed. (Tokens of every replicated record pass through here.)
    public static func decode(_ text: String) -> [UInt8]? {
        var s = text
        return s.withUTF8 { decode(utf8: $0) }
    }

    static func decode(utf8 u: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard u.count % 2 == 0 else { return nil }
        var ok = true
        let out = [UInt8](unsafeUninitializedCapacity: u.count / 2) { buf, n in
            var i = 0, o = 0
            while i < u.count {
                guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { ok = false; break }
                buf[o] = hi << 4 | lo
                i += 2
                o += 1
            }
            n = o
        }
        return ok ? out : nil
    }

    @inline(__always)
    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}

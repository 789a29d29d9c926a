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
        let n = u.count / 2
        guard u.count % 2 == 0 else { return nil }
        guard n > 0, let src = u.baseAddress else { return [] }
        // Malformed digits map to 0xff: or-ing every nibble shows them at the end, no branch per digit.
        var bad: UInt8 = 0
        let out = nibbles.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: n) { buf, count in
                for o in 0..<n {
                    let hi = table[Int(src[2 * o])], lo = table[Int(src[2 * o + 1])]
                    bad |= hi | lo
                    buf[o] = hi << 4 | lo
                }
                count = n
            }
        }
        return bad & 0xf0 == 0 ? out : nil
    }

    /// The value of each hex digit (either case), 0xff for every other byte.
    private static let nibbles: [UInt8] = {
        var t = [UInt8](repeating: 0xff, count: 256)
        for (i, c) in "0123456789abcdef".utf8.enumerated() { t[Int(c)] = UInt8(i) }
        for (i, c) in "ABCDEF".utf8.enumerated() { t[Int(c)] = UInt8(10 + i) }
        return t
    }()
}

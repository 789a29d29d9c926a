/// Why a text is not JSON. Gives the byte offset and a reason; never the text itself.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A short stable code such as `json.string.escape`.
    public var code: String
    /// 0-based byte offset where the problem was found.
    public var offset: Int
    public var reason: String

    public var description: String { "not valid JSON at byte \(offset): \(reason)" }
}

/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// - Rejects anything that is not JSON: trailing commas, comments, single quotes, unescaped control characters,
///   invalid UTF-8, lone UTF-16 surrogates in `\u` escapes, leading zeros, `NaN`, trailing content.
/// - `\u` escapes are decoded, surrogate pairs combined into one scalar.
/// - Duplicate object names are kept in order (see `JSONObject.duplicateKeys`): the caller decides.
/// - Nesting is limited to `maxDepth` so hostile input cannot exhaust the stack.
/// - A UTF-8 byte order mark before the value is skipped.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted (the same limit as Foundation's `JSONSerialization`).
    public static let maxDepth = 512

    /// Parses one JSON text. With `allowFragments == false` the top level must be an object or an array.
    public static func parse(_ bytes: some Collection<UInt8>, allowFragments: Bool = false) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buf in
            Result(catching: { () throws(JSONParseError) -> JSONValue in try parse(buffer: buf, allowFragments: allowFragments) })
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buf throws(JSONParseError) in try parse(buffer: buf, allowFragments: allowFragments) }
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>, allowFragments: Bool) throws(JSONParseError) -> JSONValue {
        var p = JSONParser(buffer)
        if p.end - p.pos >= 3, p.b[0] == 0xEF, p.b[1] == 0xBB, p.b[2] == 0xBF { p.pos = 3 }
        p.skipWhitespace()
        if !allowFragments, p.pos < p.end, p.b[p.pos] != UInt8(ascii: "{"), p.b[p.pos] != UInt8(ascii: "[") {
            throw p.error("json.fragment", "the top level must be an object or an array")
        }
        let v = try p.value(depth: 0)
        p.skipWhitespace()
        guard p.pos == p.end else { throw p.error("json.trailing", "unexpected content after the value") }
        return v
    }

    private let b: UnsafeBufferPointer<UInt8>
    private let end: Int
    private var pos = 0
    /// Scratch space for strings with escapes.
    private var scratch: [UInt8] = []

    private init(_ b: UnsafeBufferPointer<UInt8>) {
        self.b = b
        self.end = b.count
    }

    private func error(_ code: String, _ reason: String) -> JSONParseError {
        JSONParseError(code: code, offset: pos, reason: reason)
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < end {
            switch b[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard pos < end else { throw error("json.end", "unexpected end of input") }
        switch b[pos] {
        case UInt8(ascii: "{"): return .object(try object(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try array(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("json.value", "expected a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard end - pos >= n else { throw error("json.literal", "invalid literal") }
        let w = word.utf8Start
        for i in 0..<n where b[pos + i] != w[i] { throw error("json.literal", "invalid literal") }
        pos += n
    }

    private mutating func object(depth: Int) throws(JSONParseError) -> JSONObject {
        guard depth <= Self.maxDepth else { throw error("json.depth", "nested too deeply") }
        pos += 1  // {
        var members: [JSONObject.Member] = []
        skipWhitespace()
        if pos < end, b[pos] == UInt8(ascii: "}") {
            pos += 1
            return JSONObject(members: members)
        }
        while true {
            skipWhitespace()
            guard pos < end, b[pos] == UInt8(ascii: "\"") else { throw error("json.object.key", "expected a member name") }
            let key = try string()
            skipWhitespace()
            guard pos < end, b[pos] == UInt8(ascii: ":") else { throw error("json.object.colon", "expected `:`") }
            pos += 1
            skipWhitespace()
            let v = try value(depth: depth)
            members.append(JSONObject.Member(key: key, value: v))
            skipWhitespace()
            guard pos < end else { throw error("json.end", "unexpected end of input") }
            if b[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            if b[pos] == UInt8(ascii: "}") {
                pos += 1
                return JSONObject(members: members)
            }
            throw error("json.object", "expected `,` or `}`")
        }
    }

    private mutating func array(depth: Int) throws(JSONParseError) -> [JSONValue] {
        guard depth <= Self.maxDepth else { throw error("json.depth", "nested too deeply") }
        pos += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if pos < end, b[pos] == UInt8(ascii: "]") {
            pos += 1
            return items
        }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth))
            skipWhitespace()
            guard pos < end else { throw error("json.end", "unexpected end of input") }
            if b[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            if b[pos] == UInt8(ascii: "]") {
                pos += 1
                return items
            }
            throw error("json.array", "expected `,` or `]`")
        }
    }

    private mutating func number() throws(JSONParseError) -> String {
        let start = pos
        func digit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        if b[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < end, digit(b[pos]) else { throw error("json.number", "invalid number") }
        if b[pos] == 0x30 {
            pos += 1
        } else {
            while pos < end, digit(b[pos]) { pos += 1 }
        }
        if pos < end, b[pos] == UInt8(ascii: ".") {
            pos += 1
            guard pos < end, digit(b[pos]) else { throw error("json.number", "invalid number") }
            while pos < end, digit(b[pos]) { pos += 1 }
        }
        if pos < end, b[pos] == UInt8(ascii: "e") || b[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < end, b[pos] == UInt8(ascii: "+") || b[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < end, digit(b[pos]) else { throw error("json.number", "invalid number") }
            while pos < end, digit(b[pos]) { pos += 1 }
        }
        // A leading zero followed by digits (`01`) is malformed; anything else after the number (`1x`, `1 2`) is
        // caught by the caller's grammar.
        if pos < end, digit(b[pos]) { throw error("json.number", "invalid number") }
        return String(decoding: UnsafeBufferPointer(rebasing: b[start..<pos]), as: UTF8.self)
    }

    private mutating func string() throws(JSONParseError) -> String {
        pos += 1  // opening quote
        let start = pos
        // Fast path: no escapes.
        while pos < end {
            let c = b[pos]
            if c == UInt8(ascii: "\"") {
                let s = UnsafeBufferPointer(rebasing: b[start..<pos])
                pos += 1
                guard let str = UTF8Text.string(s) else {
                    throw error("json.string.utf8", "string is not valid UTF-8")
                }
                return str
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("json.string.control", "unescaped control character in string") }
            pos += 1
        }
        guard pos < end else { throw error("json.end", "unterminated string") }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<pos]))
        while pos < end {
            let c = b[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                guard let str = UTF8Text.string(scratch) else {
                    throw error("json.string.utf8", "string is not valid UTF-8")
                }
                return str
            }
            if c < 0x20 { throw error("json.string.control", "unescaped control character in string") }
            if c != UInt8(ascii: "\\") {
                scratch.append(c)
                pos += 1
                continue
            }
            pos += 1
            guard pos < end else { break }
            let e = b[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard end - pos >= 2, b[pos] == UInt8(ascii: "\\"), b[pos + 1] == UInt8(ascii: "u") else {
                        throw error("json.string.surrogate", "unpaired UTF-16 surrogate in \\u escape")
                    }
                    pos += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low <= 0xDFFF else {
                        throw error("json.string.surrogate", "unpaired UTF-16 surrogate in \\u escape")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw error("json.string.surrogate", "unpaired UTF-16 surrogate in \\u escape")
                }
                appendUTF8(scalar)
            default:
                pos -= 1
                throw error("json.string.escape", "invalid escape sequence")
            }
        }
        throw error("json.end", "unterminated string")
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard end - pos >= 4 else { throw error("json.string.escape", "invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[pos]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x61...0x66: d = UInt32(c - 0x57)
            case 0x41...0x46: d = UInt32(c - 0x37)
            default: throw error("json.string.escape", "invalid \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    private mutating func appendUTF8(_ s: UInt32) {
        switch s {
        case 0..<0x80:
            scratch.append(UInt8(s))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (s >> 6)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (s >> 12)))
            scratch.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (s >> 18)))
            scratch.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        }
    }
}

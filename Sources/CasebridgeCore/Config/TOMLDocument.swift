/// A small TOML reader for Casebridge's configuration: `[table]` / `[table.sub]` headers, `key = value` with
/// basic and literal strings, integers, booleans and arrays of those, and `#` comments.
///
/// It rejects what it does not understand (with the line number) rather than guessing.
public struct TOMLDocument: Sendable {
    /// A TOML value of the supported kinds.
    public enum Value: Sendable, Hashable {
        case string(String)
        case integer(Int)
        case boolean(Bool)
        case array([Value])
    }

    /// Values by dotted key (`node.id`), with the line each was defined on.
    public private(set) var values: [String: (value: Value, line: Int)] = [:]

    /// Parses `text`; `source` names the file in errors.
    public init(parsing text: String, source: String) throws(ConfigError) {
        var table = ""
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNo = index + 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            let trimmed = line.trimmingSpaces()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("[") {
                guard let close = trimmed.firstIndex(of: "]") else {
                    throw ConfigError(source: source, line: lineNo, reason: "table header is missing `]`")
                }
                let name = trimmed[trimmed.index(after: trimmed.startIndex)..<close].trimmingSpaces()
                let rest = trimmed[trimmed.index(after: close)...].trimmingSpaces()
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }),
                      rest.isEmpty || rest.hasPrefix("#")
                else {
                    throw ConfigError(source: source, line: lineNo, reason: "malformed table header")
                }
                table = String(name)
                continue
            }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw ConfigError(source: source, line: lineNo, reason: "expected `key = value`")
            }
            let key = trimmed[..<eq].trimmingSpaces()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw ConfigError(source: source, line: lineNo, reason: "invalid key")
            }
            var scanner = ValueScanner(text: Array(trimmed[trimmed.index(after: eq)...].unicodeScalars), source: source, line: lineNo)
            let value = try scanner.value()
            try scanner.expectEnd()
            let full = table.isEmpty ? String(key) : "\(table).\(key)"
            if values[full] != nil {
                throw ConfigError(source: source, line: lineNo, reason: "key `\(full)` is defined twice")
            }
            values[full] = (value, lineNo)
        }
    }

    /// The string at `key`, nil when absent; throws when it has another type.
    public func string(_ key: String, source: String) throws(ConfigError) -> String? {
        guard let (v, line) = values[key] else { return nil }
        guard case .string(let s) = v else { throw ConfigError(source: source, line: line, reason: "`\(key)` must be a string") }
        return s
    }

    /// The array of strings at `key`, nil when absent.
    public func strings(_ key: String, source: String) throws(ConfigError) -> [String]? {
        guard let (v, line) = values[key] else { return nil }
        guard case .array(let items) = v else { throw ConfigError(source: source, line: line, reason: "`\(key)` must be an array of strings") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw ConfigError(source: source, line: line, reason: "`\(key)` must be an array of strings") }
            out.append(s)
        }
        return out
    }

    /// The integer at `key`, nil when absent.
    public func integer(_ key: String, source: String) throws(ConfigError) -> Int? {
        guard let (v, line) = values[key] else { return nil }
        guard case .integer(let i) = v else { throw ConfigError(source: source, line: line, reason: "`\(key)` must be an integer") }
        return i
    }

    /// Quotes `s` as a TOML basic string.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if c.value < 0x20 || c.value == 0x7f {
                    out += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }
}

private struct ValueScanner {
    let text: [Unicode.Scalar]
    let source: String
    let line: Int
    var i = 0

    init(text: [Unicode.Scalar], source: String, line: Int) {
        self.text = text
        self.source = source
        self.line = line
    }

    mutating func skipSpace() {
        while i < text.count, text[i] == " " || text[i] == "\t" { i += 1 }
    }

    func fail(_ reason: String) -> ConfigError { ConfigError(source: source, line: line, reason: reason) }

    mutating func expectEnd() throws(ConfigError) {
        skipSpace()
        if i < text.count, text[i] != "#" { throw fail("unexpected text after the value") }
    }

    mutating func value() throws(ConfigError) -> TOMLDocument.Value {
        skipSpace()
        guard i < text.count else { throw fail("missing value") }
        switch text[i] {
        case "\"": return .string(try basicString())
        case "'":
            i += 1
            var s = String.UnicodeScalarView()
            while i < text.count, text[i] != "'" { s.append(text[i]); i += 1 }
            guard i < text.count else { throw fail("unterminated string") }
            i += 1
            return .string(String(s))
        case "[":
            i += 1
            var items: [TOMLDocument.Value] = []
            while true {
                skipSpace()
                guard i < text.count else { throw fail("unterminated array (arrays must fit on one line)") }
                if text[i] == "]" { i += 1; break }
                items.append(try value())
                skipSpace()
                guard i < text.count else { throw fail("unterminated array (arrays must fit on one line)") }
                if text[i] == "," { i += 1 } else if text[i] != "]" { throw fail("expected `,` or `]` in array") }
            }
            return .array(items)
        default:
            var word = ""
            while i < text.count, text[i] != " ", text[i] != "\t", text[i] != ",", text[i] != "]", text[i] != "#" {
                word.unicodeScalars.append(text[i])
                i += 1
            }
            if word == "true" { return .boolean(true) }
            if word == "false" { return .boolean(false) }
            if let n = Int(word.replacingUnderscores()) { return .integer(n) }
            throw fail("unsupported value (use a quoted string, an integer, true/false or an array)")
        }
    }

    mutating func basicString() throws(ConfigError) -> String {
        i += 1
        var s = String.UnicodeScalarView()
        while i < text.count {
            let c = text[i]
            if c == "\"" { i += 1; return String(s) }
            if c == "\\" {
                i += 1
                guard i < text.count else { break }
                switch text[i] {
                case "n": s.append("\n")
                case "t": s.append("\t")
                case "r": s.append("\r")
                case "\"": s.append("\"")
                case "\\": s.append("\\")
                case "u":
                    guard i + 4 < text.count,
                          let v = UInt32(String(String.UnicodeScalarView(text[(i + 1)...(i + 4)])), radix: 16),
                          let u = Unicode.Scalar(v)
                    else { throw fail("bad \\u escape") }
                    s.append(u)
                    i += 4
                default: throw fail("unsupported escape in string")
                }
                i += 1
                continue
            }
            s.append(c)
            i += 1
        }
        throw fail("unterminated string")
    }
}

/// A configuration problem, with the file and line when known.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var line: Int?
    public var reason: String

    public init(source: String, line: Int? = nil, reason: String) {
        self.source = source
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(source):\(line): \(reason)" }
        return "\(source): \(reason)"
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}

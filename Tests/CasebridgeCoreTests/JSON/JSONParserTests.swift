import Foundation
import Testing
@testable import CasebridgeCore

@Suite("JSON parser")
struct JSONParserTests {
    static func parse(_ s: String, fragments: Bool = true) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(Array(s.utf8), allowFragments: fragments)
    }

    @Test func parsesEveryKindOfValue() throws {
        let v = try Self.parse(#" { "a" : [1, -2.5e+3, 0, true, false, null, "x"], "b": {}, "c": [] } "#)
        let o = try #require({ if case .object(let o) = v { o } else { nil } }())
        #expect(o.keys == ["a", "b", "c"])
        #expect(o["a"] == .array([.number("1"), .number("-2.5e+3"), .number("0"), .bool(true), .bool(false), .null, .string("x")]))
        #expect(o["b"] == .object(JSONObject()))
        #expect(o["c"] == .array([]))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try Self.parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try Self.parse(#""\u00e9\u4E2D\u0000""#) == .string("é中\u{00}"))
        #expect(try Self.parse(#""\ud83c\udf89 party""#) == .string("🎉 party"))
        #expect(try Self.parse("\"é 中 🎉\"") == .string("é 中 🎉"))
    }

    @Test func rejectsWhatIsNotJSON() {
        let bad = [
            "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{'a':1}", "[01]", "[1.]", "[.5]", "[-]", "[1e]",
            "[+1]", "[NaN]", "[tru]", "[nul]", "{\"a\":1} x", "[1][2]", "\"abc", "[\"\\x\"]", "[\"\\u12\"]", "[\"\\uZZZZ\"]",
            "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]", "[\"a\u{01}b\"]", "[\"tab\there\"]", "// c\n{}", "[1 2]",
        ]
        for s in bad {
            #expect(throws: JSONParseError.self, "\(s.debugDescription)") { try Self.parse(s) }
        }
        // Invalid UTF-8 inside a string, and outside.
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x5B, 0x22, 0xC3, 0x28, 0x22, 0x5D]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x5B, 0xFF, 0x5D]) }
        // ... after an escape, and an overlong encoding of "/" (valid-looking bytes, not UTF-8).
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x5B, 0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22, 0x5D]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D]) }
        // Deep nesting is refused instead of exhausting the stack.
        #expect(throws: JSONParseError.self) { try Self.parse(String(repeating: "[", count: 100_000)) }
    }

    @Test func topLevelMustBeAContainerUnlessFragmentsAreAllowed() throws {
        #expect(throws: JSONParseError.self) { try Self.parse("\"s\"", fragments: false) }
        #expect(throws: JSONParseError.self) { try Self.parse("1", fragments: false) }
        #expect(try Self.parse("[]", fragments: false) == .array([]))
        #expect(try Self.parse("1", fragments: true) == .number("1"))
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .object(JSONObject()))
    }

    @Test func errorsNeverQuoteTheInput() {
        let secret = "4155550199"
        for s in ["{\"phone\": \"\(secret)\u{01}\"}", "{\"phone\": \(secret)x}", "[\"\(secret)\\q\"]"] {
            do {
                _ = try Self.parse(s)
                Issue.record("accepted \(s)")
            } catch {
                #expect(!error.description.contains(secret))
                #expect(!error.reason.contains(secret))
            }
        }
    }

    @Test func keepsDuplicateNamesForTheCallerToJudge() throws {
        let v = try Self.parse(#"{"a":1,"b":2,"a":3,"b":4,"a":5,"c":6}"#)
        guard case .object(let o) = v else { Issue.record("not an object"); return }
        #expect(o.members.count == 6)
        #expect(o.duplicateKeys == ["a", "b"])
        #expect(o["a"] == .number("1"))
    }

    /// Every line `JSONSerialization` accepts as an object, the parser accepts with the same content.
    @Test func agreesWithJSONSerializationOnGeneratedCases() throws {
        let cases = SyntheticGenerator(agencies: 2, casesPerAgency: 100, overlap: 0.2, seed: 3).generate().agencies.flatMap(\.cases)
        for line in CaseInputCoding.jsonl(cases).split(separator: "\n") {
            let reference = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! NSDictionary
            let parsed = try JSONParser.parse(Array(line.utf8))
            #expect(Self.foundation(parsed) == reference)
        }
    }

    static func foundation(_ v: JSONValue) -> NSObject {
        switch v {
        case .null: return NSNull()
        case .bool(let b): return NSNumber(value: b)
        case .number(let n): return NSNumber(value: Double(n)!)
        case .string(let s): return NSString(string: s)
        case .array(let a): return NSArray(array: a.map(foundation))
        case .object(let o):
            let d = NSMutableDictionary()
            for m in o.members { d[NSString(string: m.key)] = foundation(m.value) }
            return d
        }
    }
}

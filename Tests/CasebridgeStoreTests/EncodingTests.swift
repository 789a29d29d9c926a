import CasebridgeCore
import Foundation
import CasebridgeStore
import CasebridgeTestSupport
import Testing

/// The byte-level encoders the store hands to PostgreSQL, checked against PostgreSQL itself.
@Suite struct EncodingTests {
    @Test func textArrayLiteralsRoundTripThroughPostgreSQL() throws {
        let t = try TestDatabase("textarray")
        defer { t.drop() }
        let db = try t.connect()
        let cases: [[String]] = [
            [], [""], ["us-ca-sfpd/SF-1"], ["a\"b", "c\\d", "\\\"", "{x,y}", "NULL", "with space", "ünïcødé/案件", "a'b"],
        ]
        for values in cases {
            let literal = NodeStore.encodeTextArray(values)
            let back = try db.execute("SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i", [literal]).rows.map { $0[0] }
            #expect(back == values.map { Optional($0) }, "\(values)")
        }
    }

    @Test func binaryResultsCarryBytesIntegersAndNulls() throws {
        let t = try TestDatabase("binrows")
        defer { t.drop() }
        let db = try t.connect()
        let all: [UInt8] = (0...255).map { UInt8($0) }
        let rows = try db.executeBinary(
            "SELECT $1::bigint, decode($2, 'hex'), NULL::bytea UNION ALL SELECT 1, ''::bytea, '\\x00'::bytea ORDER BY 1",
            ["9007199254740993", all.map { String(format: "%02x", $0) }.joined()])
        #expect(rows.count == 2)
        #expect(PostgresConnection.int8(rows[0][0]) == 1)
        #expect(rows[0][1] == [])
        #expect(rows[0][2] == [0])
        #expect(PostgresConnection.int8(rows[1][0]) == 9_007_199_254_740_993)
        #expect(rows[1][1] == all)
        #expect(rows[1][2] == nil)
        #expect(PostgresConnection.int8([1, 2]) == nil)
        let e = try #require(throws: PostgresError.self) { try db.executeBinary("SELECT no_such_column FROM pg_class") }
        #expect(e.sqlState == "42703")
    }

    @Test func hexDecodesEitherCaseAndRefusesMalformedText() {
        #expect(Hex.decode("00ff0aFF") == [0, 255, 10, 255])
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("0g") == nil)
        #expect(Hex.decode("zz00") == nil)
        // Every byte value, in both cases; every ASCII character that is not a digit, in either place of a pair.
        let all = (0...255).map(UInt8.init)
        #expect(Hex.decode(Hex.encode(all)) == all)
        #expect(Hex.decode(Hex.encode(all).uppercased()) == all)
        let digits = Set("0123456789abcdefABCDEF".utf8)
        for c in (0..<128).map(UInt8.init) where !digits.contains(c) {
            let ch = String(decoding: [c], as: UTF8.self)
            #expect(Hex.decode("a" + ch) == nil && Hex.decode(ch + "a") == nil && Hex.decode("00" + ch + "0") == nil, "\(c)")
        }
        #expect(Hex.decode("é0") == nil)
        let s = "xx0a0b"
        #expect(Hex.decode(s.dropFirst(2)) == [10, 11])
        let bytes: [UInt8] = (0...255).map { UInt8($0) }
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
    }
}

import CasebridgeCore
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

    @Test func hexDecodesEitherCaseAndRefusesMalformedText() {
        #expect(Hex.decode("00ff0aFF") == [0, 255, 10, 255])
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("0g") == nil)
        #expect(Hex.decode("zz00") == nil)
        let s = "xx0a0b"
        #expect(Hex.decode(s.dropFirst(2)) == [10, 11])
        let bytes: [UInt8] = (0...255).map { UInt8($0) }
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
    }
}

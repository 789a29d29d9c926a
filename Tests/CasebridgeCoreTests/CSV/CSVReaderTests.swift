import Testing
@testable import CasebridgeCore

@Suite("CSV reader")
struct CSVReaderTests {
    private func read(_ text: String) -> (records: [CSVReader.Record], failures: [CSVReader.Failure]) {
        CSVReader.read(Array(text.utf8))
    }

    @Test func plainFieldsAndEmptyCellsAreNil() {
        let (records, failures) = read("a,b,c\n1,,3\n")
        #expect(failures.isEmpty)
        #expect(records.count == 2)
        #expect(records[1].fields == ["1", nil, "3"])
        #expect(records.map(\.line) == [1, 2])
    }

    @Test func quotedFieldsWithCommasQuotesAndNewlines() throws {
        let (records, failures) = read("h1,h2\n\"a,b\",\"say \"\"hi\"\"\"\n\"multi\nline\",x\n")
        #expect(failures.isEmpty)
        try #require(records.count == 3)
        #expect(records[1].fields == ["a,b", "say \"hi\""])
        #expect(records[2].fields == ["multi\nline", "x"])
    }

    @Test func lineNumbersCountEmbeddedNewlines() {
        let text = "h1,h2\n\"one\ntwo\nthree\",x\nlast,y\n\"a\r\nb\",z\n"
        let (records, failures) = read(text)
        #expect(failures.isEmpty)
        #expect(records.map(\.line) == [1, 2, 5, 6])
        #expect(records[3].fields == ["a\r\nb", "z"])
    }

    @Test func crlfBomAndMissingFinalNewline() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("h1,h2\r\nx,y\r\nz,w".utf8)
        let (records, failures) = CSVReader.read(bytes)
        #expect(failures.isEmpty)
        #expect(records.map(\.fields) == [["h1", "h2"], ["x", "y"], ["z", "w"]])
        #expect(records.map(\.line) == [1, 2, 3])
    }

    @Test func blankLinesAreSkippedButCounted() {
        let (records, _) = read("h\n\nx\r\n\r\ny\n")
        #expect(records.map(\.fields) == [["h"], ["x"], ["y"]])
        #expect(records.map(\.line) == [1, 3, 5])
    }

    @Test func trailingCommaGivesEmptyLastField() {
        let (records, _) = read("a,b,\nc,d,")
        #expect(records.map(\.fields) == [["a", "b", nil], ["c", "d", nil]])
    }

    @Test func quotedEmptyIsNil() {
        let (records, _) = read("\"\",x\n")
        #expect(records[0].fields == [nil, "x"])
    }

    @Test func unterminatedQuoteReportsTheRecordsLine() {
        let (records, failures) = read("h1,h2\nok,1\nbad,\"never closed\nmore text\n")
        #expect(records.count == 2)
        #expect(failures == [CSVReader.Failure(line: 3, error: .unterminatedQuote(field: 1))])
    }

    @Test func strayQuoteDropsOnlyThatRecord() {
        let (records, failures) = read("h1,h2\nab\"c,1\nfine,2\n")
        #expect(records.map(\.fields) == [["h1", "h2"], ["fine", "2"]])
        #expect(failures == [CSVReader.Failure(line: 2, error: .strayQuote(field: 0))])
    }

    @Test func textAfterClosingQuote() {
        let (records, failures) = read("h1,h2\n\"ab\"c,1\nfine,2\n")
        #expect(records.count == 2)
        #expect(failures == [CSVReader.Failure(line: 2, error: .textAfterClosingQuote(field: 0))])
    }

    @Test func invalidUTF8IsReported() {
        let bytes = Array("h1,h2\nx,".utf8) + [0xC3, 0x28] + Array("\nok,1\n".utf8)
        let (records, failures) = CSVReader.read(bytes)
        #expect(records.count == 2)
        #expect(failures == [CSVReader.Failure(line: 2, error: .invalidUTF8(field: 1))])
    }

    @Test func utf16IsRefused() {
        let (records, failures) = CSVReader.read([0xFF, 0xFE, 0x61, 0x00])
        #expect(records.isEmpty)
        #expect(failures == [CSVReader.Failure(line: 1, error: .notUTF8)])
    }

    @Test func nonASCIIUnquotedFields() {
        let (records, failures) = read("Nguyễn,Олена,王\n")
        #expect(failures.isEmpty)
        #expect(records[0].fields == ["Nguyễn", "Олена", "王"])
    }

    @Test func writerQuotesOnlyWhenNeeded() {
        var out = ""
        for v in ["plain", "a,b", "say \"x\"", "two\nlines", "cr\rhere", "", nil] as [String?] {
            CSVReader.appendField(v, to: &out)
            out += ";"
        }
        #expect(out == "plain;\"a,b\";\"say \"\"x\"\"\";\"two\nlines\";\"cr\rhere\";;;")
    }
}

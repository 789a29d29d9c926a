import Testing

@testable import CasebridgeCore

@Suite("Identifier normalization: dates")
struct DateNormalizationTests {
    let n = try! IdentifierNormalizer(defaultRegion: "US")

    private func code(_ raw: String, _ order: DateOrder? = nil) -> String? {
        do {
            _ = try n.dob(raw, order: order)
            return nil
        } catch let e as NormalizationError {
            return e.code
        } catch {
            return "unexpected"
        }
    }

    @Test func isoAndCompactForms() throws {
        for f in [
            "1990-03-15", "1990/03/15", "1990.03.15", "19900315", "1990-3-15", " 1990-03-15 ",
            "１９９０－０３－１５", "1990-03-15T00:00:00Z", "1990-03-15 23:59", "1990 03 15",
        ] {
            #expect(try n.dob(f, order: nil) == "1990-03-15", "\(f)")
        }
    }

    @Test func yearFirstIgnoresTheOrder() throws {
        #expect(try n.dob("1990-03-04", order: .dmy) == "1990-03-04")
        #expect(try n.dob("1990-03-04", order: .mdy) == "1990-03-04")
        #expect(try n.dob("1990-03-04", order: .ymd) == "1990-03-04")
    }

    @Test func dottedYearLastIsDayFirst() throws {
        #expect(try n.dob("15.3.1990", order: nil) == "1990-03-15")
        #expect(try n.dob("4.3.1990", order: nil) == "1990-03-04")
        #expect(try n.dob("04.03.1990", order: nil) == "1990-03-04")
        #expect(try n.dob("04.03.1990", order: .mdy) == "1990-04-03")
    }

    @Test func monthNames() throws {
        for f in [
            "15 March 1990", "March 15, 1990", "15-Mar-1990", "15 MAR 1990", "Mar. 15, 1990", "15th March 1990",
            "March 15th, 1990", "15 of March 1990", "1990 Mar 15", "15 de marzo de 1990", "15/mar/1990",
            "15 Marzo 1990", "15 março 1990", "15 mars 1990", "15. März 1990", "marzo 15 1990",
        ] {
            #expect(try n.dob(f, order: nil) == "1990-03-15", "\(f)")
        }
        #expect(try n.dob("1 enero 2000", order: nil) == "2000-01-01")
        #expect(try n.dob("31 diciembre 1999", order: nil) == "1999-12-31")
        #expect(try n.dob("1 Sept 1980", order: nil) == "1980-09-01")
        #expect(try n.dob("12 agosto 1985", order: nil) == "1985-08-12")
        #expect(try n.dob("1º de abril de 1970", order: nil) == "1970-04-01")
        #expect(try n.dob("1er avril 1970", order: .mdy) == "1970-04-01")
    }

    @Test func slashFormsAmbiguity() throws {
        #expect(code("03/04/1990") == "dob.ambiguous")
        #expect(code("03-04-1990") == "dob.ambiguous")
        #expect(code("1/2/1990") == "dob.ambiguous")
        #expect(try n.dob("03/04/1990", order: .mdy) == "1990-03-04")
        #expect(try n.dob("03/04/1990", order: .dmy) == "1990-04-03")
        #expect(code("03/04/1990", .ymd) == "dob.format")
        // unambiguous without an order
        #expect(try n.dob("15/03/1990", order: nil) == "1990-03-15")
        #expect(try n.dob("03/15/1990", order: nil) == "1990-03-15")
        #expect(try n.dob("05/05/1990", order: nil) == "1990-05-05")
        // an explicit order is honoured even when it makes the date impossible
        #expect(code("15/03/1990", .mdy) == "dob.invalid")
        #expect(code("13/14/1990") == "dob.invalid")
    }

    @Test func leapYears() throws {
        #expect(try n.dob("2000-02-29", order: nil) == "2000-02-29")
        #expect(try n.dob("1996-02-29", order: nil) == "1996-02-29")
        #expect(try n.dob("29 Feb 2024", order: nil) == "2024-02-29")
        #expect(code("1900-02-29") == "dob.invalid")
        #expect(code("1999-02-29") == "dob.invalid")
        #expect(code("2023-02-29") == "dob.invalid")
        #expect(code("2001-02-30") == "dob.invalid")
        #expect(code("2001-04-31") == "dob.invalid")
        #expect(code("2001-00-10") == "dob.invalid")
        #expect(code("2001-13-10") == "dob.invalid")
        #expect(code("2001-01-00") == "dob.invalid")
        #expect(code("2001-01-32") == "dob.invalid")
    }

    @Test func twoDigitYearsAndRange() {
        #expect(code("03/04/90") == "dob.year")
        #expect(code("15 March 90") == "dob.year")
        #expect(code("900315") == "dob.year")
        #expect(code("90-03-15") == "dob.year")
        #expect(code("1899-12-31") == "dob.range")
        #expect(code("2101-01-01") == "dob.range")
        #expect(code("0000-01-01") == "dob.range")
    }

    @Test func garbage() {
        #expect(code("") == "empty")
        #expect(code("unknown") == "dob.format")
        #expect(code("March 1990") == "dob.format")
        #expect(code("03/1990") == "dob.format")
        #expect(code("15 March March 1990") == "dob.format")
        #expect(code("1990-03-15-01") == "dob.format")
        #expect(code("1990:03:15") == "dob.format")
        #expect(code("199003150") == "dob.format")
        #expect(code("15 Marchh 1990") == "dob.format")
        #expect(code("15 March 01990") == "dob.format")
        #expect(code("🎂 15 March 1990") == "dob.format")
        #expect(code(String(repeating: "1", count: 100)) == "dob.format")
    }

    @Test func strictISODate() throws {
        #expect(try IdentifierNormalizer.isoDate("2024-02-29") == "2024-02-29")
        #expect(try IdentifierNormalizer.isoDate(" 2024-01-05\n") == "2024-01-05")
        #expect(try IdentifierNormalizer.isoDate("２０２４－０１－０５") == "2024-01-05")
        for bad in ["2023-02-29", "2024-1-05", "2024/01/05", "20240105", "05-01-2024", "2024-01-05T10:00", "2024-13-01"] {
            #expect(throws: NormalizationError.self, "\(bad)") { try IdentifierNormalizer.isoDate(bad) }
        }
        #expect(throws: NormalizationError(code: "empty", reason: "date is empty")) { try IdentifierNormalizer.isoDate(" ") }
    }
}

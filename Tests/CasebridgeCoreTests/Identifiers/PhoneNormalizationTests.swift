import Testing

@testable import CasebridgeCore

@Suite("Identifier normalization: phones")
struct PhoneNormalizationTests {
    let us = try! IdentifierNormalizer(defaultRegion: "us")

    private func phone(_ region: String, _ raw: String) throws -> String {
        try IdentifierNormalizer(defaultRegion: region).phone(raw)
    }

    private func code(_ region: String, _ raw: String) -> String? {
        do {
            _ = try phone(region, raw)
            return nil
        } catch let e as NormalizationError {
            return e.code
        } catch {
            return "unexpected"
        }
    }

    @Test func sameUSNumberWrittenManyWays() throws {
        let forms = [
            "(415) 555-0123", "+1 415.555.0123", "415-555-0123", "4155550123", "1 (415) 555 0123",
            "1-415-555-0123", "+1 (415) 555-0123", "011 1 415 555 0123", "00 1 415 555 0123",
            "+1/415/555/0123", "[415] 555 0123", "tel:+1-415-555-0123", "\u{00A0}415 555 0123\u{00A0}",
            "４１５－５５５－０１２３", "＋１ ４１５ ５５５ ０１２３", "415\u{2013}555\u{2013}0123",
        ]
        for f in forms {
            #expect(try us.phone(f) == "+14155550123", "\(f)")
        }
    }

    @Test func extensionsAreDropped() throws {
        for f in [
            "415-555-0123 x123", "415-555-0123 ext. 123", "415-555-0123 ext 123", "415-555-0123#123",
            "+1 415 555 0123;ext=123", "415 555 0123 EXT 9", "415 555 0123 extension 42", "4155550123,,123",
            "415-555-0123X7",
        ] {
            #expect(try us.phone(f) == "+14155550123", "\(f)")
        }
    }

    @Test func lettersAreRejectedNotConverted() {
        #expect(code("US", "1-800-FLOWERS") == "phone.letters")
        #expect(code("US", "415 555 CALL") == "phone.letters")
        #expect(code("US", "call 415 555 0123") == "phone.letters")
        #expect(code("US", "415 555 0123 ext abc") == "phone.letters")
        #expect(code("US", "415 555 0123 (cell)") == "phone.letters")
        #expect(code("RU", "+7 912 ЗЗЗ 45 67") == "phone.letters")
    }

    @Test func invalidCharactersAndShapes() {
        #expect(code("US", "415*555*0123") == "phone.invalid")
        #expect(code("US", "415 555 0123 📞") == "phone.invalid")
        #expect(code("US", "+1 415 +555 0123") == "phone.invalid")
        #expect(code("US", "---") == "phone.invalid")
        #expect(code("US", "#123") == "phone.invalid")
        #expect(code("US", "415 555 0123 x12*") == "phone.extension")
        #expect(code("US", "   ") == "empty")
        #expect(code("US", "") == "empty")
        #expect(code("US", "\u{200B}\u{FEFF}") == "empty")
        #expect(code("US", String(repeating: "1", count: 2000)) == "input.tooLong")
        #expect(code("US", String(repeating: "1", count: 40)) == "phone.length")
    }

    @Test func nanpLengthAndAreaCode() {
        #expect(code("US", "555-0123") == "phone.length")
        #expect(code("US", "415 555 012") == "phone.length")
        #expect(code("US", "415 555 01234") == "phone.length")
        #expect(code("US", "015 555 0123") == "phone.areaCode")
        #expect(code("US", "115 555 0123") == "phone.areaCode")
        #expect(code("US", "1 115 555 0123") == "phone.areaCode")
        #expect(code("GB", "+1 115 555 0123") == "phone.areaCode")
        #expect(code("GB", "+1 415 555 012") == "phone.length")
    }

    @Test func nanpRegionsShareTheRules() throws {
        #expect(try phone("CA", "(604) 555-0199") == "+16045550199")
        #expect(try phone("PR", "787-555-0100") == "+17875550100")
        #expect(try phone("DO", "1 809 555 0100") == "+18095550100")
    }

    @Test func europeanTrunkPrefixes() throws {
        #expect(try phone("GB", "020 7946 0958") == "+442079460958")
        #expect(try phone("GB", "+44 (0)20 7946 0958") == "+442079460958")
        #expect(try phone("GB", "+44 020 7946 0958") == "+442079460958")
        #expect(try phone("GB", "0044 20 7946 0958") == "+442079460958")
        #expect(try phone("GB", "44 20 7946 0958") == "+442079460958")
        #expect(try phone("US", "011 44 20 7946 0958") == "+442079460958")
        #expect(try phone("FR", "06 12 34 56 78") == "+33612345678")
        #expect(try phone("FR", "06.12.34.56.78") == "+33612345678")
        #expect(try phone("DE", "030 1234567") == "+49301234567")
        #expect(try phone("DE", "(030) 123 45 67") == "+49301234567")
        #expect(try phone("ES", "612 345 678") == "+34612345678")
        #expect(try phone("NL", "06-12345678") == "+31612345678")
        #expect(try phone("HU", "06 30 123 4567") == "+36301234567")
        #expect(try phone("RU", "8 (912) 345-67-89") == "+79123456789")
        #expect(try phone("RU", "8 10 44 20 7946 0958") == "+442079460958")
        #expect(try phone("RU", "812 123 4567") == "+78121234567")  // area code 812 starts with the trunk digit
        #expect(try phone("RU", "8 812 123 4567") == "+78121234567")
        #expect(code("FR", "06 12 34 56") == "phone.length")
        // after the trunk 0 is removed, no national number may start with 0 (found by fuzzing: "00" + junk)
        #expect(code("GB", "002107544") == "phone.length")  // reported for the IDD reading
        #expect(code("GB", "+44 00 7946 0958") == "phone.invalid")
        #expect(code("FR", "+33 6 12 34 56 78 9") == "phone.length")
    }

    @Test func italyKeepsItsLeadingZero() throws {
        #expect(try phone("IT", "06 1234 5678") == "+390612345678")
        #expect(try phone("IT", "+39 06 1234 5678") == "+390612345678")
        #expect(try phone("GB", "+39 06 1234 5678") == "+390612345678")
        #expect(try phone("IT", "333 123 4567") == "+393331234567")
    }

    @Test func mexicoLegacyPrefixes() throws {
        #expect(try phone("MX", "55 1234 5678") == "+525512345678")
        #expect(try phone("MX", "01 55 1234 5678") == "+525512345678")
        #expect(try phone("MX", "044 55 1234 5678") == "+525512345678")
        #expect(try phone("MX", "045 55 1234 5678") == "+525512345678")
        #expect(try phone("MX", "+52 1 55 1234 5678") == "+525512345678")
        #expect(try phone("US", "011 52 1 55 1234 5678") == "+525512345678")
        #expect(code("MX", "1234 5678") == "phone.length")
    }

    @Test func latinAmericanSpecialCases() throws {
        #expect(try phone("GT", "5512 3456") == "+50255123456")
        #expect(try phone("GT", "+502 5512-3456") == "+50255123456")
        #expect(code("GT", "5512 345") == "phone.length")
        // Argentina: national mobile "0 AREA 15 NUMBER" == international "+54 9 AREA NUMBER"
        #expect(try phone("AR", "011 15-2345-6789") == "+5491123456789")
        #expect(try phone("AR", "+54 9 11 2345-6789") == "+5491123456789")
        #expect(try phone("AR", "0351 15 123 4567") == "+5493511234567")
        #expect(try phone("AR", "011 4123-4567") == "+541141234567")
        // Brazil: trunk 0 plus carrier selection code
        #expect(try phone("BR", "(11) 91234-5678") == "+5511912345678")
        #expect(try phone("BR", "0 21 11 91234-5678") == "+5511912345678")
        #expect(try phone("BR", "0021 1 415 555 0123") == "+14155550123")
        // Colombia: 2021 migration of 8-digit landlines to 60X
        #expect(try phone("CO", "1 234 5678") == "+576012345678")
        #expect(try phone("CO", "601 234 5678") == "+576012345678")
        #expect(try phone("CO", "+57 1 234 5678") == "+576012345678")
        #expect(try phone("CO", "300 123 4567") == "+573001234567")
        #expect(try phone("CO", "009 1 415 555 0123") == "+14155550123")
    }

    @Test func regionSpecificIDDs() throws {
        #expect(try phone("JP", "010 1 415 555 0123") == "+14155550123")
        #expect(try phone("JP", "090-1234-5678") == "+819012345678")
        #expect(try phone("AU", "0011 44 20 7946 0958") == "+442079460958")
        #expect(try phone("AU", "0412 345 678") == "+61412345678")
        #expect(try phone("KE", "000 44 20 7946 0958") == "+442079460958")
        #expect(try phone("KE", "0712 345678") == "+254712345678")
        #expect(try phone("KR", "00700 1 415 555 0123") == "+14155550123")
        #expect(try phone("KR", "010-1234-5678") == "+821012345678")
        #expect(try phone("TH", "001 44 20 7946 0958") == "+442079460958")
        #expect(try phone("NG", "0803 123 4567") == "+2348031234567")
        #expect(try phone("IN", "098765 43210") == "+919876543210")
        #expect(try phone("PH", "0917 123 4567") == "+639171234567")
        #expect(try phone("CN", "138 0013 8000") == "+8613800138000")
    }

    @Test func nonLatinDigitsAreRead() throws {
        // Arabic-Indic digits as typed on Egyptian phones
        #expect(try phone("EG", "٠١٠٠ ١٢٣ ٤٥٦٧") == "+201001234567")
    }

    @Test func unknownCallingCodesOnlyCheckTheEnvelope() throws {
        #expect(try us.phone("+260 97 1234567") == "+260971234567")  // Zambia, not in the table
        #expect(try us.phone("00 260 97 1234567") == "+260971234567")
        #expect(throws: NormalizationError.self) { try us.phone("+260 97") }
        #expect(throws: NormalizationError.self) { try us.phone("+260 97 1234 5678 9012") }
        #expect(code("US", "+0 415 555 0123") == "phone.countryCode")
    }

    @Test func e164NeverExceedsFifteenDigits() throws {
        #expect(code("DE", "+49 1234 5678 9012 34") == "phone.length")
        #expect(try phone("DE", "+49 1234 5678 9012 3") == "+491234567890123")
    }

    @Test func normalizedNumbersAreFixedPoints() throws {
        for (region, raw) in [("US", "(415) 555-0123"), ("GB", "020 7946 0958"), ("IT", "06 1234 5678"), ("AR", "011 15-2345-6789"), ("RU", "8 812 123 4567")] {
            let once = try phone(region, raw)
            for other in ["US", "GB", "IT", "AR", "RU", "MX", "AU"] {
                #expect(try phone(other, once) == once, "\(once) in \(other)")
            }
        }
    }

    @Test func regionTableIsComplete() {
        let required = [
            "US", "CA", "MX", "GT", "HN", "SV", "NI", "CR", "PA", "CO", "VE", "EC", "PE", "BR", "AR", "CL", "DO", "PR",
            "GB", "IE", "FR", "DE", "ES", "PT", "IT", "NL", "BE", "PL", "RO", "BG", "UA", "RU", "TR", "NG", "GH", "KE",
            "ZA", "EG", "MA", "IN", "PK", "BD", "CN", "JP", "KR", "PH", "VN", "TH", "ID", "MY", "AU", "NZ",
        ]
        for r in required {
            #expect(PhoneRegions.byRegion[r] != nil, "\(r)")
            #expect((try? IdentifierNormalizer(defaultRegion: r.lowercased()))?.defaultRegion == r)
        }
        for r in PhoneRegions.all {
            #expect(RegionCodes.alpha2.contains(r.code))
            #expect(r.minLength <= r.maxLength)
            #expect(r.callingCode.utf8.count + r.maxLength <= 15, "\(r.code)")
            #expect(r.trunk == nil || !r.keepsLeadingZero)
        }
        // Calling codes in the table must be prefix-free, or international parsing would be ambiguous.
        let codes = Set(PhoneRegions.all.map(\.callingCode))
        for a in codes {
            for b in codes where a != b {
                #expect(!b.hasPrefix(a), "\(a) is a prefix of \(b)")
            }
        }
    }

    @Test func defaultRegionMustBeInTheTable() {
        #expect(throws: NormalizationError.self) { try IdentifierNormalizer(defaultRegion: "ZW") }  // real, not in table
        #expect(throws: NormalizationError.self) { try IdentifierNormalizer(defaultRegion: "QQ") }
        #expect(throws: NormalizationError.self) { try IdentifierNormalizer(defaultRegion: "US-CA") }
        #expect(throws: NormalizationError.self) { try IdentifierNormalizer(defaultRegion: "") }
        #expect((try? IdentifierNormalizer(defaultRegion: " gb "))?.defaultRegion == "GB")
    }
}

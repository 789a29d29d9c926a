import Testing

@testable import CasebridgeCore

@Suite("Identifier normalization: plates, documents, handles, regions, kinds")
struct CodeAndHandleNormalizationTests {
    let n = try! IdentifierNormalizer(defaultRegion: "US")

    private func code(_ body: () throws -> String) -> String? {
        do {
            _ = try body()
            return nil
        } catch let e as NormalizationError {
            return e.code
        } catch {
            return "unexpected"
        }
    }

    // MARK: plates

    @Test func platesSeparatorsAndWidth() throws {
        for p in ["7ABC123", "7abc123", "7 ABC 123", "7-ABC-123", "7.ABC.123", "7·ABC·123", "７ＡＢＣ１２３", " 7abc 123 "] {
            #expect(try n.plate(p, region: "us-ca") == "US-CA:7ABC123", "\(p)")
        }
        #expect(try n.plate("B-MW 1234", region: "DE") == "DE:BMW1234")
        #expect(try n.plate("LÖ-AB 12", region: "de") == "DE:LOAB12")
        // Cyrillic and Greek letters drawn like Latin ones
        #expect(try n.plate("А123ВС77", region: "RU") == "RU:A123BC77")
        #expect(try n.plate("ΙΚΧ-1234", region: "GR") == "GR:IKX1234")
    }

    @Test func platesInvalid() {
        #expect(code { try n.plate("", region: "US-CA") } == "empty")
        #expect(code { try n.plate("7ABC123", region: "") } == "empty")
        #expect(code { try n.plate("7ABC123", region: "California") } == "region.invalid")
        #expect(code { try n.plate("7ABC123", region: "QQ-CA") } == "region.unknown")
        #expect(code { try n.plate("7ABC/123", region: "US") } == "plate.invalid")
        #expect(code { try n.plate("7ABC😀", region: "US") } == "plate.invalid")
        #expect(code { try n.plate("ЖЖ123", region: "RU") } == "plate.invalid")
        #expect(code { try n.plate("- . -", region: "US") } == "plate.invalid")
        #expect(code { try n.plate(String(repeating: "A", count: 17), region: "US") } == "plate.invalid")
    }

    // MARK: documents

    @Test func documents() throws {
        #expect(try n.document(type: "passport", number: "G1234567", issuer: "mx") == "passport:MX:G1234567")
        #expect(try n.document(type: " Passport ", number: "g 123-456.7", issuer: "MX") == "passport:MX:G1234567")
        #expect(try n.document(type: "Pasaporte", number: "ｇ１２３４５６７", issuer: "MX") == "passport:MX:G1234567")
        #expect(try n.document(type: "DL", number: "D1234567", issuer: "us-ca") == "drivers-license:US-CA:D1234567")
        #expect(try n.document(type: "Driver's License", number: "D1234567", issuer: "US-CA") == "drivers-license:US-CA:D1234567")
        #expect(try n.document(type: "driving licence", number: "D1234567", issuer: "GB") == "drivers-license:GB:D1234567")
        #expect(try n.document(type: "ID card", number: "12.345.678", issuer: "AR") == "national-id:AR:12345678")
        #expect(try n.document(type: "Cédula", number: "001-1234567-8", issuer: "DO") == "national-id:DO:00112345678")
        #expect(try n.document(type: "residence_permit", number: "ZU1234567", issuer: "DE") == "residence-permit:DE:ZU1234567")
        #expect(try n.document(type: "green card", number: "SRC1234567890", issuer: "US") == "residence-permit:US:SRC1234567890")
        #expect(try n.document(type: "VISA", number: "12345678", issuer: "US") == "visa:US:12345678")
        #expect(try n.document(type: "other", number: "A/1", issuer: "FR") == "other:FR:A1")
        // leading zeros are significant and kept
        #expect(try n.document(type: "passport", number: "0012345", issuer: "MX") != n.document(type: "passport", number: "12345", issuer: "MX"))
    }

    @Test func documentsInvalid() {
        #expect(code { try n.document(type: "library card", number: "1", issuer: "US") } == "document.type")
        #expect(code { try n.document(type: "", number: "1", issuer: "US") } == "empty")
        #expect(code { try n.document(type: "passport", number: " ", issuer: "US") } == "empty")
        #expect(code { try n.document(type: "passport", number: "G123", issuer: "") } == "empty")
        #expect(code { try n.document(type: "passport", number: "G123", issuer: "UK") } == "region.unknown")
        #expect(code { try n.document(type: "passport", number: "G12#3", issuer: "MX") } == "document.invalid")
        #expect(code { try n.document(type: "passport", number: "---", issuer: "MX") } == "document.invalid")
        #expect(code { try n.document(type: "passport", number: String(repeating: "9", count: 33), issuer: "MX") } == "document.invalid")
    }

    // MARK: handles

    @Test func handlePlatformsAndPrefixes() throws {
        #expect(try n.handle(platform: "Instagram", handle: "@JDoe") == "instagram:jdoe")
        #expect(try n.handle(platform: "IG", handle: "jdoe") == "instagram:jdoe")
        #expect(try n.handle(platform: "insta", handle: " @jdoe ") == "instagram:jdoe")
        #expect(try n.handle(platform: "twitter", handle: "@jdoe") == "x:jdoe")
        #expect(try n.handle(platform: "X", handle: "jdoe") == "x:jdoe")
        #expect(try n.handle(platform: "FB", handle: "john.doe.5") == "facebook:john.doe.5")
        #expect(try n.handle(platform: "Snap", handle: "jdoe") == "snapchat:jdoe")
        #expect(try n.handle(platform: "Only Fans", handle: "jdoe") == "onlyfans:jdoe")
        #expect(try n.handle(platform: "TikTok", handle: "@j_doe.99") == "tiktok:j_doe.99")
        #expect(try n.handle(platform: "mastodon.social", handle: "jdoe") == "mastodon.social:jdoe")
        #expect(try n.handle(platform: "ｉｎｓｔａｇｒａｍ", handle: "ｊｄｏｅ") == "instagram:jdoe")
    }

    @Test func handleURLs() throws {
        #expect(try n.handle(platform: "instagram", handle: "https://www.instagram.com/jdoe/") == "instagram:jdoe")
        #expect(try n.handle(platform: "instagram", handle: "http://instagram.com/JDoe?igshid=abc") == "instagram:jdoe")
        #expect(try n.handle(platform: "instagram", handle: "instagram.com/jdoe") == "instagram:jdoe")
        #expect(try n.handle(platform: "tiktok", handle: "https://www.tiktok.com/@jdoe?lang=en") == "tiktok:jdoe")
        #expect(try n.handle(platform: "twitter", handle: "https://twitter.com/jdoe/status/123") == "x:jdoe")
        #expect(try n.handle(platform: "x", handle: "https://x.com/jdoe") == "x:jdoe")
        #expect(try n.handle(platform: "telegram", handle: "t.me/jdoe") == "telegram:jdoe")
        #expect(try n.handle(platform: "reddit", handle: "https://www.reddit.com/user/jdoe/") == "reddit:jdoe")
        #expect(try n.handle(platform: "reddit", handle: "https://old.reddit.com/u/jdoe") == "reddit:jdoe")
        #expect(try n.handle(platform: "snapchat", handle: "https://www.snapchat.com/add/jdoe") == "snapchat:jdoe")
        #expect(try n.handle(platform: "facebook", handle: "https://m.facebook.com/profile.php?id=100012345") == "facebook:100012345")
        #expect(try n.handle(platform: "facebook", handle: "https://www.facebook.com/john.doe.5#about") == "facebook:john.doe.5")
    }

    @Test func phoneBasedHandles() throws {
        #expect(try n.handle(platform: "WhatsApp", handle: "+1 (415) 555-0123") == "whatsapp:+14155550123")
        #expect(try n.handle(platform: "wa", handle: "415.555.0123") == "whatsapp:+14155550123")
        #expect(try n.handle(platform: "whatsapp", handle: "https://wa.me/14155550123") == "whatsapp:+14155550123")
        #expect(try n.handle(platform: "signal", handle: "415 555 0123") == "signal:+14155550123")
        #expect(try n.handle(platform: "signal", handle: "jdoe.01") == "signal:jdoe.01")
        #expect(code { try n.handle(platform: "whatsapp", handle: "555 0123") } == "phone.length")
    }

    @Test func handlesInvalid() {
        #expect(code { try n.handle(platform: "", handle: "jdoe") } == "empty")
        #expect(code { try n.handle(platform: "instagram", handle: "") } == "empty")
        #expect(code { try n.handle(platform: "instagram", handle: "@") } == "empty")
        #expect(code { try n.handle(platform: "instagram", handle: "j doe") } == "handle.invalid")
        #expect(code { try n.handle(platform: "instagram", handle: "jdoe😀") } == "handle.invalid")
        #expect(code { try n.handle(platform: "instagram", handle: "\u{301}jdoe") } == "handle.invalid")
        #expect(code { try n.handle(platform: "instagram", handle: "https://www.tiktok.com/@jdoe") } == "handle.platformMismatch")
        #expect(code { try n.handle(platform: "instagram", handle: "https://evil.example/jdoe") } == "handle.url")
        #expect(code { try n.handle(platform: "instagram", handle: "https://www.instagram.com/") } == "handle.url")
        #expect(code { try n.handle(platform: "my space!", handle: "jdoe") } == "handle.platform")
        #expect(code { try n.handle(platform: "instagram", handle: String(repeating: "a", count: 101)) } == "handle.invalid")
    }

    // MARK: regions

    @Test func regions() throws {
        #expect(try IdentifierNormalizer.region("US") == "US")
        #expect(try IdentifierNormalizer.region("us-ca") == "US-CA")
        #expect(try IdentifierNormalizer.region(" MX-BCN ") == "MX-BCN")
        #expect(try IdentifierNormalizer.region("ｕｓ－ｃａ") == "US-CA")
        #expect(try IdentifierNormalizer.region("GB-ENG") == "GB-ENG")
        #expect(try IdentifierNormalizer.region("FR-75") == "FR-75")
        #expect(try IdentifierNormalizer.region("XK") == "XK")
        for bad in ["USA", "U", "US-", "US-CALI", "US_CA", "U1", "12", "US CA", "US-C@", "ÜS"] {
            #expect(throws: NormalizationError.self, "\(bad)") { try IdentifierNormalizer.region(bad) }
        }
        for unknown in ["UK", "QQ", "EU", "XX", "ZZ-01"] {
            #expect(throws: NormalizationError(code: "region.unknown", reason: "region code is not an assigned ISO 3166-1 country code")) {
                try IdentifierNormalizer.region(unknown)
            }
        }
        #expect(throws: NormalizationError.self) { try IdentifierNormalizer.region("") }
    }

    @Test func regionListIsTheFullISOList() {
        // 249 officially assigned codes + XK.
        #expect(RegionCodes.alpha2.count == 250)
        for c in ["AX", "BQ", "CW", "SS", "SX", "EH", "PS", "TW", "VA", "BV", "HM", "UM", "AQ"] {
            #expect(RegionCodes.alpha2.contains(c), "\(c)")
        }
        for c in ["UK", "EU", "AN", "YU", "CS", "ZR", "TP"] {
            #expect(!RegionCodes.alpha2.contains(c), "\(c)")
        }
        #expect(RegionCodes.alpha2.allSatisfy { $0.utf8.count == 2 && $0.utf8.allSatisfy { $0 >= 65 && $0 <= 90 } })
    }

    // MARK: kinds

    @Test func kindStrengthAndRawValues() {
        #expect(IdentifierKind.nameDob.rawValue == "name+dob")
        #expect(IdentifierKind(rawValue: "name+dob") == .nameDob)
        #expect(IdentifierKind.allCases.count == 8)
        for k in IdentifierKind.allCases {
            let expected = (k == .name || k == .dob) ? 1 : 3
            #expect(k.strength == expected, "\(k)")
        }
        #expect(DateOrder(rawValue: "dmy") == .dmy)
        #expect(DateOrder.allCases.map(\.rawValue) == ["mdy", "dmy", "ymd"])
    }

    /// The byte-wise pre-check never skips a handle that `fromURL` would read as a URL or refuse: wherever it says "not
    /// a URL", the full parse (`parseURL`) returns nil too, for every platform.
    @Test func urlPrecheckAgreesWithTheParser() {
        var inputs = [
            "jdoe", "j.doe", "ana_ruiz.92", "t.me", "t.me:8080", "www.t.me", "m.instagram.com", "instagram.com", "x.com:1",
            "old.reddit.com", "reddit.com", "www.old.reddit.com", "mobile.twitter.com", "web.whatsapp.com", "fb.me", "wa.me",
            "https://x.com/jdoe", "http:", "http:x.com", "t.me/jdoe", "www.", "m.", ":", "jdoe:1", "telegram.dog", "kik.me",
        ]
        inputs += randomStrings(20_000, from: "tme.:/wxcoa", lengths: 1...10)
        for h in inputs where !HandleNormalizer.mayBeURL(Array(h.utf8)) {
            for p in [nil] + HandleNormalizer.platforms.map(Optional.some) {
                #expect((try? HandleNormalizer.parseURL(h, platform: p)) == .some(nil), "\(h) \(p?.name ?? "-")")
            }
        }
        #expect(HandleNormalizer.mayBeURL(Array("www.t.me:443".utf8)))
        #expect(!HandleNormalizer.mayBeURL(Array("jdoe.92".utf8)))
    }

    /// The exact-key lookup `platform` tries first answers as the full resolution would, for every key it can hit and
    /// for strings next to them.
    @Test func platformKeyLookupAgreesWithTheFullResolution() throws {
        var inputs = Array(HandleNormalizer.byAlias.keys)
        for k in HandleNormalizer.byAlias.keys { inputs += [k.uppercased(), " \(k)", "www.\(k)", "\(k).com", "\(k)-", "_\(k)"] }
        inputs += randomStrings(5_000, from: "igwatxfb.com-_ ", lengths: 1...8)
        for raw in inputs {
            let fast = Result { try HandleNormalizer.platform(raw) }
            let full = Result { try HandleNormalizer.resolvePlatform(raw) }
            switch (fast, full) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(raw)")
            case (.failure, .failure): break
            default: Issue.record("\(raw): \(fast) vs \(full)")
            }
        }
        for k in HandleNormalizer.byAlias.keys { #expect(try HandleNormalizer.resolvePlatform(k) == HandleNormalizer.byAlias[k]!.name) }
    }
}

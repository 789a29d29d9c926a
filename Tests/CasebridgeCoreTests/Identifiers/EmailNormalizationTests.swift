import Testing

@testable import CasebridgeCore

@Suite("Identifier normalization: emails")
struct EmailNormalizationTests {
    let n = try! IdentifierNormalizer(defaultRegion: "MX")

    private func code(_ raw: String) -> String? {
        do {
            _ = try n.email(raw)
            return nil
        } catch let e as NormalizationError {
            return e.code
        } catch {
            return "unexpected"
        }
    }

    @Test func caseAndWhitespace() throws {
        #expect(try n.email("Ana.Ruiz@Example.ORG") == "ana.ruiz@example.org")
        #expect(try n.email("  ana.ruiz@example.org \n") == "ana.ruiz@example.org")
        #expect(try n.email("\u{00A0}ANA.RUIZ@EXAMPLE.ORG\u{200B}") == "ana.ruiz@example.org")
        #expect(try n.email("mailto:ana.ruiz@example.org") == "ana.ruiz@example.org")
        #expect(try n.email("ana.ruiz@example.org.") == "ana.ruiz@example.org")
        #expect(try n.email("ａｎａ＠ｅｘａｍｐｌｅ．ｏｒｇ") == "ana@example.org")
    }

    @Test func noProviderSpecificRewriting() throws {
        // Dots and +tags are kept: only the provider knows whether they matter.
        #expect(try n.email("j.doe+work@gmail.com") == "j.doe+work@gmail.com")
        #expect(try n.email("j.doe@gmail.com") != n.email("jdoe@gmail.com"))
    }

    @Test func internationalizedDomainsStayUnicode() throws {
        #expect(try n.email("José@Correo.México.MX") == "josé@correo.méxico.mx")
        #expect(try n.email("jose@correo.me\u{301}xico.mx") == "jose@correo.méxico.mx")
        #expect(try n.email("user@例え。jp") == "user@例え.jp")
        #expect(try n.email("user@xn--mxico-bsa.mx") == "user@xn--mxico-bsa.mx")
    }

    @Test func invalidAddresses() {
        #expect(code("") == "empty")
        #expect(code("ana.ruiz") == "email.invalid")
        #expect(code("ana@ruiz@example.org") == "email.invalid")
        #expect(code("@example.org") == "email.invalid")
        #expect(code("ana@") == "email.invalid")
        #expect(code("ana@localhost") == "email.invalid")
        #expect(code("ana ruiz@example.org") == "email.invalid")
        #expect(code("ana@exa mple.org") == "email.invalid")
        #expect(code("ana@example..org") == "email.invalid")
        #expect(code("ana@-example.org") == "email.invalid")
        #expect(code("ana@example-.org") == "email.invalid")
        #expect(code("ana@exa_mple.org") == "email.invalid")
        #expect(code("ana@example.123") == "email.invalid")
        #expect(code(".ana@example.org") == "email.invalid")
        #expect(code("ana.@example.org") == "email.invalid")
        #expect(code("a..na@example.org") == "email.invalid")
        #expect(code("<ana@example.org>") == "email.invalid")
        #expect(code("Ana Ruiz <ana@example.org>") == "email.invalid")
        #expect(code("ana@example.org😀") == "email.invalid")
        #expect(code(String(repeating: "a", count: 65) + "@example.org") == "email.invalid")
        #expect(code("ana@" + String(repeating: "a", count: 64) + ".org") == "email.invalid")
    }

    /// The byte-wise ASCII path gives the same address or the same refusal as the general (Unicode) path, on hostile
    /// fixed cases and on 20,000 random strings over the characters that matter to the rules.
    @Test func asciiPathAgreesWithTheGeneralPath() {
        func outcome(_ f: (String) throws -> String, _ s: String) -> String {
            do { return "ok:" + (try f(s)) } catch let e as NormalizationError { return "error:\(e.code):\(e.reason)" } catch {
                return "unexpected"
            }
        }
        var inputs = [
            "Ana.Ruiz@Example.ORG", "mailto:a@b.c", "MAILTO:a@b.c", "mailto:@b.c", "mailto:", "a@b", "a@b.", "a@.b", "a@b..c",
            "@b.c", "a@", "a@@b.c", "a@b@c.d", "a b@c.d", "a\"b@c.d", "a(b)@c.d", "a,b@c.d", "a:b@c.d", "a;b@c.d", "a<b@c.d",
            "a>b@c.d", "a[b]@c.d", "a\\b@c.d", "a\u{7F}b@c.d", ".a@b.c", "a.@b.c", "a..b@c.d", "a@-b.c", "a@b-.c", "a@b.c-",
            "a@b_c.d", "a@b.123", "a@b.1a", "a@1.b", "a+tag@b.c", "a!#$%&'*+/=?^`{|}~@b.c", "a@b.c.",  "a@b.c..",
            String(repeating: "a", count: 64) + "@b.c", String(repeating: "a", count: 65) + "@b.c",
            "a@" + String(repeating: "b", count: 63) + ".c", "a@" + String(repeating: "b", count: 64) + ".c",
            "a@" + Array(repeating: String(repeating: "b", count: 50), count: 5).joined(separator: ".") + ".c",
            "a@" + Array(repeating: String(repeating: "b", count: 60), count: 5).joined(separator: ".") + ".c",
        ]
        inputs += randomStrings(20_000, from: "aZ9.@-_ :m\"<+", lengths: 1...12)
        for raw in inputs {
            guard let prepared = try? IdentifierText.prepare(raw, what: "email address") else { continue }
            #expect(outcome(EmailNormalizer.normalizeASCII, prepared) == outcome(EmailNormalizer.normalizeUnicode, prepared), "\(raw)")
        }
    }
}

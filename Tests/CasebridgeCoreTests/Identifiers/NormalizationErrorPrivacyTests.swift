import Foundation
import Testing

@testable import CasebridgeCore

/// Error reasons land in logs: they must never echo the input, or any recognizable part of it.
@Suite("Identifier normalization: errors never leak input")
struct NormalizationErrorPrivacyTests {
    let n = try! IdentifierNormalizer(defaultRegion: "US")

    private func error(_ body: () throws -> String) -> NormalizationError? {
        do {
            _ = try body()
            return nil
        } catch let e as NormalizationError {
            return e
        } catch {
            return nil
        }
    }

    /// Asserts that `body` fails and that neither the raw input nor the given fragments appear in the error.
    private func expectPrivate(
        _ input: String, fragments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> String
    ) {
        guard let e = error(body) else {
            Issue.record("expected an error for a hostile input", sourceLocation: sourceLocation)
            return
        }
        #expect(!e.code.isEmpty, sourceLocation: sourceLocation)
        #expect(!e.reason.isEmpty, sourceLocation: sourceLocation)
        #expect(e.description == e.reason, sourceLocation: sourceLocation)
        for needle in [input] + fragments {
            let t = needle.trimmingCharacters(in: .whitespacesAndNewlines)
            guard t.count >= 3 else { continue }
            #expect(!e.reason.lowercased().contains(t.lowercased()), "reason leaks input (\(e.code))", sourceLocation: sourceLocation)
            #expect(!e.code.lowercased().contains(t.lowercased()), sourceLocation: sourceLocation)
        }
    }

    private func digitsOnly(_ s: String) -> String {
        String(s.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }.map(Character.init))
    }

    @Test func phones() {
        let bad = [
            "1-800-FLOWERS", "415 555 012", "015 555 0123", "+1 415 555 01234", "+44 20 7946 09581234",
            "415*555*0123", "415 555 0123 ext abc", "415 555 0123 ext 12*", "+260 97", "0044 1234",
            "９９９ ５５５ ０１２", "call me 4155550123", "+0 415 555 0123", String(repeating: "7", count: 30),
        ]
        for raw in bad {
            expectPrivate(raw, fragments: [digitsOnly(raw)]) { try n.phone(raw) }
        }
    }

    @Test func names() {
        for (g, f) in [("John2", "Secretname"), ("😀😀😀", "!!!"), ("Ana", "Ruiz 3rd"), ("Xochitl", "٣")] {
            expectPrivate(g, fragments: [f, g + " " + f]) { try n.name(given: g, family: f) }
        }
    }

    @Test func dates() {
        for raw in ["03/04/1990", "1990-02-30", "15 Marchh 1990", "15/03/90", "1899-01-01", "1990-13-01", "Tuesday"] {
            expectPrivate(raw, fragments: raw.split(whereSeparator: { !$0.isNumber && !$0.isLetter }).map(String.init)) {
                try n.dob(raw, order: nil)
            }
        }
        for raw in ["2023-02-29", "2023/02/28"] {
            expectPrivate(raw, fragments: ["2023", "02-29", "02/28"]) { try IdentifierNormalizer.isoDate(raw) }
        }
    }

    @Test func emailsPlatesDocumentsHandlesRegions() {
        for raw in ["ana ruiz@example.org", "secret@@example.org", "secret@example", "<secret@example.org>"] {
            expectPrivate(raw, fragments: ["secret", "ana ruiz", "example"]) { try n.email(raw) }
        }
        expectPrivate("7ABC/123", fragments: ["7ABC", "123"]) { try n.plate("7ABC/123", region: "US-CA") }
        expectPrivate("Californ", fragments: ["californ"]) { try n.plate("7ABC123", region: "Californ") }
        expectPrivate("QQQ-ABC", fragments: ["QQQ", "ABC"]) { try n.plate("7ABC123", region: "QQQ-ABC") }
        expectPrivate("library card", fragments: ["library"]) { try n.document(type: "library card", number: "G123", issuer: "MX") }
        expectPrivate("G12#345", fragments: ["G12", "345"]) { try n.document(type: "passport", number: "G12#345", issuer: "MX") }
        expectPrivate("j doe secret", fragments: ["secret"]) { try n.handle(platform: "instagram", handle: "j doe secret") }
        expectPrivate("https://evil.example/secret", fragments: ["evil", "secret"]) {
            try n.handle(platform: "instagram", handle: "https://evil.example/secret")
        }
        expectPrivate("my space!", fragments: ["space"]) { try n.handle(platform: "my space!", handle: "jdoe") }
        expectPrivate("ZZQ", fragments: []) { try IdentifierNormalizer.region("ZZQ") }
        #expect(throws: NormalizationError.self) { try IdentifierNormalizer(defaultRegion: "Narnia") }
        if let e = error({ try IdentifierNormalizer(defaultRegion: "Narnia").defaultRegion }) {
            #expect(!e.reason.lowercased().contains("narnia"))
        } else {
            Issue.record("expected an error")
        }
    }
}

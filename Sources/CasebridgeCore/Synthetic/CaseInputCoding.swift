internal import Foundation

/// JSON Lines for cases, in the form `casebridge cases import` reads (see `docs/import.md`).
///
/// The output is byte-for-byte what `JSONEncoder` gives with `.sortedKeys` and
/// `.withoutEscapingSlashes` (absent fields left out), written by `CanonicalJSONWriter` because that is
/// about ten times faster for the million-case data sets `casebridge dev generate` makes. A test checks
/// the two agree.
public enum CaseInputCoding {
    /// One JSON object per line, each line ending in `\n`.
    public static func jsonl(_ cases: [CaseInput]) -> String {
        var w = CanonicalJSONWriter(capacity: cases.count * 700)
        for c in cases {
            c.write(to: &w)
            w.bytes.append(0x0A)
        }
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// The truth links as JSON Lines (via `JSONEncoder`, keys sorted).
    public static func jsonl(truth links: [TruthLink]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for link in links {
            // Strings and integers only: encoding cannot fail.
            out.append(try! encoder.encode(link))
            out.append(0x0A)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The reference encoding, for tests.
    static func jsonlWithJSONEncoder(_ cases: [CaseInput]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for c in cases {
            out.append(try! encoder.encode(c))
            out.append(0x0A)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

import Foundation

/// Identity documents -> "type:ISSUER:NUMBER" ("passport:MX:G1234567").
/// Rules: `docs/identifiers.md#identity-documents`.
enum DocumentNormalizer {
    static let maxLength = 32

    /// Space, hyphens/dashes, dot, slash, middle dot.
    static let separators: Set<UInt32> = [
        0x20, 0x09, 0x2D, 0x2E, 0x2F, 0x00B7, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212,
    ]

    /// Canonical types.
    static let types: [String] = ["passport", "national-id", "drivers-license", "visa", "residence-permit", "other"]

    /// Folded alias (see `typeKey`) -> canonical type.
    static let aliases: [String: String] = {
        let table: [String: [String]] = [
            "passport": [
                "passport", "pp", "ppt", "pasaporte", "passeport", "passaporto", "passaporte", "reisepass", "paspoort",
                "travel-document",
            ],
            "national-id": [
                "national-id", "nationalid", "id", "id-card", "identity-card", "national-identity-card", "nid",
                "national-id-card", "dni", "cedula", "cedula-de-identidad", "carte-d-identite", "carte-didentite",
                "cni", "personalausweis", "ine", "ife", "dui", "cc", "identity-document",
            ],
            "drivers-license": [
                "drivers-license", "driver-license", "drivers-licence", "driver-licence", "driving-license",
                "driving-licence", "dl", "licencia", "licencia-de-conducir", "licencia-de-manejo", "permis-de-conduire",
                "fuhrerschein", "carteira-de-motorista", "cnh",
            ],
            "visa": ["visa", "visado", "entry-visa"],
            "residence-permit": [
                "residence-permit", "residency-permit", "resident-permit", "rp", "brp", "residence-card",
                "resident-card", "permanent-resident-card", "green-card", "titre-de-sejour", "tarjeta-de-residencia",
                "aufenthaltstitel", "aufenthaltserlaubnis",
            ],
            "other": ["other", "otro", "autre"],
        ]
        var m: [String: String] = [:]
        for (canonical, list) in table {
            for a in list { m[a] = canonical }
        }
        return m
    }()

    /// Lower-case, diacritics removed, apostrophes dropped, runs of space / '-' / '_' / '.' / '/' become '-'.
    static func typeKey(_ prepared: String) -> String {
        let folded = prepared.lowercased().decomposedStringWithCanonicalMapping
        var out: [UInt8] = []
        var pendingDash = false
        for u in folded.unicodeScalars {
            let v = u.value
            if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                if pendingDash && !out.isEmpty { out.append(0x2D) }
                pendingDash = false
                out.append(UInt8(v))
            } else if v == 0x27 || v == 0x2019 || v == 0x60 || IdentifierText.isMark(u) {
                continue
            } else {
                pendingDash = true
            }
            if out.count > 64 { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func normalize(type: String, number: String, issuer: String) throws -> String {
        let t = try IdentifierText.prepare(type, what: "document type")
        guard let canonical = aliases[typeKey(t)] else {
            throw NormalizationError(
                code: "document.type",
                reason: "unknown document type; use one of \(types.joined(separator: ", "))")
        }
        let n = try IdentifierText.prepare(number, what: "document number")
        let i = try RegionCodes.canonical(issuer, what: "document issuer")
        guard let code = IdentifierText.asciiCode(n, separators: separators), !code.isEmpty else {
            throw NormalizationError(
                code: "document.invalid", reason: "document number may only contain Latin letters, digits and separators")
        }
        guard code.utf8.count <= maxLength else {
            throw NormalizationError(code: "document.invalid", reason: "document number is longer than \(maxLength) characters")
        }
        return canonical + ":" + i + ":" + code
    }
}

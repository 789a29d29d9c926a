/// Vehicle plates -> "REGION:PLATE" ("US-CA:7ABC123"). Rules: `docs/identifiers.md#vehicle-plates`.
enum PlateNormalizer {
    static let maxLength = 16

    /// Space, hyphens and dashes, dot, middle dots, bullet.
    static let separators: Set<UInt32> = [
        0x20, 0x09, 0x2D, 0x2E, 0x00B7, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0x2022,
        0x2027, 0x30FB, 0x2219, 0x22C5,
    ]

    static func normalize(_ plate: String, region: String) throws -> String {
        let p = try IdentifierText.prepare(plate, what: "plate")
        let r = try RegionCodes.canonical(region, what: "plate region")
        guard let code = IdentifierText.asciiCode(p, separators: separators) else {
            throw NormalizationError(
                code: "plate.invalid", reason: "plate may only contain Latin letters, digits and separators")
        }
        guard !code.isEmpty else {
            throw NormalizationError(code: "plate.invalid", reason: "plate has no letters or digits")
        }
        guard code.utf8.count <= maxLength else {
            throw NormalizationError(code: "plate.invalid", reason: "plate is longer than \(maxLength) characters")
        }
        return r + ":" + code
    }
}

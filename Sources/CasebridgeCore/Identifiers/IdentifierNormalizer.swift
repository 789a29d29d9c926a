/// Normalizes case identifiers into the canonical strings that are hashed for cross-agency matching.
///
/// Every rule is specified in `docs/identifiers.md`; two agencies that normalize the same person's
/// identifier with this type get byte-identical output. All methods are pure and thread-safe.
/// Errors are `NormalizationError`s whose `reason` never contains the input.
public struct IdentifierNormalizer: Sendable {
    /// ISO 3166-1 alpha-2 region (upper-case) whose dialing rules apply to phone numbers written
    /// without an international prefix.
    public let defaultRegion: String
    let phoneRegion: PhoneRegion

    /// - Parameter defaultRegion: ISO 3166-1 alpha-2 code (case-insensitive) present in the phone region table.
    /// - Throws: `NormalizationError` with code `region.invalid` / `region.unknown` otherwise.
    public init(defaultRegion: String) throws {
        let code = try RegionCodes.canonical(defaultRegion, what: "default region")
        guard let region = PhoneRegions.byRegion[code] else {
            throw NormalizationError(
                code: "region.unknown",
                reason: "default region must be a country (ISO 3166-1 alpha-2) in the phone region table")
        }
        self.defaultRegion = code
        self.phoneRegion = region
    }

    /// E.164, e.g. "+14155550123".
    public func phone(_ raw: String) throws -> String {
        try PhoneNormalizer.normalize(raw, region: phoneRegion)
    }

    /// Lower-case "local@domain", e.g. "ana.ruiz@example.org".
    public func email(_ raw: String) throws -> String {
        try EmailNormalizer.normalize(raw)
    }

    /// Folded name tokens, sorted, joined by one space, e.g. "doe john". Either part may be nil or
    /// empty, not both.
    public func name(given: String?, family: String?) throws -> String {
        try NameNormalizer.normalize(given: given, family: family)
    }

    /// ISO 8601 date "1990-03-15". `order` resolves all-numeric dates whose year comes last.
    public func dob(_ raw: String, order: DateOrder?) throws -> String {
        try DateNormalizer.dob(raw, order: order)
    }

    /// "REGION:PLATE", e.g. "US-CA:7ABC123".
    public func plate(_ plate: String, region: String) throws -> String {
        try PlateNormalizer.normalize(plate, region: region)
    }

    /// "platform:handle", e.g. "instagram:jdoe".
    public func handle(platform: String, handle: String) throws -> String {
        try HandleNormalizer.normalize(platform: platform, handle: handle, phones: phoneRegion)
    }

    /// "type:ISSUER:NUMBER", e.g. "passport:MX:G1234567".
    public func document(type: String, number: String, issuer: String) throws -> String {
        try DocumentNormalizer.normalize(type: type, number: number, issuer: issuer)
    }

    /// Validates and canonicalizes an ISO 3166-1 alpha-2 or ISO 3166-2 code ("us-ca" -> "US-CA");
    /// used for jurisdictions, plate regions and issuers.
    public static func region(_ raw: String) throws -> String {
        try RegionCodes.canonical(raw)
    }

    /// Strict ISO date "YYYY-MM-DD" (case opening dates), validated as a real calendar date in 1900-2100.
    public static func isoDate(_ raw: String) throws -> String {
        try DateNormalizer.isoDate(raw)
    }
}

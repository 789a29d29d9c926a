/// A case exactly as an agency supplies it for import (the JSONL shape, see `docs/import.md`).
///
/// Every field is kept as the raw text the agency gave; `CaseValidator` checks and normalizes it.
/// Decoding is strict: unknown keys are reported so that a misspelt field never drops data silently.
public struct CaseInput: Sendable, Hashable, Codable {
    public var caseRef: String?
    public var caseType: String?
    public var status: String?
    public var jurisdiction: String?
    public var opened: String?
    public var contact: ContactInput?
    public var narrative: String?
    public var subjects: [SubjectInput]?

    public init(
        caseRef: String? = nil, caseType: String? = nil, status: String? = nil, jurisdiction: String? = nil,
        opened: String? = nil, contact: ContactInput? = nil, narrative: String? = nil, subjects: [SubjectInput]? = nil
    ) {
        self.caseRef = caseRef
        self.caseType = caseType
        self.status = status
        self.jurisdiction = jurisdiction
        self.opened = opened
        self.contact = contact
        self.narrative = narrative
        self.subjects = subjects
    }

    /// The keys a case object may carry.
    public static let allowedKeys: Set<String> = [
        "caseRef", "caseType", "status", "jurisdiction", "opened", "contact", "narrative", "subjects",
    ]
}

/// The agency's point of contact for a case; published in clear.
public struct ContactInput: Sendable, Hashable, Codable {
    public var name: String?
    public var phone: String?
    public var email: String?
    public var unit: String?

    public init(name: String? = nil, phone: String? = nil, email: String? = nil, unit: String? = nil) {
        self.name = name
        self.phone = phone
        self.email = email
        self.unit = unit
    }

    /// The keys a contact object may carry.
    public static let allowedKeys: Set<String> = ["name", "phone", "email", "unit"]
}

/// A person's name as given: either part may be missing.
public struct NameInput: Sendable, Hashable, Codable {
    public var given: String?
    public var family: String?

    public init(given: String? = nil, family: String? = nil) {
        self.given = given
        self.family = family
    }

    /// The keys a name object may carry.
    public static let allowedKeys: Set<String> = ["given", "family"]
}

/// A vehicle plate with its issuing region (ISO 3166-1 or 3166-2, e.g. `US-CA`).
public struct PlateInput: Sendable, Hashable, Codable {
    public var plate: String?
    public var region: String?

    public init(plate: String? = nil, region: String? = nil) {
        self.plate = plate
        self.region = region
    }

    /// The keys a plate object may carry.
    public static let allowedKeys: Set<String> = ["plate", "region"]
}

/// An online handle with its platform.
public struct HandleInput: Sendable, Hashable, Codable {
    public var platform: String?
    public var handle: String?

    public init(platform: String? = nil, handle: String? = nil) {
        self.platform = platform
        self.handle = handle
    }

    /// The keys a handle object may carry.
    public static let allowedKeys: Set<String> = ["platform", "handle"]
}

/// An identity document: type (`passport`, `national-id`, `drivers-license`, `visa`, `other`), number, issuer.
public struct DocumentInput: Sendable, Hashable, Codable {
    public var type: String?
    public var number: String?
    public var issuer: String?

    public init(type: String? = nil, number: String? = nil, issuer: String? = nil) {
        self.type = type
        self.number = number
        self.issuer = issuer
    }

    /// The keys a document object may carry.
    public static let allowedKeys: Set<String> = ["type", "number", "issuer"]
}

/// One person in a case.
public struct SubjectInput: Sendable, Hashable, Codable {
    public var role: String?
    public var names: [NameInput]?
    /// Other names the person is known by (street names, earlier names); tokenized like `names`.
    public var aliases: [NameInput]?
    public var dob: String?
    /// How to read an ambiguous `dob` such as `03/04/1990`: `mdy`, `dmy` or `ymd`.
    public var dobFormat: String?
    public var phones: [String]?
    public var emails: [String]?
    public var plates: [PlateInput]?
    public var handles: [HandleInput]?
    public var documents: [DocumentInput]?

    public init(
        role: String? = nil, names: [NameInput]? = nil, aliases: [NameInput]? = nil, dob: String? = nil,
        dobFormat: String? = nil, phones: [String]? = nil, emails: [String]? = nil, plates: [PlateInput]? = nil,
        handles: [HandleInput]? = nil, documents: [DocumentInput]? = nil
    ) {
        self.role = role
        self.names = names
        self.aliases = aliases
        self.dob = dob
        self.dobFormat = dobFormat
        self.phones = phones
        self.emails = emails
        self.plates = plates
        self.handles = handles
        self.documents = documents
    }

    /// The keys a subject object may carry.
    public static let allowedKeys: Set<String> = [
        "role", "names", "aliases", "dob", "dobFormat", "phones", "emails", "plates", "handles", "documents",
    ]
}

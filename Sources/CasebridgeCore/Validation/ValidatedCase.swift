/// One normalized identifier of a subject: the input of a token.
public struct NormalizedIdentifier: Sendable, Hashable {
    public var kind: IdentifierKind
    /// The normalized value (see `docs/identifiers.md`). Personal data: never logged, never published.
    public var value: String

    public init(kind: IdentifierKind, value: String) {
        self.kind = kind
        self.value = value
    }
}

/// A subject after validation: role and normalized identifiers (deduplicated, in a stable order).
public struct ValidatedSubject: Sendable, Hashable {
    public var role: SubjectRole
    public var identifiers: [NormalizedIdentifier]

    public init(role: SubjectRole, identifiers: [NormalizedIdentifier]) {
        self.role = role
        self.identifiers = identifiers
    }
}

/// A case that passed validation, ready to be pseudonymized.
public struct ValidatedCase: Sendable, Hashable {
    public var caseRef: String
    public var caseType: CaseType
    public var status: CaseStatus
    public var jurisdiction: String
    public var opened: String
    public var contact: PublishedContact
    public var subjects: [ValidatedSubject]
    /// The case as supplied (kept in the private schema).
    public var input: CaseInput

    public init(
        caseRef: String, caseType: CaseType, status: CaseStatus, jurisdiction: String, opened: String,
        contact: PublishedContact, subjects: [ValidatedSubject], input: CaseInput
    ) {
        self.caseRef = caseRef
        self.caseType = caseType
        self.status = status
        self.jurisdiction = jurisdiction
        self.opened = opened
        self.contact = contact
        self.subjects = subjects
        self.input = input
    }
}

/// The point of contact published with a record: who another agency should call.
public struct PublishedContact: Sendable, Hashable, Codable {
    public var name: String
    public var phone: String?
    public var email: String?
    public var unit: String?

    public init(name: String, phone: String? = nil, email: String? = nil, unit: String? = nil) {
        self.name = name
        self.phone = phone
        self.email = email
        self.unit = unit
    }
}

/// One identifier token: keyed BLAKE2b-256 of `kind || 0x00 || normalizedValue`, as lower-case hex.
public struct PublishedToken: Sendable, Hashable, Codable, Comparable {
    public var kind: String
    public var token: String

    public init(kind: String, token: String) {
        self.kind = kind
        self.token = token
    }

    public static func < (a: PublishedToken, b: PublishedToken) -> Bool {
        (a.kind, a.token) < (b.kind, b.token)
    }
}

/// A subject as published: its tokens and, where the node's policy allows, its role.
public struct PublishedSubject: Sendable, Hashable, Codable {
    public var role: String?
    public var tokens: [PublishedToken]

    public init(role: String?, tokens: [PublishedToken]) {
        self.role = role
        self.tokens = tokens
    }
}

/// The body of a record entry: everything another agency learns about a case. No narrative, no raw identifier.
public struct PublishedRecord: Sendable, Hashable, Codable {
    /// Format marker, `casebridge.record.v1`.
    public var format: String
    public var agency: String
    public var caseRef: String
    public var caseType: String
    public var status: String
    public var jurisdiction: String
    public var opened: String
    public var contact: PublishedContact
    /// Pseudonymization key epoch the tokens were made under.
    public var epoch: Int
    public var subjects: [PublishedSubject]

    public static let formatV1 = "casebridge.record.v1"

    public init(
        agency: String, caseRef: String, caseType: String, status: String, jurisdiction: String, opened: String,
        contact: PublishedContact, epoch: Int, subjects: [PublishedSubject]
    ) {
        self.format = Self.formatV1
        self.agency = agency
        self.caseRef = caseRef
        self.caseType = caseType
        self.status = status
        self.jurisdiction = jurisdiction
        self.opened = opened
        self.contact = contact
        self.epoch = epoch
        self.subjects = subjects
    }
}

/// The body of a tombstone entry.
public struct PublishedTombstone: Sendable, Hashable, Codable {
    public var format: String
    public var agency: String
    public var caseRef: String
    /// True for a purge (28 CFR 23.20(h)): every node drops the record's tokens and the bodies of all its earlier
    /// entries; the signed headers stay, so the log remains verifiable.
    public var expunge: Bool?

    public static let formatV1 = "casebridge.tombstone.v1"

    public init(agency: String, caseRef: String, expunge: Bool = false) {
        self.format = Self.formatV1
        self.agency = agency
        self.caseRef = caseRef
        self.expunge = expunge ? true : nil
    }
}

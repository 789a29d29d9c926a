import CasebridgeCore
import Foundation

/// Why a search or watch is made: the case it serves and the reason. Both are required (28 CFR 23.20(c): a
/// criminal predicate for every inquiry).
public struct Purpose: Sendable, Hashable, Codable {
    public var caseNumber: String
    public var reason: String

    public init(caseNumber: String, reason: String) {
        self.caseNumber = caseNumber
        self.reason = reason
    }

    /// The purpose as one line for the audit log.
    public var text: String { "\(caseNumber): \(reason)" }

    /// Nil when complete, else what is missing.
    public var problem: String? {
        if caseNumber.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "purpose.caseNumber is required" }
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "purpose.reason is required" }
        if caseNumber.utf8.count > 200 || reason.utf8.count > 1000 { return "purpose is too long (case number 200, reason 1000 bytes)" }
        return nil
    }
}

/// The identifiers of a search or watch as the local API receives them (`POST /v1/search`, `POST /v1/watches`).
public struct IdentifierQuery: Sendable, Hashable, Codable {
    public struct Plate: Sendable, Hashable, Codable {
        public var plate: String
        public var region: String
        public init(plate: String, region: String) { self.plate = plate; self.region = region }
    }
    public struct Handle: Sendable, Hashable, Codable {
        public var platform: String
        public var handle: String
        public init(platform: String, handle: String) { self.platform = platform; self.handle = handle }
    }
    public struct Document: Sendable, Hashable, Codable {
        public var type: String
        public var issuer: String
        public var number: String
        public init(type: String, issuer: String, number: String) { self.type = type; self.issuer = issuer; self.number = number }
    }

    public var phones: [String]?
    public var names: [String]?
    public var dob: String?
    /// `mdy`, `dmy` or `ymd` for an ambiguous `dob`.
    public var dobFormat: String?
    public var emails: [String]?
    public var plates: [Plate]?
    public var handles: [Handle]?
    public var documents: [Document]?

    public init() {}

    /// Every value as given, for checking that a purpose does not repeat one.
    public var rawValues: [String] {
        (phones ?? []) + (names ?? []) + (dob.map { [$0] } ?? []) + (emails ?? []) + (plates ?? []).map(\.plate)
            + (handles ?? []).map(\.handle) + (documents ?? []).map(\.number)
    }

    /// Nil when usable, else what is wrong (names the field, never a value).
    public var problem: String? {
        if let f = dobFormat, DateOrder(rawValue: f) == nil { return "dobFormat must be mdy, dmy or ymd" }
        let count = rawValues.count
        if count == 0 { return "give at least one identifier (phones, names, dob, emails, plates, handles, documents)" }
        if count > 100 { return "at most 100 identifiers per request" }
        return nil
    }

    /// The query for `CaseSearch`.
    public func searchQuery(purpose: String) -> SearchQuery {
        var q = SearchQuery(purpose: purpose)
        q.phones = phones ?? []
        q.names = names ?? []
        q.dob = dob
        q.dobFormat = dobFormat.flatMap(DateOrder.init(rawValue:))
        q.emails = emails ?? []
        q.plates = (plates ?? []).map { ($0.plate, $0.region) }
        q.handles = (handles ?? []).map { ($0.platform, $0.handle) }
        q.documents = (documents ?? []).map { ($0.type, $0.number, $0.issuer) }
        return q
    }

    /// Whether `text` contains one of the query's values (as given, or reduced to its letters and digits), so a
    /// purpose that repeats an identifier can be refused before it reaches the audit log.
    public func isRepeated(in text: String) -> Bool {
        func squeeze(_ s: String) -> String { String(s.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }) }
        let hay = text.lowercased()
        let squeezedHay = squeeze(text)
        for v in rawValues {
            let t = v.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            if t.count >= 4 && hay.contains(t) { return true }
            let s = squeeze(v)
            if s.count >= 6 && squeezedHay.contains(s) { return true }
        }
        return false
    }
}

/// `POST /v1/search`.
public struct SearchRequest: Sendable, Codable {
    public var purpose: Purpose
    public var query: IdentifierQuery

    public init(purpose: Purpose, query: IdentifierQuery) {
        self.purpose = purpose
        self.query = query
    }
}

/// The answer to `POST /v1/search`.
public struct SearchResponse: Sendable, Codable {
    public var purpose: Purpose
    public var searchedAt: String
    /// The audit row that records this search.
    public var auditSeq: UInt64
    public var hits: [SearchHit]

    public init(purpose: Purpose, searchedAt: String, auditSeq: UInt64, hits: [SearchHit]) {
        self.purpose = purpose
        self.searchedAt = searchedAt
        self.auditSeq = auditSeq
        self.hits = hits
    }
}

/// `POST /v1/watches`: one watch per identifier in `query`.
public struct WatchRequest: Sendable, Codable {
    public var purpose: Purpose
    public var query: IdentifierQuery

    public init(purpose: Purpose, query: IdentifierQuery) {
        self.purpose = purpose
        self.query = query
    }
}

/// `POST /v1/cases/{ref}/revalidate` and `/purge`.
public struct ReasonRequest: Sendable, Codable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Foundation
public import Logging

/// A federated search: identifiers to look for and the reason for looking.
public struct SearchQuery: Sendable {
    public var phones: [String] = []
    /// Full names, e.g. "Maria Garcia" (order does not matter).
    public var names: [String] = []
    public var dob: String?
    public var dobFormat: DateOrder?
    public var emails: [String] = []
    public var plates: [(plate: String, region: String)] = []
    public var handles: [(platform: String, handle: String)] = []
    public var documents: [(type: String, number: String, issuer: String)] = []
    /// Why the search is made (case number or reason). Required.
    public var purpose: String

    public init(purpose: String) { self.purpose = purpose }

    /// Whether the query names any identifier.
    public var isEmpty: Bool {
        phones.isEmpty && names.isEmpty && dob == nil && emails.isEmpty && plates.isEmpty && handles.isEmpty && documents.isEmpty
    }
}

/// A query identifier that could not be normalized. Names the option, never the value.
public struct SearchInputError: Error, Sendable, CustomStringConvertible {
    public var option: String
    public var reason: String

    public var description: String { "\(option): \(reason)" }
}

/// One record that shares tokens with the query.
public struct SearchHit: Sendable, Codable {
    public var origin: String
    public var agency: String?
    public var caseRef: String
    public var caseType: String?
    public var status: String?
    public var jurisdiction: String?
    /// Identifier kinds that matched, strongest first.
    public var matched: [String]
    /// Sum of the strengths of the matched kinds (strong identifiers 3, names and dates of birth 1).
    public var score: Int
    public var contact: PublishedContact?
    /// When this node last received a change to the record (UTC).
    public var updatedAt: String
    /// Whether the record is this node's own case.
    public var local: Bool
    /// How fresh the origin's data is here: when this node last applied an entry from that origin (UTC; nil for
    /// this node's own cases).
    public var originSyncedAt: String?
    /// True when concurrent versions of the record exist (joint cases edited without seeing each other).
    public var conflict: Bool
}

/// Tokenizes a query on the node and looks the tokens up across every origin's records.
public struct CaseSearch: Sendable {
    public let context: NodeContext
    public let logger: Logger

    public init(context: NodeContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    /// The normalized identifiers of a query (throws `SearchInputError` naming the bad option).
    public func identifiers(of q: SearchQuery) throws -> [NormalizedIdentifier] {
        let n = context.normalizer
        var ids: [NormalizedIdentifier] = []
        func attempt(_ option: String, _ body: () throws -> Void) throws {
            do { try body() } catch let e as NormalizationError {
                throw SearchInputError(option: option, reason: e.reason)
            }
        }
        var dob: String? = nil
        if let d = q.dob {
            try attempt("--dob") {
                dob = try n.dob(d, order: q.dobFormat ?? context.config.dateOrder)
                ids.append(.init(kind: .dob, value: dob!))
            }
        }
        for name in q.names {
            try attempt("--name") {
                let v = try n.name(given: nil, family: name)
                ids.append(.init(kind: .name, value: v))
                if let dob { ids.append(.init(kind: .nameDob, value: v + "|" + dob)) }
            }
        }
        for p in q.phones { try attempt("--phone") { ids.append(.init(kind: .phone, value: try n.phone(p))) } }
        for e in q.emails { try attempt("--email") { ids.append(.init(kind: .email, value: try n.email(e))) } }
        for p in q.plates { try attempt("--plate") { ids.append(.init(kind: .plate, value: try n.plate(p.plate, region: p.region))) } }
        for h in q.handles { try attempt("--handle") { ids.append(.init(kind: .handle, value: try n.handle(platform: h.platform, handle: h.handle))) } }
        for d in q.documents {
            try attempt("--document") { ids.append(.init(kind: .document, value: try n.document(type: d.type, number: d.number, issuer: d.issuer))) }
        }
        return ids
    }

    /// Runs the search against `store`, ranking stronger and more numerous matches first.
    public func run(_ q: SearchQuery, store: NodeStore) throws -> [SearchHit] {
        try run(q, identifiers: identifiers(of: q), store: store)
    }

    /// Runs the search for identifiers already normalized from `q` (by `identifiers(of:)`).
    public func run(_ q: SearchQuery, identifiers ids: [NormalizedIdentifier], store: NodeStore) throws -> [SearchHit] {
        // During a pseudonym-epoch transition records carry tokens of either epoch: ask for both.
        let keys = context.searchPseudonymKeys
        let tokens = keys.flatMap { k in ids.map { k.token(tag: $0.kind.rawValue, value: $0.value) } }
        let matches = try store.findTokens(tokens)
        let decoder = JSONDecoder()
        var hits: [SearchHit] = matches.map { m in
            let kinds = Set(m.matches.map(\.kind)).compactMap { IdentifierKind(rawValue: $0) }
                .sorted { ($0.strength, $1.rawValue) > ($1.strength, $0.rawValue) }
            return SearchHit(
                origin: m.origin, agency: m.agency, caseRef: m.caseRef, caseType: m.caseType, status: m.status,
                jurisdiction: m.jurisdiction, matched: kinds.map(\.rawValue), score: kinds.reduce(0) { $0 + $1.strength },
                contact: m.contactJSON.flatMap { try? decoder.decode(PublishedContact.self, from: Data($0.utf8)) },
                updatedAt: m.updatedAt, local: m.origin == context.config.nodeId,
                originSyncedAt: m.origin == context.config.nodeId ? nil : m.originLastApplied, conflict: m.siblings > 1)
        }
        hits.sort { ($0.score, $0.matched.count, $0.updatedAt) > ($1.score, $1.matched.count, $1.updatedAt) }
        // Never the identifiers: only how many were asked for and what came back.
        logger.info("search", metadata: ["purpose": "\(q.purpose)", "identifiers": "\(ids.count)", "hits": "\(hits.count)"])
        return hits
    }
}

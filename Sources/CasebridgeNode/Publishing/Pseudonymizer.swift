public import CasebridgeCore
public import CasebridgeCrypto
import Foundation

/// Turns a validated case into the record the node publishes: attributes, contact and keyed tokens.
public struct Pseudonymizer: Sendable {
    public let key: PseudonymKey
    public let agency: String
    public let publishRoles: Set<SubjectRole>

    public init(key: PseudonymKey, agency: String, publishRoles: Set<SubjectRole>) {
        self.key = key
        self.agency = agency
        self.publishRoles = publishRoles
    }

    /// The token of one normalized identifier under this key's epoch.
    public func token(_ id: NormalizedIdentifier) -> [UInt8] {
        key.token(tag: id.kind.rawValue, value: id.value)
    }

    /// The published record of `c`; tokens sorted within each subject so input order leaks nothing.
    public func record(for c: ValidatedCase) -> PublishedRecord {
        pseudonymize(c).record
    }

    /// The published record of `c` with, per subject, the raw token bytes in the record's (sorted) order.
    public func pseudonymize(_ c: ValidatedCase) -> (record: PublishedRecord, rawTokens: [[(kind: String, token: [UInt8])]]) {
        var subjects: [PublishedSubject] = []
        var raw: [[(kind: String, token: [UInt8])]] = []
        subjects.reserveCapacity(c.subjects.count)
        raw.reserveCapacity(c.subjects.count)
        for s in c.subjects {
            var tokens = s.identifiers.map { (kind: $0.kind.rawValue, token: token($0)) }
            // Sorting the raw bytes orders exactly as sorting their lower-case hex would.
            tokens.sort { a, b in a.kind != b.kind ? a.kind < b.kind : a.token.lexicographicallyPrecedes(b.token) }
            subjects.append(PublishedSubject(
                role: publishRoles.contains(s.role) ? s.role.rawValue : nil,
                tokens: tokens.map { PublishedToken(kind: $0.kind, token: Hex.encode($0.token)) }))
            raw.append(tokens)
        }
        let record = PublishedRecord(
            agency: agency, caseRef: c.caseRef, caseType: c.caseType.rawValue, status: c.status.rawValue,
            jurisdiction: c.jurisdiction, opened: c.opened, contact: c.contact, epoch: key.epoch, subjects: subjects)
        return (record, raw)
    }

    /// The canonical body bytes of a record: JSON with sorted keys, no insignificant whitespace.
    public static func encode(_ record: PublishedRecord) -> [UInt8] { record.canonicalJSON }

    /// The canonical body bytes of a tombstone.
    public static func encode(_ tombstone: PublishedTombstone) -> [UInt8] { tombstone.canonicalJSON }

    /// The private copy of a case: JSON with sorted keys, no insignificant whitespace.
    public static func encode(_ input: CaseInput) -> [UInt8] { input.canonicalJSON }

    /// Compact JSON with sorted keys through `JSONEncoder`, for types without a canonical writer.
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! encoder.encode(value))
    }
}

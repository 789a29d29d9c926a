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
        let subjects = c.subjects.map { s in
            PublishedSubject(
                role: publishRoles.contains(s.role) ? s.role.rawValue : nil,
                tokens: s.identifiers.map { PublishedToken(kind: $0.kind.rawValue, token: Hex.encode(token($0))) }.sorted())
        }
        return PublishedRecord(
            agency: agency, caseRef: c.caseRef, caseType: c.caseType.rawValue, status: c.status.rawValue,
            jurisdiction: c.jurisdiction, opened: c.opened, contact: c.contact, epoch: key.epoch, subjects: subjects)
    }

    /// The canonical body bytes of a record: JSON with sorted keys, no insignificant whitespace.
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! encoder.encode(value))
    }
}

/// Fast, strict decoding of a received record body (the replication hot path), with the joint-case `owners`.
extension PublishedRecord {
    public struct DecodeError: Error, Sendable, CustomStringConvertible {
        public var field: String
        public var description: String { "record body: field `\(field)` is missing or has the wrong type" }
    }

    /// Decodes a `casebridge.record.v1` body. Unknown members are ignored (forward compatibility); `owners` is
    /// returned beside the record.
    public static func decode(body: some Collection<UInt8>) throws -> (record: PublishedRecord, owners: [String]) {
        guard case .object(let o) = try JSONParser.parse(body) else { throw DecodeError(field: "") }
        func str(_ obj: JSONObject, _ k: String, path: String) throws(DecodeError) -> String {
            guard case .string(let s)? = obj[k] else { throw DecodeError(field: path + k) }
            return s
        }
        func optStr(_ obj: JSONObject, _ k: String, path: String) throws(DecodeError) -> String? {
            switch obj[k] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default: throw DecodeError(field: path + k)
            }
        }
        guard try str(o, "format", path: "") == PublishedRecord.formatV1 else { throw DecodeError(field: "format") }
        guard case .object(let c)? = o["contact"] else { throw DecodeError(field: "contact") }
        let contact = PublishedContact(
            name: try str(c, "name", path: "contact."), phone: try optStr(c, "phone", path: "contact."),
            email: try optStr(c, "email", path: "contact."), unit: try optStr(c, "unit", path: "contact."))
        guard case .number(let e)? = o["epoch"], let epoch = Int(e) else { throw DecodeError(field: "epoch") }
        guard case .array(let subjectValues)? = o["subjects"] else { throw DecodeError(field: "subjects") }
        var subjects: [PublishedSubject] = []
        subjects.reserveCapacity(subjectValues.count)
        for (i, sv) in subjectValues.enumerated() {
            guard case .object(let so) = sv, case .array(let tv)? = so["tokens"] else { throw DecodeError(field: "subjects[\(i)]") }
            var tokens: [PublishedToken] = []
            tokens.reserveCapacity(tv.count)
            for t in tv {
                guard case .object(let to) = t else { throw DecodeError(field: "subjects[\(i)].tokens") }
                tokens.append(PublishedToken(kind: try str(to, "kind", path: "subjects[\(i)].tokens."), token: try str(to, "token", path: "subjects[\(i)].tokens.")))
            }
            subjects.append(PublishedSubject(role: try optStr(so, "role", path: "subjects[\(i)]."), tokens: tokens))
        }
        var owners: [String] = []
        if case .array(let ov)? = o["owners"] {
            for v in ov { if case .string(let s) = v { owners.append(s) } }
        }
        let record = PublishedRecord(
            agency: try str(o, "agency", path: ""), caseRef: try str(o, "caseRef", path: ""), caseType: try str(o, "caseType", path: ""),
            status: try str(o, "status", path: ""), jurisdiction: try str(o, "jurisdiction", path: ""), opened: try str(o, "opened", path: ""),
            contact: contact, epoch: epoch, subjects: subjects)
        return (record, owners)
    }
}

/// A parsed JSON value (RFC 8259), as `JSONParser` produces it.
///
/// Numbers keep their source text: Casebridge never reads JSON numbers as data, it only needs to know that a field
/// holds one so it can report a wrong type.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number, as written in the source (already checked against the JSON number grammar).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// An object's members in source order. Duplicate names are kept (see `JSONObject.duplicateKeys`).
    case object(JSONObject)
}

/// A JSON object: its members in source order, duplicates included.
public struct JSONObject: Sendable, Hashable {
    /// One `"name": value` pair.
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public var members: [Member]

    public init(members: [Member] = []) {
        self.members = members
    }

    /// The value of the first member named `key`, if any. Objects in Casebridge inputs are small, so this is a scan.
    public subscript(key: String) -> JSONValue? {
        for m in members where m.key == key { return m.value }
        return nil
    }

    /// The member names in source order.
    public var keys: [String] { members.map(\.key) }

    /// Names that occur more than once, each listed once, in order of their second occurrence.
    public var duplicateKeys: [String] {
        guard members.count > 1 else { return [] }
        var out: [String] = []
        for i in 1..<members.count {
            let k = members[i].key
            if out.contains(k) { continue }
            for j in 0..<i where members[j].key == k {
                out.append(k)
                break
            }
        }
        return out
    }
}

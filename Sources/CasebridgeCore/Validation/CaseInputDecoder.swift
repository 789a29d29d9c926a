/// Decodes one JSONL line into a `CaseInput`, reporting every structural problem (unknown keys, duplicate keys,
/// wrong types) with its field path and never the value itself.
///
/// The line is parsed by `JSONParser` (strict RFC 8259). A name that occurs twice in one object is refused
/// (`duplicate field`) rather than resolved first- or last-wins, so a file never means two things.
public enum CaseInputDecoder {
    /// Decodes `bytes` (one line, without its newline). `line` is used in the issues.
    public static func decode(line: Int, bytes: some Collection<UInt8>) -> (CaseInput?, [ImportIssue]) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            return (nil, [ImportIssue(line: line, field: "", reason: "not valid JSON")])
        }
        guard case .object(let dict) = value else {
            return (nil, [ImportIssue(line: line, field: "", reason: "each line must be a JSON object")])
        }
        var d = Decoder(line: line)
        let input = d.caseInput(dict)
        return (d.issues.isEmpty ? input : nil, d.issues)
    }

    private struct Decoder {
        let line: Int
        var issues: [ImportIssue] = []

        init(line: Int) { self.line = line }

        mutating func fail(_ field: String, _ reason: String) {
            issues.append(ImportIssue(line: line, field: field, reason: reason))
        }

        /// Key names are schema, not personal data; still bound their length in messages.
        static func shown(_ key: String) -> String {
            key.count <= 40 ? key : String(key.prefix(40)) + "…"
        }

        mutating func checkKeys(_ dict: JSONObject, allowed: Set<String>, path: String) {
            var unknown: [String] = []
            for m in dict.members where !allowed.contains(m.key) && !unknown.contains(m.key) { unknown.append(m.key) }
            if !unknown.isEmpty {
                let list = allowed.sorted().joined(separator: ", ")
                for key in unknown.sorted() {
                    fail(join(path, Self.shown(key)), "unknown field (allowed: \(list))")
                }
            }
            for key in dict.duplicateKeys {
                fail(join(path, Self.shown(key)), "duplicate field (each field may appear once)")
            }
        }

        mutating func string(_ dict: JSONObject, _ key: String, path: String) -> String? {
            switch dict[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default:
                fail(join(path, key), "must be a string")
                return nil
            }
        }

        mutating func object(_ v: JSONValue, path: String) -> JSONObject? {
            guard case .object(let o) = v else {
                fail(path, "must be an object")
                return nil
            }
            return o
        }

        mutating func array(_ dict: JSONObject, _ key: String, path: String) -> [JSONValue]? {
            switch dict[key] {
            case nil, .null?: return nil
            case .array(let a)?: return a
            default:
                fail(join(path, key), "must be an array")
                return nil
            }
        }

        mutating func strings(_ dict: JSONObject, _ key: String, path: String) -> [String]? {
            guard let a = array(dict, key, path: path) else { return nil }
            var out: [String] = []
            out.reserveCapacity(a.count)
            for (i, v) in a.enumerated() {
                if case .string(let s) = v { out.append(s) } else { fail("\(join(path, key))[\(i)]", "must be a string") }
            }
            return out
        }

        mutating func objects<T>(_ dict: JSONObject, _ key: String, path: String, _ make: (inout Decoder, JSONObject, String) -> T) -> [T]? {
            guard let a = array(dict, key, path: path) else { return nil }
            var out: [T] = []
            out.reserveCapacity(a.count)
            let base = join(path, key)
            for (i, v) in a.enumerated() {
                let p = "\(base)[\(i)]"
                if let o = object(v, path: p) { out.append(make(&self, o, p)) }
            }
            return out
        }

        func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        mutating func caseInput(_ d: JSONObject) -> CaseInput {
            checkKeys(d, allowed: CaseInput.allowedKeys, path: "")
            var c = CaseInput()
            c.caseRef = string(d, "caseRef", path: "")
            c.caseType = string(d, "caseType", path: "")
            c.status = string(d, "status", path: "")
            c.jurisdiction = string(d, "jurisdiction", path: "")
            c.opened = string(d, "opened", path: "")
            c.narrative = string(d, "narrative", path: "")
            if let v = d["contact"], v != .null, let o = object(v, path: "contact") {
                checkKeys(o, allowed: ContactInput.allowedKeys, path: "contact")
                c.contact = ContactInput(
                    name: string(o, "name", path: "contact"), phone: string(o, "phone", path: "contact"),
                    email: string(o, "email", path: "contact"), unit: string(o, "unit", path: "contact"))
            }
            c.subjects = objects(d, "subjects", path: "") { dec, o, p in dec.subject(o, path: p) }
            return c
        }

        mutating func subject(_ o: JSONObject, path: String) -> SubjectInput {
            checkKeys(o, allowed: SubjectInput.allowedKeys, path: path)
            var s = SubjectInput()
            s.role = string(o, "role", path: path)
            s.names = objects(o, "names", path: path) { dec, n, p in dec.name(n, path: p) }
            s.aliases = objects(o, "aliases", path: path) { dec, n, p in dec.name(n, path: p) }
            s.dob = string(o, "dob", path: path)
            s.dobFormat = string(o, "dobFormat", path: path)
            s.phones = strings(o, "phones", path: path)
            s.emails = strings(o, "emails", path: path)
            s.plates = objects(o, "plates", path: path) { dec, n, p in
                dec.checkKeys(n, allowed: PlateInput.allowedKeys, path: p)
                return PlateInput(plate: dec.string(n, "plate", path: p), region: dec.string(n, "region", path: p))
            }
            s.handles = objects(o, "handles", path: path) { dec, n, p in
                dec.checkKeys(n, allowed: HandleInput.allowedKeys, path: p)
                return HandleInput(platform: dec.string(n, "platform", path: p), handle: dec.string(n, "handle", path: p))
            }
            s.documents = objects(o, "documents", path: path) { dec, n, p in
                dec.checkKeys(n, allowed: DocumentInput.allowedKeys, path: p)
                return DocumentInput(type: dec.string(n, "type", path: p), number: dec.string(n, "number", path: p), issuer: dec.string(n, "issuer", path: p))
            }
            return s
        }

        mutating func name(_ o: JSONObject, path: String) -> NameInput {
            checkKeys(o, allowed: NameInput.allowedKeys, path: path)
            return NameInput(given: string(o, "given", path: path), family: string(o, "family", path: path))
        }
    }
}

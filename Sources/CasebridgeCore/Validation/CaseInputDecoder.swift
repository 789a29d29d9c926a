import Foundation

/// Decodes one JSONL line into a `CaseInput`, reporting every structural problem (unknown keys, wrong types)
/// with its field path and never the value itself.
public enum CaseInputDecoder {
    /// Decodes `bytes` (one line, without its newline). `line` is used in the issues.
    public static func decode(line: Int, bytes: some Collection<UInt8>) -> (CaseInput?, [ImportIssue]) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            return (nil, [ImportIssue(line: line, field: "", reason: "not valid JSON")])
        }
        guard let dict = object as? [String: Any] else {
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

        mutating func checkKeys(_ dict: [String: Any], allowed: Set<String>, path: String) {
            for key in dict.keys.sorted() where !allowed.contains(key) {
                // Key names are schema, not personal data; still bound their length in messages.
                let shown = key.count <= 40 ? key : String(key.prefix(40)) + "…"
                fail(path.isEmpty ? shown : "\(path).\(shown)", "unknown field (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }

        mutating func string(_ dict: [String: Any], _ key: String, path: String) -> String? {
            guard let v = dict[key], !(v is NSNull) else { return nil }
            guard let s = v as? String else {
                fail(join(path, key), "must be a string")
                return nil
            }
            return s
        }

        mutating func object(_ v: Any, path: String) -> [String: Any]? {
            guard let o = v as? [String: Any] else {
                fail(path, "must be an object")
                return nil
            }
            return o
        }

        mutating func array(_ dict: [String: Any], _ key: String, path: String) -> [Any]? {
            guard let v = dict[key], !(v is NSNull) else { return nil }
            guard let a = v as? [Any] else {
                fail(join(path, key), "must be an array")
                return nil
            }
            return a
        }

        mutating func strings(_ dict: [String: Any], _ key: String, path: String) -> [String]? {
            guard let a = array(dict, key, path: path) else { return nil }
            var out: [String] = []
            for (i, v) in a.enumerated() {
                if let s = v as? String { out.append(s) } else { fail("\(join(path, key))[\(i)]", "must be a string") }
            }
            return out
        }

        mutating func objects<T>(_ dict: [String: Any], _ key: String, path: String, _ make: (inout Decoder, [String: Any], String) -> T) -> [T]? {
            guard let a = array(dict, key, path: path) else { return nil }
            var out: [T] = []
            for (i, v) in a.enumerated() {
                let p = "\(join(path, key))[\(i)]"
                if let o = object(v, path: p) { out.append(make(&self, o, p)) }
            }
            return out
        }

        func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        mutating func caseInput(_ d: [String: Any]) -> CaseInput {
            checkKeys(d, allowed: CaseInput.allowedKeys, path: "")
            var c = CaseInput()
            c.caseRef = string(d, "caseRef", path: "")
            c.caseType = string(d, "caseType", path: "")
            c.status = string(d, "status", path: "")
            c.jurisdiction = string(d, "jurisdiction", path: "")
            c.opened = string(d, "opened", path: "")
            c.narrative = string(d, "narrative", path: "")
            if let v = d["contact"], !(v is NSNull), let o = object(v, path: "contact") {
                checkKeys(o, allowed: ContactInput.allowedKeys, path: "contact")
                c.contact = ContactInput(
                    name: string(o, "name", path: "contact"), phone: string(o, "phone", path: "contact"),
                    email: string(o, "email", path: "contact"), unit: string(o, "unit", path: "contact"))
            }
            c.subjects = objects(d, "subjects", path: "") { dec, o, p in dec.subject(o, path: p) }
            return c
        }

        mutating func subject(_ o: [String: Any], path: String) -> SubjectInput {
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

        mutating func name(_ o: [String: Any], path: String) -> NameInput {
            checkKeys(o, allowed: NameInput.allowedKeys, path: path)
            return NameInput(given: string(o, "given", path: path), family: string(o, "family", path: path))
        }
    }
}

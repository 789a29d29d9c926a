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

    /// Where a field is, rendered only when an issue names it: at most two levels of key and optional index
    /// (`subjects[0].names[1]`), which is as deep as the case schema goes. The keys are the schema's own string
    /// literals, so building a path allocates nothing (an import decodes millions of them and reports a few).
    struct Path {
        var first: (key: String, index: Int?)?
        var second: (key: String, index: Int?)?

        static let root = Path()

        func appending(_ key: String, index: Int? = nil) -> Path {
            var p = self
            if p.first == nil {
                p.first = (key, index)
            } else {
                precondition(p.second == nil, "the case schema nests two levels deep")
                p.second = (key, index)
            }
            return p
        }

        /// `subjects[0].names[1]`, followed by `.leaf` when given.
        func text(_ leaf: String? = nil) -> String {
            var out = ""
            for c in [first, second] {
                guard let c else { continue }
                if !out.isEmpty { out += "." }
                out += c.key
                if let i = c.index { out += "[\(i)]" }
            }
            if let leaf {
                if !out.isEmpty { out += "." }
                out += leaf
            }
            return out
        }
    }

    private struct Decoder {
        let line: Int
        var issues: [ImportIssue] = []

        init(line: Int) { self.line = line }

        mutating func fail(_ path: Path, _ leaf: String?, _ reason: String) {
            issues.append(ImportIssue(line: line, field: path.text(leaf), reason: reason))
        }

        /// Key names are schema, not personal data; still bound their length in messages.
        static func shown(_ key: String) -> String {
            key.count <= 40 ? key : String(key.prefix(40)) + "…"
        }

        mutating func checkKeys(_ dict: JSONObject, allowed: Set<String>, path: Path) {
            var unknown: [String] = []
            for m in dict.members where !allowed.contains(m.key) && !unknown.contains(m.key) { unknown.append(m.key) }
            if !unknown.isEmpty {
                let list = allowed.sorted().joined(separator: ", ")
                for key in unknown.sorted() {
                    fail(path, Self.shown(key), "unknown field (allowed: \(list))")
                }
            }
            for key in dict.duplicateKeys {
                fail(path, Self.shown(key), "duplicate field (each field may appear once)")
            }
        }

        mutating func string(_ dict: JSONObject, _ key: String, path: Path) -> String? {
            switch dict[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default:
                fail(path, key, "must be a string")
                return nil
            }
        }

        mutating func array(_ dict: JSONObject, _ key: String, path: Path) -> [JSONValue]? {
            switch dict[key] {
            case nil, .null?: return nil
            case .array(let a)?: return a
            default:
                fail(path, key, "must be an array")
                return nil
            }
        }

        mutating func strings(_ dict: JSONObject, _ key: String, path: Path) -> [String]? {
            guard let a = array(dict, key, path: path) else { return nil }
            var out: [String] = []
            out.reserveCapacity(a.count)
            for (i, v) in a.enumerated() {
                if case .string(let s) = v { out.append(s) } else { fail(path.appending(key, index: i), nil, "must be a string") }
            }
            return out
        }

        mutating func objects<T>(_ dict: JSONObject, _ key: String, path: Path, _ make: (inout Decoder, JSONObject, Path) -> T) -> [T]? {
            guard let a = array(dict, key, path: path) else { return nil }
            var out: [T] = []
            out.reserveCapacity(a.count)
            for (i, v) in a.enumerated() {
                let p = path.appending(key, index: i)
                if case .object(let o) = v { out.append(make(&self, o, p)) } else { fail(p, nil, "must be an object") }
            }
            return out
        }

        mutating func caseInput(_ d: JSONObject) -> CaseInput {
            let root = Path.root
            checkKeys(d, allowed: CaseInput.allowedKeys, path: root)
            var c = CaseInput()
            c.caseRef = string(d, "caseRef", path: root)
            c.caseType = string(d, "caseType", path: root)
            c.status = string(d, "status", path: root)
            c.jurisdiction = string(d, "jurisdiction", path: root)
            c.opened = string(d, "opened", path: root)
            c.narrative = string(d, "narrative", path: root)
            switch d["contact"] {
            case nil, .null?: break
            case .object(let o)?:
                let p = root.appending("contact")
                checkKeys(o, allowed: ContactInput.allowedKeys, path: p)
                c.contact = ContactInput(
                    name: string(o, "name", path: p), phone: string(o, "phone", path: p),
                    email: string(o, "email", path: p), unit: string(o, "unit", path: p))
            default:
                fail(root, "contact", "must be an object")
            }
            c.subjects = objects(d, "subjects", path: root) { dec, o, p in dec.subject(o, path: p) }
            return c
        }

        mutating func subject(_ o: JSONObject, path: Path) -> SubjectInput {
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

        mutating func name(_ o: JSONObject, path: Path) -> NameInput {
            checkKeys(o, allowed: NameInput.allowedKeys, path: path)
            return NameInput(given: string(o, "given", path: path), family: string(o, "family", path: path))
        }
    }
}

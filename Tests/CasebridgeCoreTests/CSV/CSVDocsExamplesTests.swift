import Foundation
import Testing
import CasebridgeCore

/// The documented schema and example files stay in step with `CaseInput` and the CSV mapping.
@Suite("Import docs and examples")
struct CSVDocsExamplesTests {
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func data(_ path: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(path))
    }

    @Test func examplesAgree() throws {
        let jsonl = try Self.data("docs/examples/cases.jsonl")
        let fromJSONL = try String(decoding: jsonl, as: UTF8.self).split(separator: "\n")
            .map { try JSONDecoder().decode(CaseInput.self, from: Data($0.utf8)) }
        let (fromCSV, issues) = CSVCaseMapping.decode([UInt8](try Self.data("docs/examples/cases.csv")))
        #expect(issues.isEmpty)
        #expect(fromJSONL.count >= 3)
        #expect(fromCSV.map(\.input) == fromJSONL)
        #expect(CaseInputCoding.jsonl(fromJSONL) == String(decoding: jsonl, as: UTF8.self))
    }

    @Test func schemaKeysMatchCaseInput() throws {
        let schema = try #require(try JSONSerialization.jsonObject(with: Self.data("Schemas/case.schema.json")) as? [String: Any])
        func keys(_ object: Any?) -> Set<String> { Set(((object as? [String: Any])?["properties"] as? [String: Any])?.keys ?? [:].keys) }
        func closed(_ object: Any?) -> Bool { (object as? [String: Any])?["additionalProperties"] as? Bool == false }
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(keys(schema) == CaseInput.allowedKeys && closed(schema))
        let props = try #require(schema["properties"] as? [String: Any])
        #expect(keys(props["contact"]) == ContactInput.allowedKeys && closed(props["contact"]))
        let defs = try #require(schema["$defs"] as? [String: Any])
        #expect(keys(defs["subject"]) == SubjectInput.allowedKeys && closed(defs["subject"]))
        #expect(keys(defs["name"]) == NameInput.allowedKeys && closed(defs["name"]))
        let subject = try #require((defs["subject"] as? [String: Any])?["properties"] as? [String: Any])
        func item(_ key: String) -> Any? { (subject[key] as? [String: Any])?["items"] }
        #expect(keys(item("plates")) == PlateInput.allowedKeys && closed(item("plates")))
        #expect(keys(item("handles")) == HandleInput.allowedKeys && closed(item("handles")))
        #expect(keys(item("documents")) == DocumentInput.allowedKeys && closed(item("documents")))
    }
}

import CasebridgeCore
public import CasebridgeStore
public import Foundation

/// One of this agency's cases as held privately and, beside it, exactly what the node publishes.
public enum CaseView {
    /// The view as JSON (`private`, `deleted`, `published`), nil when the node has no such case.
    public static func json(caseRef: String, store: NodeStore) throws -> Data? {
        guard let priv = try store.privateCase(caseRef: caseRef) else { return nil }
        let head = try store.recordHead(recordId: priv.recordId)
        let header = try head.map { try EntryHeader(decoding: $0.entry.header) }
        let body = head?.entry.body.map { String(decoding: $0, as: UTF8.self) }
        var obj: [String: Any] = [
            "caseRef": caseRef,
            "private": (try? JSONSerialization.jsonObject(with: Data(priv.json.utf8))) ?? priv.json,
            "deleted": priv.deleted,
        ]
        if let head, let header {
            obj["published"] = [
                "recordId": priv.recordId, "origin": head.origin, "seq": head.seq,
                "kind": header.kind.description, "version": header.version.counters,
                "keyId": Hex.encode(header.keyId), "bodyHash": Hex.encode(header.bodyHash),
                "timestamp": header.timestamp,
                "body": body.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull(),
                "entryBytes": ["header": head.entry.header.count, "body": head.entry.body?.count ?? 0, "signature": head.entry.signature.count],
            ] as [String: Any]
        }
        return try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    }
}

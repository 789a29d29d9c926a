/// The rules for node identifiers and how they appear in node certificates.
public enum NodeIdentity {
    /// The URI prefix of the subjectAltName that carries a node id: `casebridge://node/<nodeId>`.
    public static let uriPrefix = "casebridge://node/"

    /// Whether `nodeId` matches `^[a-z0-9][a-z0-9-]{0,62}$`.
    public static func isValid(_ nodeId: String) -> Bool {
        let bytes = Array(nodeId.utf8)
        guard let first = bytes.first, bytes.count <= 63 else { return false }
        func isAlnum(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard isAlnum(first) else { return false }
        return bytes.dropFirst().allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// The subjectAltName URI for `nodeId`.
    public static func uri(for nodeId: String) -> String {
        uriPrefix + nodeId
    }

    /// The node id in a subjectAltName URI, or `nil` if the URI is not a valid node URI.
    public static func nodeId(fromURI uri: String) -> String? {
        guard uri.hasPrefix(uriPrefix) else { return nil }
        let candidate = String(uri.dropFirst(uriPrefix.count))
        return isValid(candidate) ? candidate : nil
    }

    static func validate(_ nodeId: String) throws {
        guard isValid(nodeId) else {
            throw TrustError(
                .invalidNodeId,
                "node id \(String(reflecting: String(nodeId.prefix(80)))) must match ^[a-z0-9][a-z0-9-]{0,62}$"
            )
        }
    }
}

/// One problem found in an import file: where it is and why, never the offending value itself.
///
/// Raw values would land in terminals and logs, so `reason` describes the problem
/// ("not a valid phone number for region US") without echoing the input.
public struct ImportIssue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// 1-based physical line in the input file.
    public var line: Int
    /// Field path, e.g. `subjects[0].phones[1]`; empty when the whole line is at fault.
    public var field: String
    /// Why the value was refused.
    public var reason: String

    public init(line: Int, field: String, reason: String) {
        self.line = line
        self.field = field
        self.reason = reason
    }

    public var description: String {
        field.isEmpty ? "line \(line): \(reason)" : "line \(line): \(field): \(reason)"
    }
}

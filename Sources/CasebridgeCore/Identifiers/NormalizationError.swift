/// Error thrown by every identifier normalizer.
///
/// `reason` NEVER contains the input value or any part of it: it lands in logs and terminals.
/// It may contain counts ("9 digits") and configuration (the default region), never input text.
public struct NormalizationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Short stable code, e.g. `phone.letters`, `dob.ambiguous`; see `docs/identifiers.md` for the full list.
    public var code: String
    /// Human-readable explanation, free of input data.
    public var reason: String

    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

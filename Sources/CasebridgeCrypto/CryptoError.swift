/// An error from key handling or cryptography. Never carries key material.
public struct CryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A short stable code such as `keyfile.permissions`.
    public var code: String
    /// What went wrong, for people.
    public var reason: String
    /// Where the error was raised.
    public var file: String
    public var line: Int

    public init(code: String, reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { reason }

    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

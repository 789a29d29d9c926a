/// An error raised while creating, storing, loading or validating federation certificates.
///
/// Two errors are equal when their ``code`` is equal. ``description`` never contains key material;
/// ``debugDescription`` adds where the error was raised.
public struct TrustError: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable, machine-readable error category.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// The stable name of the code, e.g. `insecureKeyFile`.
        public var description: String { name }

        /// A CA name is empty, too long or contains control characters.
        public static let invalidName = Code("invalidName")
        /// A node id does not match `^[a-z0-9][a-z0-9-]{0,62}$`.
        public static let invalidNodeId = Code("invalidNodeId")
        /// A DNS name is not a valid host name.
        public static let invalidDNSName = Code("invalidDNSName")
        /// An IP address is neither a valid IPv4 nor IPv6 address.
        public static let invalidIPAddress = Code("invalidIPAddress")
        /// A validity period is out of range or would outlive the issuing CA.
        public static let invalidValidity = Code("invalidValidity")
        /// A file that would be written already exists.
        public static let fileExists = Code("fileExists")
        /// A private key file is readable by group or others.
        public static let insecureKeyFile = Code("insecureKeyFile")
        /// A file could not be read or written.
        public static let fileIO = Code("fileIO")
        /// PEM or DER input could not be decoded, or holds no certificate.
        public static let invalidEncoding = Code("invalidEncoding")
        /// A private key does not belong to the certificate it was loaded with.
        public static let keyMismatch = Code("keyMismatch")
        /// A certificate used as the federation CA is not a CA certificate.
        public static let notCertificateAuthority = Code("notCertificateAuthority")
        /// A certificate's validity period has not started yet.
        public static let notYetValid = Code("notYetValid")
        /// A certificate's validity period is over.
        public static let expired = Code("expired")
        /// A certificate chain is not issued by the trusted federation CA or breaks the node certificate profile.
        public static let untrusted = Code("untrusted")
        /// A signed document (a certificate revocation list) does not verify under the federation CA's key.
        public static let invalidSignature = Code("invalidSignature")
        /// A certificate has been revoked by the federation CA.
        public static let revoked = Code("revoked")
        /// A certificate names another node than the one expected.
        public static let wrongNode = Code("wrongNode")
        /// Building or signing a certificate failed.
        public static let certificateCreationFailed = Code("certificateCreationFailed")
    }

    /// The stable error category.
    public let code: Code
    /// A human-readable explanation, free of secrets.
    public let reason: String
    /// The file that raised the error.
    public let file: String
    /// The line that raised the error.
    public let line: Int

    /// Creates an error.
    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String {
        "TrustError.\(code): \(reason)"
    }

    public var debugDescription: String {
        "TrustError.\(code): \(reason) (\(file):\(line))"
    }

    public static func == (lhs: TrustError, rhs: TrustError) -> Bool {
        lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}

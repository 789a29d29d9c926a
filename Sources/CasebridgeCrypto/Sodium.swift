import CSodium

/// Entry point to libsodium: initialization and the few primitives Casebridge uses.
public enum Sodium {
    private static let initialized: Bool = sodium_init() >= 0

    /// Initializes libsodium once; every type in this module calls it before using the library.
    public static func ensureInitialized() {
        precondition(initialized, "libsodium failed to initialize")
    }

    /// `count` cryptographically secure random bytes.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        ensureInitialized()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return out
    }

    /// Overwrites `bytes` with zeros in a way the compiler does not optimise away.
    public static func zero(_ bytes: inout [UInt8]) {
        let count = bytes.count
        guard count > 0 else { return }
        bytes.withUnsafeMutableBytes { sodium_memzero($0.baseAddress!, count) }
    }

    /// Constant-time comparison of two byte strings of equal length.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in sodium_memcmp(pa.baseAddress!, pb.baseAddress!, a.count) == 0 } }
    }
}

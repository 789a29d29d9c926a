import CSodium

/// BLAKE2b (libsodium `crypto_generichash`), plain or keyed.
public enum Blake2b {
    /// Hashes `input` to `length` bytes (16...64), keyed when `key` is given (16...64 bytes).
    public static func hash(_ input: some RawBytesProviding, key: [UInt8]? = nil, length: Int = 32) -> [UInt8] {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: length)
        input.withUnsafeBytes { inp in
            out.withUnsafeMutableBytes { o in
                if let key {
                    key.withUnsafeBytes { k in
                        _ = crypto_generichash(
                            o.baseAddress!.assumingMemoryBound(to: UInt8.self), length,
                            inp.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(inp.count),
                            k.baseAddress!.assumingMemoryBound(to: UInt8.self), key.count)
                    }
                } else {
                    _ = crypto_generichash(
                        o.baseAddress!.assumingMemoryBound(to: UInt8.self), length,
                        inp.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(inp.count),
                        nil, 0)
                }
            }
        }
        return out
    }
}

/// Byte containers that expose their storage; `[UInt8]` and `ArraySlice<UInt8>` conform.
public protocol RawBytesProviding {
    /// Calls `body` with the bytes.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: RawBytesProviding where Element == UInt8 {}
extension ArraySlice: RawBytesProviding where Element == UInt8 {}

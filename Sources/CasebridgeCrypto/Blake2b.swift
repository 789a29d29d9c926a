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

extension Blake2b {
    /// Keyed BLAKE2b of the concatenation of whatever `feed` passes to its `update` function, without assembling the
    /// input in one buffer. The hashing state lives in a temporary allocation and is wiped before returning.
    public static func keyedHash(key: [UInt8], length: Int = 32, _ feed: ((UnsafeRawBufferPointer) -> Void) -> Void) -> [UInt8] {
        precondition((16...64).contains(length), "BLAKE2b output length must be 16...64 bytes")
        precondition((16...64).contains(key.count), "BLAKE2b key length must be 16...64 bytes")
        Sodium.ensureInitialized()
        let stateBytes = crypto_generichash_statebytes()
        return withUnsafeTemporaryAllocation(byteCount: stateBytes, alignment: 64) { raw -> [UInt8] in
            let state = OpaquePointer(raw.baseAddress!)
            key.withUnsafeBytes { k in
                let rc = crypto_generichash_init(state, k.baseAddress!.assumingMemoryBound(to: UInt8.self), key.count, length)
                precondition(rc == 0, "crypto_generichash_init failed")
            }
            feed { part in
                guard part.count > 0 else { return }
                let rc = crypto_generichash_update(state, part.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(part.count))
                precondition(rc == 0, "crypto_generichash_update failed")
            }
            let out = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
                let rc = crypto_generichash_final(state, buffer.baseAddress!, length)
                precondition(rc == 0, "crypto_generichash_final failed")
                initialized = length
            }
            sodium_memzero(raw.baseAddress!, stateBytes)
            return out
        }
    }
}

/// Byte containers that expose their storage; `[UInt8]` and `ArraySlice<UInt8>` conform.
public protocol RawBytesProviding {
    /// Calls `body` with the bytes.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: RawBytesProviding where Element == UInt8 {}
extension ArraySlice: RawBytesProviding where Element == UInt8 {}

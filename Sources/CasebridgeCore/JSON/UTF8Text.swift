/// Strings from bytes that must be valid UTF-8.
enum UTF8Text {
    /// `bytes` as a String, or nil when they are not valid UTF-8.
    ///
    /// ASCII (tokens, ids, dates: nearly everything Casebridge parses) needs no validation and takes the direct
    /// path; anything else goes through the standard library's validation. (`String(validating:as:)` alone runs
    /// as unspecialized generic code here: a metadata lookup per string, a fifth of decoding a record body.)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var high: UInt8 = 0
        for b in bytes { high |= b }
        if high < 0x80 { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    static func string(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { string($0) }
    }
}

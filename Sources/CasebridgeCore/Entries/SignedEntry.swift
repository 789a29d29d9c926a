/// An entry as stored and relayed: header bytes, body bytes (absent once expunged) and signature.
///
/// The bytes are produced once by the origin and never re-encoded.
public struct SignedEntry: Sendable, Hashable {
    /// Domain-separation prefix of the signed message: `"casebridge.entry.v1"` followed by a zero byte.
    public static let signaturePrefix: [UInt8] = Array("casebridge.entry.v1".utf8) + [0]

    public var header: [UInt8]
    public var body: [UInt8]?
    public var signature: [UInt8]

    public init(header: [UInt8], body: [UInt8]?, signature: [UInt8]) {
        self.header = header
        self.body = body
        self.signature = signature
    }

    /// The exact message the Ed25519 signature covers.
    public var signedMessage: [UInt8] { Self.signaturePrefix + header }

    /// Frames the entry for transport: `u32 headerLen | header | u8 hasBody | [u32 bodyLen | body] | signature(64)`.
    public func framed() -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(header.count))
        w.bytes(header)
        if let body {
            w.u8(1)
            w.u32(UInt32(body.count))
            w.bytes(body)
        } else {
            w.u8(0)
        }
        w.bytes(signature)
        return w.buffer
    }

    /// Reads one framed entry; throws on truncation or trailing bytes.
    public init(framed bytes: [UInt8]) throws(EntryError) {
        var r = ByteReader(bytes)
        let hl = Int(try r.u32())
        guard hl <= 64 * 1024 else { throw EntryError(code: "frame.header", reason: "header too long") }
        header = try r.bytes(hl)
        switch try r.u8() {
        case 0: body = nil
        case 1:
            let bl = try r.u32()
            guard bl <= EntryHeader.maxBodyLength else { throw EntryError(code: "frame.body", reason: "body too long") }
            body = try r.bytes(Int(bl))
        default: throw EntryError(code: "frame.flag", reason: "bad body flag")
        }
        signature = try r.bytes(64)
        guard r.isAtEnd else { throw EntryError(code: "frame.trailing", reason: "trailing bytes after entry") }
    }
}

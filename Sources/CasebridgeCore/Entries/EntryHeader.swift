/// The kind of an entry in an origin log.
public enum EntryKind: UInt8, Sendable, Hashable, Codable, CustomStringConvertible {
    /// A new version of a published record.
    case record = 1
    /// A deletion (tombstone) of a record.
    case tombstone = 2
    /// A trust statement (key rotation, revocation).
    case trust = 3
    /// An audit anchor: the origin's audit-log chain head (seq and hash), so other agencies hold proof of it.
    /// Record id `<origin>/.audit`; changes no record.
    case auditAnchor = 4

    public var description: String {
        switch self {
        case .record: "record"
        case .tombstone: "tombstone"
        case .trust: "trust"
        case .auditAnchor: "audit-anchor"
        }
    }
}

/// The signed header of an entry. See `docs/protocol.md` for the byte layout.
///
/// The header carries the hash and length of the body, so the Ed25519 signature over the header alone covers
/// the body too, and a body can be dropped (expungement) while the log stays verifiable.
public struct EntryHeader: Sendable, Hashable {
    /// The four magic bytes that start every header: `CBE1`.
    public static let magic: [UInt8] = Array("CBE1".utf8)
    /// Upper bounds enforced when decoding, so a hostile peer cannot make us allocate without limit.
    public static let maxIdentifierBytes = 255
    public static let maxVectorEntries = 64
    public static let maxBodyLength: UInt32 = 1 << 20

    public var kind: EntryKind
    public var origin: String
    public var seq: UInt64
    public var recordId: String
    /// The record version's vector over its owner nodes.
    public var version: VersionVector
    /// Milliseconds since 1970-01-01T00:00:00Z when the origin wrote the entry.
    public var timestamp: Int64
    /// 16-byte id of the Ed25519 key that signs this entry.
    public var keyId: [UInt8]
    /// BLAKE2b-256 of the body bytes.
    public var bodyHash: [UInt8]
    public var bodyLength: UInt32

    public init(
        kind: EntryKind, origin: String, seq: UInt64, recordId: String, version: VersionVector, timestamp: Int64,
        keyId: [UInt8], bodyHash: [UInt8], bodyLength: UInt32
    ) {
        self.kind = kind
        self.origin = origin
        self.seq = seq
        self.recordId = recordId
        self.version = version
        self.timestamp = timestamp
        self.keyId = keyId
        self.bodyHash = bodyHash
        self.bodyLength = bodyLength
    }

    /// The header's canonical bytes: the bytes that are signed, stored and relayed.
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.bytes(Self.magic)
        w.u8(kind.rawValue)
        w.string16(origin)
        w.u64(seq)
        w.string16(recordId)
        let entries = version.sorted
        w.u16(UInt16(entries.count))
        for e in entries {
            w.string16(e.node)
            w.u64(e.counter)
        }
        w.u64(UInt64(bitPattern: timestamp))
        w.bytes(keyId)
        w.bytes(bodyHash)
        w.u32(bodyLength)
        return w.buffer
    }

    /// Decodes header bytes strictly: exact length, known kind, sorted unique vector, valid identifiers.
    public init(decoding bytes: some Collection<UInt8>) throws(EntryError) {
        var r = ByteReader(Array(bytes))
        guard try r.bytes(4) == Self.magic else { throw EntryError(code: "header.magic", reason: "not a Casebridge entry header (bad magic)") }
        guard let kind = EntryKind(rawValue: try r.u8()) else { throw EntryError(code: "header.kind", reason: "unknown entry kind") }
        self.kind = kind
        self.origin = try r.identifier(field: "origin")
        self.seq = try r.u64()
        guard seq >= 1 else { throw EntryError(code: "header.seq", reason: "seq must be 1 or more") }
        self.recordId = try r.string16(field: "recordId")
        let n = Int(try r.u16())
        guard n <= Self.maxVectorEntries else { throw EntryError(code: "header.vector", reason: "version vector has too many entries") }
        var counters: [String: UInt64] = [:]
        var previous: [UInt8]? = nil
        for _ in 0..<n {
            let node = try r.identifier(field: "version")
            let c = try r.u64()
            let nb = Array(node.utf8)
            if let p = previous, !p.lexicographicallyPrecedes(nb) {
                throw EntryError(code: "header.vector", reason: "version vector not sorted or has duplicates")
            }
            guard c > 0 else { throw EntryError(code: "header.vector", reason: "version vector has a zero counter") }
            previous = nb
            counters[node] = c
        }
        self.version = VersionVector(counters)
        self.timestamp = Int64(bitPattern: try r.u64())
        self.keyId = try r.bytes(16)
        self.bodyHash = try r.bytes(32)
        self.bodyLength = try r.u32()
        guard bodyLength <= Self.maxBodyLength else { throw EntryError(code: "header.body", reason: "body too long") }
        guard r.isAtEnd else { throw EntryError(code: "header.trailing", reason: "trailing bytes after header") }
    }

    /// Whether `id` is a valid node id: 1-63 bytes of `a-z`, `0-9`, `-`, starting with a letter or digit.
    public static func isValidNodeId(_ id: String) -> Bool {
        let u = Array(id.utf8)
        guard (1...63).contains(u.count) else { return false }
        for (i, c) in u.enumerated() {
            let ok = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c == 45 && i > 0)
            if !ok { return false }
        }
        return true
    }
}

/// A malformed or unverifiable entry.
public struct EntryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A short stable code such as `signature.invalid`.
    public var code: String
    public var reason: String

    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

struct ByteWriter {
    var buffer: [UInt8] = []

    mutating func u8(_ v: UInt8) { buffer.append(v) }
    mutating func u16(_ v: UInt16) { buffer.append(UInt8(v >> 8)); buffer.append(UInt8(v & 0xff)) }
    mutating func u32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8((v >> UInt32(s)) & 0xff)) } }
    mutating func u64(_ v: UInt64) { for s in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8((v >> UInt64(s)) & 0xff)) } }
    mutating func bytes(_ b: [UInt8]) { buffer.append(contentsOf: b) }
    mutating func string16(_ s: String) {
        let u = Array(s.utf8)
        precondition(u.count <= Int(UInt16.max))
        u16(UInt16(u.count))
        buffer.append(contentsOf: u)
    }
}

struct ByteReader {
    let data: [UInt8]
    var offset = 0

    init(_ data: [UInt8]) { self.data = data }

    var isAtEnd: Bool { offset == data.count }

    mutating func bytes(_ n: Int) throws(EntryError) -> [UInt8] {
        guard n >= 0, data.count - offset >= n else { throw EntryError(code: "header.truncated", reason: "header truncated") }
        defer { offset += n }
        return Array(data[offset..<offset + n])
    }

    mutating func u8() throws(EntryError) -> UInt8 { try bytes(1)[0] }
    mutating func u16() throws(EntryError) -> UInt16 { try bytes(2).reduce(0) { $0 << 8 | UInt16($1) } }
    mutating func u32() throws(EntryError) -> UInt32 { try bytes(4).reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func u64() throws(EntryError) -> UInt64 { try bytes(8).reduce(0) { $0 << 8 | UInt64($1) } }

    mutating func string16(field: String) throws(EntryError) -> String {
        let n = Int(try u16())
        guard n >= 1, n <= 1024 else { throw EntryError(code: "header.\(field)", reason: "\(field) has an invalid length") }
        let b = try bytes(n)
        guard let s = UTF8Text.string(b) else {
            throw EntryError(code: "header.\(field)", reason: "\(field) is not valid UTF-8")
        }
        return s
    }

    mutating func identifier(field: String) throws(EntryError) -> String {
        let s = try string16(field: field)
        guard EntryHeader.isValidNodeId(s) else { throw EntryError(code: "header.\(field)", reason: "\(field) is not a valid node id") }
        return s
    }
}

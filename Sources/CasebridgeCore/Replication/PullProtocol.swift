/// The wire of the pull protocol (docs/protocol.md, "Pull"): the JSON request, and the response stream of frames
/// `u8 type | u32 big-endian length | bytes`. Type 1 carries one entry in its framed encoding, exactly as stored;
/// type 2 ends the stream with a JSON summary. A stream without the end frame was cut off.
public struct PullRequest: Sendable, Hashable, Codable {
    /// Origin -> highest contiguous seq the caller holds.
    public var vector: [String: UInt64]
    public var maxEntries: Int?
    public var maxBytes: Int?

    public init(vector: [String: UInt64], maxEntries: Int? = nil, maxBytes: Int? = nil) {
        self.vector = vector
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }
}

/// The end frame's summary.
public struct PullEnd: Sendable, Hashable, Codable {
    public var entries: Int
    /// True when a limit cut the answer short: pull again.
    public var more: Bool
    /// The server's own vector.
    public var vector: [String: UInt64]

    public init(entries: Int, more: Bool, vector: [String: UInt64]) {
        self.entries = entries
        self.more = more
        self.vector = vector
    }
}

/// The body of a notify call.
public struct NotifyRequest: Sendable, Hashable, Codable {
    public var origin: String
    public var vector: [String: UInt64]

    public init(origin: String, vector: [String: UInt64]) {
        self.origin = origin
        self.vector = vector
    }
}

public enum PullFrame: Sendable, Equatable {
    case entry(SignedEntry)
    case end([UInt8])

    public static let entryType: UInt8 = 1
    public static let endType: UInt8 = 2
    /// Largest frame payload accepted: a header, a body of at most EntryHeader.maxBodyLength, a signature.
    public static let maxFrameBytes = Int(EntryHeader.maxBodyLength) + 64 * 1024
    public static let mediaType = "application/vnd.casebridge.entries"

    /// Appends a frame to `out`.
    public static func append(type: UInt8, payload: [UInt8], to out: inout [UInt8]) {
        out.append(type)
        let n = UInt32(payload.count)
        out.append(UInt8(n >> 24)); out.append(UInt8((n >> 16) & 0xff)); out.append(UInt8((n >> 8) & 0xff)); out.append(UInt8(n & 0xff))
        out.append(contentsOf: payload)
    }

    /// Incremental decoder: feed bytes as they arrive, take frames as they complete.
    public struct Reader: Sendable {
        private var buffer: [UInt8] = []
        private var start = 0
        public private(set) var ended = false

        public init() {}

        public mutating func feed(_ bytes: some Sequence<UInt8>) {
            if start > 0 && start * 2 > buffer.count {
                buffer.removeFirst(start)
                start = 0
            }
            buffer.append(contentsOf: bytes)
        }

        /// Bytes received but not yet part of a complete frame.
        public var pending: Int { buffer.count - start }

        /// The next complete frame, nil when more bytes are needed. Throws on a malformed stream.
        public mutating func next() throws(EntryError) -> PullFrame? {
            guard !ended else {
                if pending > 0 { throw EntryError(code: "stream.trailing", reason: "bytes after the end frame") }
                return nil
            }
            guard pending >= 5 else { return nil }
            let type = buffer[start]
            let n = Int(buffer[start + 1]) << 24 | Int(buffer[start + 2]) << 16 | Int(buffer[start + 3]) << 8 | Int(buffer[start + 4])
            guard type == PullFrame.entryType || type == PullFrame.endType else {
                throw EntryError(code: "stream.type", reason: "unknown frame type \(type)")
            }
            guard n <= PullFrame.maxFrameBytes else { throw EntryError(code: "stream.size", reason: "frame of \(n) bytes exceeds the limit") }
            guard pending >= 5 + n else { return nil }
            let payload = Array(buffer[(start + 5)..<(start + 5 + n)])
            start += 5 + n
            if type == PullFrame.endType {
                ended = true
                return .end(payload)
            }
            return .entry(try SignedEntry(framed: payload))
        }
    }
}

/// The receiver side of the pull protocol as a pure state machine: given what a node holds (its vector, the keys
/// of the origins it trusts, the current versions of the records a batch touches) and a batch of entries from a
/// peer, decide which entries to accept, which to refuse and why, what each record's current versions become, and
/// the new vector. No I/O: signature checks and body decoding are injected, storage is the caller's.
///
/// Rules (docs/protocol.md, "Receiver rules"):
/// - an entry's origin must be trusted and its signing key known and valid for that origin at that seq;
/// - the signature covers the exact header bytes; the body (when present) matches the signed hash and length;
/// - seqs are contiguous per origin: the next accepted seq is vector[origin] + 1;
/// - a seq already held with identical bytes is a duplicate (ignored); with different bytes that verify, it is
///   equivocation evidence;
/// - the signer may write the record: record ids are `<creator>/<caseRef>`; the creator may always write; another
///   node only when a current version of the record held by the receiver lists it in `owners` (joint cases);
/// - after an origin's first refused entry the rest of that origin's entries in the batch are skipped (they come
///   again on the next pull); other origins go on;
/// - a version dominated by (or equal to) a current version is logged but changes nothing; otherwise it replaces
///   every current version it dominates, and concurrent versions stay side by side as siblings. A tombstone is a
///   version like any other, so an older version arriving after a deletion never resurrects the record.
public struct ReplicationEngine<Payload: Sendable>: Sendable {
    /// A signing key of an origin and the seqs it may sign (inclusive bounds; nil: open).
    public struct OriginKey: Sendable, Hashable {
        public var keyId: [UInt8]
        public var publicKey: [UInt8]
        public var validFromSeq: UInt64
        public var validUntilSeq: UInt64?
        /// Set by a revocation: record and tombstone entries this key signed at seq >= this are quarantined.
        public var revokedFromSeq: UInt64?

        public init(keyId: [UInt8], publicKey: [UInt8], validFromSeq: UInt64 = 1, validUntilSeq: UInt64? = nil, revokedFromSeq: UInt64? = nil) {
            self.keyId = keyId
            self.publicKey = publicKey
            self.validFromSeq = validFromSeq
            self.validUntilSeq = validUntilSeq
            self.revokedFromSeq = revokedFromSeq
        }

        public func isRevoked(at seq: UInt64) -> Bool { revokedFromSeq.map { seq >= $0 } ?? false }

        public func covers(_ seq: UInt64) -> Bool {
            seq >= validFromSeq && (validUntilSeq.map { seq <= $0 } ?? true)
        }
    }

    /// What the body of an entry says that matters for replication, plus the caller's decoded payload.
    public struct DecodedBody: Sendable {
        public var caseRef: String
        public var owners: [String]
        public var payload: Payload?
        /// The statement of a trust entry (kind 3).
        public var statement: TrustStatement?

        public init(caseRef: String, owners: [String], payload: Payload?, statement: TrustStatement? = nil) {
            self.caseRef = caseRef
            self.owners = owners
            self.payload = payload
            self.statement = statement
        }
    }

    /// Checks an entry's signature (and body hash) with a public key; returns false when it does not verify.
    public typealias SignatureCheck = @Sendable (_ entry: SignedEntry, _ publicKey: [UInt8]) -> Bool
    /// Decodes a verified entry's body (`entry.body` nil: expunged). Throws to refuse the entry.
    public typealias BodyDecoder = @Sendable (_ header: EntryHeader, _ entry: SignedEntry) throws(EntryError) -> DecodedBody

    /// Origins this node trusts (itself included) and their keys.
    public var keys: [String: [OriginKey]]
    public var checkSignature: SignatureCheck
    public var decodeBody: BodyDecoder

    public init(keys: [String: [OriginKey]], checkSignature: @escaping SignatureCheck, decodeBody: @escaping BodyDecoder) {
        self.keys = keys
        self.checkSignature = checkSignature
        self.decodeBody = decodeBody
    }

    // MARK: - State and outcome

    /// What the receiver holds, as far as a batch needs it.
    public struct Snapshot: Sendable {
        /// Highest contiguous seq held per origin.
        public var vector: [String: UInt64]
        /// The current versions of the records the batch touches (absent: none held).
        public var records: [String: [RecordVersion<Payload>]]
        /// Digests of held entries whose (origin, seq) the batch repeats: duplicates vs. equivocation.
        public var heldDigests: [EntryPosition: [UInt8]]
        /// Origins frozen after equivocation: their entries are refused until an admin resolves it.
        public var frozen: Set<String>

        public init(
            vector: [String: UInt64], records: [String: [RecordVersion<Payload>]] = [:], heldDigests: [EntryPosition: [UInt8]] = [:],
            frozen: Set<String> = []
        ) {
            self.vector = vector
            self.records = records
            self.heldDigests = heldDigests
            self.frozen = frozen
        }
    }

    public struct Accepted: Sendable {
        public var entry: SignedEntry
        public var header: EntryHeader
        public var digest: [UInt8]
        /// Whether the version became (one of) the record's current version(s).
        public var current: Bool
        public var payload: Payload?
        /// Signed with a revoked key at a revoked seq: logged as evidence, applied to no record.
        public var quarantined = false
        /// A trust entry's statement (rotation or revocation); the caller updates the keys.
        public var statement: TrustStatement? = nil
    }

    public struct Outcome: Sendable {
        public var accepted: [Accepted] = []
        public var rejected: [Rejection] = []
        public var equivocations: [Equivocation] = []
        public var duplicates = 0
        /// Entries not looked at because an earlier entry of their origin was refused.
        public var skipped = 0
        /// Entries not looked at because a trust statement of their origin came first: the caller applies the
        /// statement's key change and runs them again (nothing is recorded as refused).
        public var paused = 0
        /// The new vector (only origins that advanced are guaranteed to differ from the snapshot's).
        public var vector: [String: UInt64] = [:]
        /// Final current versions of every record whose versions changed.
        public var records: [String: [RecordVersion<Payload>]] = [:]
    }

    // MARK: - Applying a batch

    /// Decides the fate of every entry of `batch` (in stream order; `digests[i]` is a collision-resistant digest of
    /// the header and signature of `batch[i]`, used to tell duplicates from equivocation; the body is left out, since
    /// the signed header commits to it and an expunged copy is the same entry). `headers[i]`, when given and not
    /// nil, is `batch[i]`'s header as the caller decoded it; the rest are decoded here.
    public func apply(_ batch: [SignedEntry], digests: [[UInt8]], headers: [EntryHeader?]? = nil, to snapshot: Snapshot) -> Outcome {
        precondition(batch.count == digests.count && (headers?.count ?? batch.count) == batch.count)
        var out = Outcome()
        var vector = snapshot.vector
        var records = snapshot.records
        var touched: Set<String> = []

        // Decode headers first; group by origin, keeping stream order within each origin.
        var perOrigin: [String: [(entry: SignedEntry, header: EntryHeader, digest: [UInt8])]] = [:]
        var originOrder: [String] = []
        for (i, e) in batch.enumerated() {
            let h: EntryHeader
            // Headers the caller decoded already (with the signature checks, on all cores) are not decoded again.
            if let decoded = headers?[i] {
                h = decoded
            } else {
                do { h = try EntryHeader(decoding: e.header) } catch {
                    out.rejected.append(Rejection(origin: nil, seq: nil, reason: .malformed, message: "header: \(error.reason)"))
                    continue
                }
            }
            if perOrigin[h.origin] == nil { originOrder.append(h.origin) }
            perOrigin[h.origin, default: []].append((e, h, digests[i]))
        }

        var cursor: [String: Int] = [:]
        var pendingBlock: [String: Rejection] = [:]
        var finished: Set<String> = []

        // Process origins; an origin blocked only by a missing owner grant is retried after the others made
        // progress (the creator's version granting it may come later in the same batch).
        var progress = true
        while progress {
            progress = false
            for origin in originOrder where !finished.contains(origin) {
                let items = perOrigin[origin]!
                var i = cursor[origin] ?? 0
                var step = Step.done
                while i < items.count {
                    let (entry, h, digest) = items[i]
                    let r = check(entry: entry, header: h, digest: digest, vector: vector, snapshot: snapshot, records: records)
                    switch r {
                    case .duplicate:
                        out.duplicates += 1
                    case .equivocation(let ev):
                        out.equivocations.append(ev)
                        // The origin is frozen from here on: nothing more of it applies until an admin resolves it.
                        step = .blocked(
                            Rejection(origin: h.origin, seq: h.seq, reason: .frozen, message: "\(h.origin) equivocated at seq \(h.seq); frozen until an admin resolves it"),
                            retryable: false)
                    case .refuse(let rej, let retryable):
                        step = .blocked(rej, retryable: retryable)
                    case .acceptStatement(let statement):
                        out.accepted.append(Accepted(entry: entry, header: h, digest: digest, current: false, payload: nil, statement: statement))
                        vector[h.origin] = h.seq
                        progress = true
                        if statement != nil {
                            // Keys change from here on: the caller applies the statement and runs the rest of the batch
                            // in a new pass (see `statementBarrier`).
                            step = .paused
                        }
                    case .quarantine:
                        out.accepted.append(Accepted(entry: entry, header: h, digest: digest, current: false, payload: nil, quarantined: true))
                        vector[h.origin] = h.seq
                        progress = true
                    case .accept(let body):
                        let version = RecordVersion<Payload>(
                            origin: h.origin, seq: h.seq, version: h.version, deleted: h.kind == .tombstone,
                            owners: body?.owners ?? [], payload: body?.payload)
                        let before = records[h.recordId] ?? []
                        let (after, current) = Self.resolve(before, with: version)
                        if current {
                            records[h.recordId] = after
                            touched.insert(h.recordId)
                        }
                        out.accepted.append(Accepted(entry: entry, header: h, digest: digest, current: current, payload: body?.payload))
                        vector[h.origin] = h.seq
                        progress = true
                    }
                    if case .blocked = step { break }
                    i += 1
                    if case .paused = step { break }
                }
                cursor[origin] = i
                switch step {
                case .done, .paused:
                    finished.insert(origin)
                    pendingBlock[origin] = nil
                    if case .paused = step { out.paused += items.count - i }
                case .blocked(let rej, let retryable):
                    pendingBlock[origin] = rej
                    if !retryable { finished.insert(origin) }
                }
            }
        }
        for origin in originOrder {
            guard let rej = pendingBlock[origin] else { continue }
            out.rejected.append(rej)
            out.skipped += perOrigin[origin]!.count - (cursor[origin] ?? 0) - 1
        }
        out.vector = vector
        for id in touched { out.records[id] = records[id] }
        return out
    }

    private enum Step { case done, paused, blocked(Rejection, retryable: Bool) }

    private enum Check {
        case accept(DecodedBody?)
        /// Accepted into the log without changing any record (audit anchors; trust statements carry theirs).
        case acceptStatement(TrustStatement?)
        /// Accepted into the log as evidence, applied to no record (signed with a revoked key).
        case quarantine
        case duplicate
        case equivocation(Equivocation)
        case refuse(Rejection, retryable: Bool)
    }

    private func check(
        entry: SignedEntry, header h: EntryHeader, digest: [UInt8], vector: [String: UInt64], snapshot: Snapshot,
        records: [String: [RecordVersion<Payload>]]
    ) -> Check {
        func refuse(_ reason: Rejection.Reason, _ message: String, retryable: Bool = false) -> Check {
            .refuse(Rejection(origin: h.origin, seq: h.seq, reason: reason, message: message), retryable: retryable)
        }
        guard let originKeys = keys[h.origin] else {
            return refuse(.untrustedOrigin, "origin \(h.origin) is not in the trust store")
        }
        guard h.seq <= UInt64(Int64.max) else { return refuse(.malformed, "seq out of range") }
        if snapshot.frozen.contains(h.origin) {
            return refuse(.frozen, "\(h.origin) is frozen after equivocation; an admin must resolve it (`casebridge trust unfreeze`)")
        }
        guard let key = originKeys.first(where: { $0.keyId == h.keyId }) else {
            return refuse(.unknownKey, "key \(Hex.encode(h.keyId)) is not a signing key of \(h.origin)")
        }
        let held = vector[h.origin] ?? 0
        // A seq already held is judged by its identity (duplicate or equivocation) whatever the key's validity says
        // now: a key rotated out or revoked later still signed the entries it signed.
        guard h.seq <= held || key.covers(h.seq) else {
            return refuse(.keyNotValid, "key \(Hex.encode(h.keyId)) of \(h.origin) may not sign seq \(h.seq)")
        }
        guard checkSignature(entry, key.publicKey) else {
            return refuse(.badSignature, "signature or body hash does not verify")
        }
        if h.seq <= held {
            let position = EntryPosition(origin: h.origin, seq: h.seq)
            if let d = snapshot.heldDigests[position], d != digest {
                return .equivocation(Equivocation(origin: h.origin, seq: h.seq, heldDigest: d, entry: entry))
            }
            return .duplicate
        }
        guard h.seq == held + 1 else {
            return refuse(.gap, "seq \(h.seq) of \(h.origin) does not follow \(held)")
        }
        // Record id shape and write permission.
        guard let slash = h.recordId.firstIndex(of: "/") else {
            return refuse(.malformed, "record id is not <creator>/<caseRef>")
        }
        let creator = String(h.recordId[..<slash])
        let caseRef = String(h.recordId[h.recordId.index(after: slash)...])
        guard EntryHeader.isValidNodeId(creator), !caseRef.isEmpty else {
            return refuse(.malformed, "record id is not <creator>/<caseRef>")
        }
        if h.kind == .auditAnchor {
            // A statement by the origin about itself: only it may make one, under its own reserved record id.
            guard caseRef == ".audit", creator == h.origin else {
                return refuse(.malformed, "an audit anchor must have record id <origin>/.audit")
            }
            return .acceptStatement(nil)
        }
        if h.kind == .trust {
            guard caseRef == ".trust", creator == h.origin else {
                return refuse(.malformed, "a trust statement must have record id <origin>/.trust")
            }
            let statement: TrustStatement
            do {
                guard let s = try decodeBody(h, entry).statement else { return refuse(.malformed, "trust entry without a statement") }
                statement = s
            } catch {
                return refuse(.malformed, "body: \(error.reason)")
            }
            do { try statement.validate(origin: h.origin, seq: h.seq) } catch { return refuse(.malformed, error.reason) }
            switch statement.type {
            case .keyRotation:
                guard statement.keyId != Hex.encode(h.keyId) else { return refuse(.malformed, "a rotation must introduce a new key") }
                for (other, ks) in keys where ks.contains(where: { Hex.encode($0.keyId) == statement.keyId }) {
                    let same = other == h.origin && ks.contains { Hex.encode($0.keyId) == statement.keyId && Hex.encode($0.publicKey) == statement.publicKey }
                    if !same { return refuse(.malformed, "rotation key \(statement.keyId) is already a key of \(other)") }
                }
            case .keyRevocation:
                guard originKeys.contains(where: { Hex.encode($0.keyId) == statement.keyId }) else {
                    return refuse(.malformed, "revocation names key \(statement.keyId), which is not a key of \(h.origin)")
                }
                guard statement.keyId != Hex.encode(h.keyId) else {
                    return refuse(.malformed, "a revocation must be signed by a key other than the revoked one (rotate first)")
                }
            case .pseudonymEpoch:
                break
            }
            return .acceptStatement(statement)
        }
        guard h.kind == .record || h.kind == .tombstone else {
            return refuse(.unsupportedKind, "entry kind \(h.kind) is not supported")
        }
        if key.isRevoked(at: h.seq) {
            // Accepted so the log stays contiguous and provable, but it changes nothing anyone can search.
            return .quarantine
        }
        guard h.version[h.origin] >= 1 else {
            return refuse(.malformed, "version vector does not count the signer")
        }
        var body: DecodedBody? = nil
        do {
            body = try decodeBody(h, entry)
        } catch {
            return refuse(.malformed, "body: \(error.reason)")
        }
        if let b = body, b.caseRef != caseRef {
            return refuse(.malformed, "body caseRef does not match the record id")
        }
        if h.origin != creator {
            // The grant is the owner list of a current version of the record (the creator's latest word).
            let grants = (records[h.recordId] ?? []).contains { w in w.owners.contains(h.origin) }
            if !grants {
                return refuse(.notAnOwner, "\(h.origin) may not write \(creator)'s record (no owner grant held)", retryable: true)
            }
        }
        return .accept(body)
    }

    /// The current versions of a record after `incoming` arrives, and whether `incoming` is one of them.
    public static func resolve(_ current: [RecordVersion<Payload>], with incoming: RecordVersion<Payload>) -> ([RecordVersion<Payload>], Bool) {
        for c in current {
            switch c.version.compare(incoming.version) {
            case .equal, .dominates: return (current, false)
            default: continue
            }
        }
        var next = current.filter { incoming.version.compare($0.version) != .dominates }
        next.append(incoming)
        next.sort { ($0.origin, $0.seq) < ($1.origin, $1.seq) }
        return (next, true)
    }
}

/// One version of a record as the receiver holds it.
public struct RecordVersion<Payload: Sendable>: Sendable {
    public var origin: String
    public var seq: UInt64
    public var version: VersionVector
    public var deleted: Bool
    /// Nodes besides the creator that may write later versions (joint cases).
    public var owners: [String]
    public var payload: Payload?

    public init(origin: String, seq: UInt64, version: VersionVector, deleted: Bool, owners: [String] = [], payload: Payload? = nil) {
        self.origin = origin
        self.seq = seq
        self.version = version
        self.deleted = deleted
        self.owners = owners
        self.payload = payload
    }
}

public struct EntryPosition: Sendable, Hashable {
    public var origin: String
    public var seq: UInt64

    public init(origin: String, seq: UInt64) {
        self.origin = origin
        self.seq = seq
    }
}

/// An entry the receiver refused, and why (stable reason codes; messages never hold body content).
public struct Rejection: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        case malformed, untrustedOrigin = "untrusted-origin", unknownKey = "unknown-key", keyNotValid = "key-not-valid"
        case badSignature = "bad-signature", gap, notAnOwner = "not-an-owner", unsupportedKind = "unsupported-kind"
        case frozen
    }

    public var origin: String?
    public var seq: UInt64?
    public var reason: Reason
    public var message: String

    public init(origin: String?, seq: UInt64?, reason: Reason, message: String) {
        self.origin = origin
        self.seq = seq
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(origin ?? "?")#\(seq.map(String.init) ?? "?"): \(reason.rawValue): \(message)" }
}

/// Two different, validly signed entries for the same origin and seq: proof that the origin (or its key) equivocated.
public struct Equivocation: Sendable, Hashable {
    public var origin: String
    public var seq: UInt64
    public var heldDigest: [UInt8]
    public var entry: SignedEntry
}

public import CasebridgeCore
public import CasebridgeCrypto
public import CasebridgeStore
import Foundation
public import Logging

/// A decoded entry body as the receiver needs it.
public enum ReceivedBody: Sendable {
    /// A record version, with its token rows decoded from the body's hex (see `BodyToken`).
    case record(PublishedRecord, owners: [String], tokens: [BodyToken])
    /// A deletion; `expunge` for a purge, which drops the record's tokens and earlier bodies on every node.
    case tombstone(expunge: Bool)
    /// A trust statement (key rotation or revocation) whose shape and, for a rotation, new-key proof verified.
    case statement(TrustStatement)
}

/// One token of a record body as a token row needs it: the token's bytes (its hex decoded once, where the body is
/// decoded: on all cores, ahead of the commit) and the subject that holds it. A token whose hex does not decode is
/// left out, as no search could name it.
public struct BodyToken: Sendable {
    public var token: [UInt8]
    public var kind: String
    public var subject: Int
    public var role: String?

    /// The token rows of `record`, in body order.
    static func of(_ record: PublishedRecord) -> [BodyToken] {
        var out: [BodyToken] = []
        out.reserveCapacity(record.subjects.reduce(0) { $0 + $1.tokens.count })
        for (si, s) in record.subjects.enumerated() {
            for t in s.tokens {
                guard let bytes = Hex.decode(t.token) else { continue }
                out.append(BodyToken(token: bytes, kind: t.kind, subject: si, role: s.role))
            }
        }
        return out
    }
}

/// What applying one batch did.
public struct ApplyReport: Sendable, Codable {
    public var received = 0
    public var applied = 0
    public var duplicates = 0
    public var skipped = 0
    public var rejected: [String] = []
    public var equivocations = 0
    /// Entries kept as evidence but applied to no record (signed with a revoked key).
    public var quarantined = 0
    /// Key rotations and revocations applied.
    public var keyChanges = 0
    /// Origins whose vector advanced, with their new seq.
    public var advanced: [String: UInt64] = [:]
    /// Alerts raised by this batch.
    public var alerts = 0

    public init() {}

    public mutating func add(_ o: ApplyReport) {
        alerts += o.alerts
        received += o.received
        applied += o.applied
        duplicates += o.duplicates
        skipped += o.skipped
        rejected += o.rejected
        equivocations += o.equivocations
        quarantined += o.quarantined
        keyChanges += o.keyChanges
        advanced.merge(o.advanced) { max($0, $1) }
    }
}

/// Applies batches of entries received from a peer: verifies them (in parallel), runs the replication state machine
/// over what the database holds, and writes the outcome in one transaction.
public struct Replicator: Sendable {
    public let selfId: String
    public let logger: Logger

    /// What raises alerts when entries apply.
    public var alerts: NodeStore.AlertScanSettings

    public init(selfId: String, logger: Logger, alerts: NodeStore.AlertScanSettings = .standard) {
        self.selfId = selfId
        self.logger = logger
        self.alerts = alerts
    }

    /// Decodes a body by the entry's kind; throws EntryError naming what is wrong (never the content).
    static func decode(kind: EntryKind, body: [UInt8]?) throws(EntryError) -> ReceivedBody? {
        guard let body else { return nil }
        switch kind {
        case .record:
            do {
                let (r, owners) = try PublishedRecord.decode(body: body)
                return .record(r, owners: owners.filter(EntryHeader.isValidNodeId), tokens: BodyToken.of(r))
            } catch {
                throw EntryError(code: "body.json", reason: "record body is not a valid casebridge.record.v1 document")
            }
        case .tombstone:
            let t = try? JSONDecoder().decode(PublishedTombstone.self, from: Data(body))
            return .tombstone(expunge: t?.expunge == true)
        case .auditAnchor:
            return nil
        case .trust:
            guard let s = try? JSONDecoder().decode(TrustStatement.self, from: Data(body)) else {
                throw EntryError(code: "body.json", reason: "trust body is not a valid casebridge.trust.v1 document")
            }
            if s.type == .keyRotation {
                // The new key must have signed its own introduction: nobody rotates an origin to a key they lack.
                guard let kid = Hex.decode(s.keyId), let pkHex = s.publicKey, let pkBytes = Hex.decode(pkHex),
                      let pk = try? SigningPublicKey(bytes: pkBytes), pk.keyId == kid,
                      let proof = s.proof.flatMap(Hex.decode),
                      pk.verify(signature: proof, message: TrustStatement.rotationProofMessage(origin: s.origin, keyId: kid, fromSeq: s.fromSeq))
                else { throw EntryError(code: "trust.proof", reason: "rotation proof does not verify with the new key (or the key id does not match it)") }
            }
            return .statement(s)
        }
    }

    /// Signing keys of the origins this node accepts, as the engine wants them.
    public static func keys(store: NodeStore) throws -> [String: [ReplicationEngine<ReceivedBody>.OriginKey]] {
        var keys: [String: [ReplicationEngine<ReceivedBody>.OriginKey]] = [:]
        for (origin, ks) in try store.trustedKeys() {
            keys[origin] = ks.map {
                .init(keyId: $0.keyId, publicKey: $0.publicKey, validFromSeq: $0.from, validUntilSeq: $0.until, revokedFromSeq: $0.revokedFrom)
            }
        }
        return keys
    }

    /// A batch verified and decoded ahead of its transaction (CPU only, no database).
    public struct Prepared: Sendable {
        struct Pre: Sendable { var header: EntryHeader?; var verifiedKey: [UInt8]?; var body: Result<ReceivedBody?, EntryError>? }
        var entries: [SignedEntry]
        var digests: [[UInt8]]
        var pre: [Pre]
    }

    /// Threads that `prepare` uses: every core but one. The commit of the previous batch runs meanwhile, and it is
    /// the pipeline's critical path: its client work and its database backend take turns, about one core between
    /// them. With every core preparing, the commit shared its core with a prepare thread and ran slower while the
    /// prepare finished early and waited (2 cores: bench replicate 100k from empty 9.2-9.6k entries/s with two
    /// prepare threads, 10.1-10.7k with one; docs/performance.md).
    public static let prepareWorkers = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)

    /// Verifies signatures, hashes and decodes bodies of `entries` on `prepareWorkers` cores, with `keys` (from
    /// `keys(store:)`). Runs while the previous batch's transaction is in the database; `commit` re-checks trust and
    /// keys inside its transaction, so keys changing in between cannot let an entry through.
    public static func prepare(_ entries: [SignedEntry], keys: [String: [ReplicationEngine<ReceivedBody>.OriginKey]]) -> Prepared {
        let both = Parallel.map(entries, chunkSize: 64, workers: prepareWorkers) { e -> ([UInt8], Prepared.Pre) in
            let digest = e.identityDigest
            guard let h = try? EntryHeader(decoding: e.header) else { return (digest, .init(header: nil)) }
            guard let k = keys[h.origin]?.first(where: { $0.keyId == h.keyId }),
                  let pk = try? SigningPublicKey(bytes: k.publicKey), (try? e.verify(with: pk)) != nil
            else { return (digest, .init(header: h)) }
            let body: Result<ReceivedBody?, EntryError>
            do { body = .success(try Self.decode(kind: h.kind, body: e.body)) } catch {
                body = .failure((error as? EntryError) ?? EntryError(code: "body", reason: "undecodable body"))
            }
            return (digest, .init(header: h, verifiedKey: k.publicKey, body: body))
        }
        return Prepared(entries: entries, digests: both.map(\.0), pre: both.map(\.1))
    }

    /// Applies `entries` (in stream order) received from `peer`: prepare and commit in one go.
    public func apply(peer: String, entries: [SignedEntry], store: NodeStore) throws -> ApplyReport {
        guard !entries.isEmpty else { return ApplyReport() }
        return try commit(Self.prepare(entries, keys: Self.keys(store: store)), peer: peer, store: store)
    }

    /// Runs the state machine over a prepared batch and what the database holds, and writes the outcome, in one
    /// transaction. A trust statement ends a pass: its key change is written and the rest of the batch runs in a
    /// new pass over the updated keys (still in the same transaction).
    public func commit(_ prepared: Prepared, peer: String, store: NodeStore) throws -> ApplyReport {
        var report = ApplyReport()
        report.received = prepared.entries.count
        guard !prepared.entries.isEmpty else { return report }
        return try store.db.transaction {
            try store.lockApply()
            var start = 0
            let n = prepared.entries.count
            while start < n {
                let end = (start..<n).first { prepared.pre[$0].header?.kind == .trust }.map { $0 + 1 } ?? n
                try applyPass(prepared, start..<end, peer: peer, store: store, report: &report)
                start = end
            }
            return report
        }
    }

    private func applyPass(_ prepared: Prepared, _ range: Range<Int>, peer: String, store: NodeStore, report: inout ApplyReport) throws {
        let entries = Array(prepared.entries[range])
        let digests = Array(prepared.digests[range])
        let pre = Array(prepared.pre[range])
        var lap = ContinuousClock.now
        var phases: [String] = []
        func mark(_ name: String) {
            let now = ContinuousClock.now
            phases.append("\(name)=\(Int((now - lap).milliseconds))ms")
            lap = now
        }
        let keys = try Self.keys(store: store)
        let vector = try store.vector().counters
        // What `prepare` found for an entry, by the entry's signature (the engine hands entries back, not their
        // positions): keyed by its first eight bytes, then compared in full. Hashing whole 64-byte signatures, twice
        // per entry, cost milliseconds per batch on the commit's critical path.
        var preparedAt: [UInt64: Int] = [:]
        preparedAt.reserveCapacity(pre.count)
        var recordIds: Set<String> = []
        recordIds.reserveCapacity(pre.count)
        var heldPositions: [(origin: String, seq: UInt64)] = []
        for (i, p) in pre.enumerated() {
            guard let h = p.header else { continue }
            recordIds.insert(h.recordId)
            if h.seq <= vector[h.origin] ?? 0 { heldPositions.append((h.origin, h.seq)) }
            if p.verifiedKey != nil || p.body != nil { preparedAt[Self.signaturePrefix(entries[i].signature)] = i }
        }
        let held = try store.storedEntries(heldPositions)
        var heldDigests: [EntryPosition: [UInt8]] = [:]
        for (origin, bySeq) in held {
            for (seq, e) in bySeq { heldDigests[EntryPosition(origin: origin, seq: seq)] = e.identityDigest }
        }
        mark("load")
        let current = try store.currentVersions(recordIds)
        mark("current")
        var records: [String: [RecordVersion<ReceivedBody>]] = [:]
        for (id, vs) in current {
            records[id] = vs.map { RecordVersion(origin: $0.origin, seq: $0.seq, version: $0.version, deleted: $0.deleted, owners: $0.owners) }
        }
        // The state machine asks for bodies decoded in `prepare`, found by the entry's signature. An entry whose key
        // `prepare` did not know yet (introduced by a rotation earlier in this stream) is verified and decoded here.
        let frozenAt = preparedAt
        @Sendable func preparedEntry(_ e: SignedEntry) -> Prepared.Pre? {
            guard let i = frozenAt[Self.signaturePrefix(e.signature)], entries[i].signature == e.signature else { return nil }
            return pre[i]
        }
        let engine = ReplicationEngine<ReceivedBody>(
            keys: keys,
            checkSignature: { e, pk in
                if let v = preparedEntry(e)?.verifiedKey { return v == pk }
                guard let key = try? SigningPublicKey(bytes: pk) else { return false }
                return (try? e.verify(with: key)) != nil
            },
            decodeBody: { h, entry throws(EntryError) -> ReplicationEngine<ReceivedBody>.DecodedBody in
                let caseRef = String(h.recordId[h.recordId.index(after: h.recordId.firstIndex(of: "/")!)...])
                let decoded: Result<ReceivedBody?, EntryError>
                if let b = preparedEntry(entry)?.body {
                    decoded = b
                } else {
                    do throws(EntryError) { decoded = .success(try Self.decode(kind: h.kind, body: entry.body)) } catch { decoded = .failure(error) }
                }
                switch decoded {
                case .success(.none):
                    return .init(caseRef: caseRef, owners: [], payload: nil)
                case .failure(let e):
                    throw e
                case .success(.some(let b)):
                    switch b {
                    case .record(let r, let owners, _): return .init(caseRef: r.caseRef, owners: owners, payload: b)
                    case .tombstone: return .init(caseRef: caseRef, owners: [], payload: b)
                    case .statement(let s): return .init(caseRef: caseRef, owners: [], payload: nil, statement: s)
                    }
                }
            })
        let frozen = try store.frozenOrigins()
        let outcome = engine.apply(entries, digests: digests, headers: pre.map(\.header), to: .init(vector: vector, records: records, heldDigests: heldDigests, frozen: frozen))
        mark("engine")

        var headerOf: [EntryPosition: EntryHeader] = [:]
        for a in outcome.accepted { headerOf[EntryPosition(origin: a.header.origin, seq: a.header.seq)] = a.header }
        var writes = try Self.stateWrites(outcome.records, headers: headerOf, store: store)
        // A record `currentVersions` did not find (under the apply lock, in this transaction) is new here.
        for i in writes.indices where current[writes[i].recordId] == nil { writes[i].row.isNew = true }
        // In seq order (as the records' entries came), so their token rows go out in the order their index wants.
        writes.sort { ($0.row.seq, $0.row.origin) < ($1.row.seq, $1.row.origin) }

        var advanced: [String: UInt64] = [:]
        for (origin, seq) in outcome.vector where seq != vector[origin] { advanced[origin] = seq }
        mark("build")
        try store.writeApplied(
            entries: outcome.accepted.map { ($0.header.origin, $0.header.seq, $0.header.kind, $0.header.recordId, $0.entry) },
            records: writes, vector: advanced)
        let quarantined = outcome.accepted.filter(\.quarantined).map { ($0.header.origin, $0.header.seq) }
        if !quarantined.isEmpty { try store.markQuarantined(quarantined) }
        mark("write")
        let purged = outcome.accepted.compactMap { a -> String? in
            if case .tombstone(expunge: true)? = a.payload { return a.header.recordId }
            return nil
        }
        // Only records held before this batch can carry an earlier purge (a new one has no row to be marked in).
        try store.expunge(purged: purged, touched: outcome.records.keys.filter { current[$0] != nil })
        if !outcome.records.isEmpty {
            let raised = try store.scanAlerts(changedGroups: writes.map(\.tokens), selfId: selfId, settings: alerts)
            if !raised.isEmpty { logger.notice("alerts raised", metadata: ["count": "\(raised.count)", "peer": "\(peer)"]) }
            report.alerts += raised.count
        }
        mark("alerts")
        for a in outcome.accepted {
            guard let statement = a.statement else { continue }
            try Self.applyStatement(statement, header: a.header, store: store, logger: logger)
            report.keyChanges += 1
        }
        logger.debug("commit phases", metadata: ["entries": "\(entries.count)", "phases": "\(phases.joined(separator: " ")) [\(store.writeTimings.joined(separator: " "))]"])
        for r in outcome.rejected {
            try store.recordRejection(peer: peer, origin: r.origin, seq: r.seq, reason: r.reason.rawValue, message: r.message)
            logger.warning(
                "entry refused",
                metadata: ["peer": "\(peer)", "origin": "\(r.origin ?? "?")", "seq": "\(r.seq.map(String.init) ?? "?")", "reason": "\(r.reason.rawValue)", "detail": "\(r.message)"])
        }
        for e in outcome.equivocations {
            try store.recordEquivocation(peer: peer, origin: e.origin, seq: e.seq, heldDigest: e.heldDigest, entry: e.entry)
            try store.freezeOrigin(e.origin, seq: e.seq, reason: "equivocation at seq \(e.seq), served by \(peer)")
            logger.error("equivocation detected: origin frozen", metadata: ["peer": "\(peer)", "origin": "\(e.origin)", "seq": "\(e.seq)"])
        }
        report.applied += outcome.accepted.count
        report.quarantined += quarantined.count
        report.duplicates += outcome.duplicates
        report.skipped += outcome.skipped + outcome.paused
        report.rejected += outcome.rejected.map(\.description)
        report.equivocations += outcome.equivocations.count
        report.advanced.merge(advanced) { max($0, $1) }
    }

    /// The first eight bytes of a signature, as a dictionary key.
    static func signaturePrefix(_ signature: [UInt8]) -> UInt64 {
        var k: UInt64 = 0
        for b in signature.prefix(8) { k = k << 8 | UInt64(b) }
        return k
    }

    /// Writes the key change of an accepted trust statement (inside the transaction that logged it); a revocation
    /// quarantines the revoked key's entries from its seq on and rebuilds the records they touched.
    public static func applyStatement(_ s: TrustStatement, header h: EntryHeader, store: NodeStore, logger: Logger) throws {
        switch s.type {
        case .pseudonymEpoch:
            guard let epoch = s.epoch, let fp = s.fingerprint else { return }
            try store.recordOriginEpoch(origin: h.origin, epoch: epoch, fingerprint: fp, seq: h.seq)
            logger.notice("pseudonym epoch announced", metadata: ["origin": "\(h.origin)", "epoch": "\(epoch)", "fingerprint": "\(fp)"])
        case .keyRotation:
            guard let kid = Hex.decode(s.keyId), let pk = s.publicKey.flatMap(Hex.decode) else { return }
            try store.applyRotation(origin: h.origin, keyId: kid, publicKey: pk, fromSeq: s.fromSeq, statementSeq: h.seq)
            logger.notice("signing key rotated", metadata: ["origin": "\(h.origin)", "newKey": "\(s.keyId)", "fromSeq": "\(s.fromSeq)"])
        case .keyRevocation:
            guard let kid = Hex.decode(s.keyId) else { return }
            let touched = try store.applyRevocation(origin: h.origin, keyId: kid, fromSeq: s.fromSeq, statementSeq: h.seq, reason: s.reason ?? "")
            try rebuild(recordIds: touched, store: store)
            logger.warning(
                "signing key revoked: entries quarantined",
                metadata: ["origin": "\(h.origin)", "key": "\(s.keyId)", "fromSeq": "\(s.fromSeq)", "records": "\(touched.count)"])
        }
    }

    /// Rebuilds the state of `recordIds` from their unquarantined entries (after a revocation); a record no such
    /// entry supports disappears.
    public static func rebuild(recordIds: [String], store: NodeStore) throws {
        guard !recordIds.isEmpty else { return }
        var states: [String: [RecordVersion<ReceivedBody>]] = [:]
        var headers: [EntryPosition: EntryHeader] = [:]
        for e in try store.unquarantinedEntries(recordIds: recordIds) {
            guard let h = try? EntryHeader(decoding: e.entry.header) else { continue }
            let body = try? decode(kind: e.kind, body: e.entry.body)
            var owners: [String] = []
            if case .record(_, let o, _)?? = body { owners = o }
            let v = RecordVersion<ReceivedBody>(
                origin: e.origin, seq: e.seq, version: h.version, deleted: e.kind == .tombstone, owners: owners, payload: body ?? nil)
            states[e.recordId] = ReplicationEngine<ReceivedBody>.resolve(states[e.recordId] ?? [], with: v).0
            headers[EntryPosition(origin: e.origin, seq: e.seq)] = h
        }
        let gone = recordIds.filter { states[$0] == nil }
        try store.deleteRecordState(gone)
        let writes = try stateWrites(states, headers: headers, store: store)
        if !writes.isEmpty {
            try store.writeApplied(entries: [], records: writes, vector: [:])
        }
        try store.expunge(purged: [], touched: Array(states.keys))
    }

    /// The rows that record the current versions of records: display row (preferred version), versions, tokens.
    static func stateWrites(
        _ states: [String: [RecordVersion<ReceivedBody>]], headers headerOf: [EntryPosition: EntryHeader], store: NodeStore
    ) throws -> [NodeStore.RecordStateWrite] {
        // Bodies of current versions that were already held (siblings, or a preferred version not in the batch).
        var needBodies: [(origin: String, seq: UInt64)] = []
        for (_, vs) in states {
            for v in vs where v.payload == nil && !v.deleted { needBodies.append((v.origin, v.seq)) }
        }
        let heldBodies = try store.storedEntries(needBodies)
        var writes: [NodeStore.RecordStateWrite] = []
        for (recordId, versions) in states {
            var resolved: [(v: RecordVersion<ReceivedBody>, record: PublishedRecord?, tokens: [BodyToken], bodyHash: [UInt8])] = []
            for v in versions {
                let pos = EntryPosition(origin: v.origin, seq: v.seq)
                var record: PublishedRecord? = nil
                var bodyTokens: [BodyToken] = []
                var bodyHash: [UInt8] = headerOf[pos]?.bodyHash ?? []
                if case .record(let r, _, let ts)? = v.payload { record = r; bodyTokens = ts }
                if record == nil, !v.deleted, let e = heldBodies[v.origin]?[v.seq] {
                    if case .record(let r, _, let ts)?? = try? Self.decode(kind: .record, body: e.body) { record = r; bodyTokens = ts }
                    bodyHash = (try? EntryHeader(decoding: e.header).bodyHash) ?? bodyHash
                }
                resolved.append((v, record, bodyTokens, bodyHash))
            }
            // Preferred display version: live over deleted, then the most advanced, then by origin and seq.
            let preferred = resolved.max { a, b in
                let ka = (a.v.deleted ? 0 : 1, a.v.version.counters.values.reduce(0, +), a.v.origin, a.v.seq)
                let kb = (b.v.deleted ? 0 : 1, b.v.version.counters.values.reduce(0, +), b.v.origin, b.v.seq)
                return ka < kb
            }!
            let caseRef = String(recordId[recordId.index(after: recordId.firstIndex(of: "/")!)...])
            var tokens: [NodeStore.TokenRow] = []
            var seen: Set<[UInt8]> = []
            for r in resolved where !r.v.deleted {
                guard let rec = r.record else { continue }
                tokens.reserveCapacity(tokens.count + r.tokens.count)
                for t in r.tokens {
                    if resolved.count > 1 && !seen.insert(t.token + Array(t.kind.utf8) + [UInt8(t.subject & 0xff)]).inserted { continue }
                    tokens.append(.init(token: t.token, epoch: rec.epoch, recordId: recordId, kind: t.kind, subject: t.subject, role: t.role))
                }
            }
            let owners = Array(Set(resolved.flatMap(\.v.owners))).sorted()
            writes.append(.init(
                recordId: recordId,
                versions: resolved.map { .init(recordId: recordId, origin: $0.v.origin, seq: $0.v.seq, version: $0.v.version, deleted: $0.v.deleted, owners: $0.v.owners) },
                row: .init(
                    recordId: recordId, origin: preferred.v.origin, seq: preferred.v.seq, caseRef: caseRef,
                    version: preferred.v.version, deleted: preferred.v.deleted, bodyHash: preferred.bodyHash, record: preferred.record),
                owners: owners, tokens: tokens))
        }
        return writes
    }
}

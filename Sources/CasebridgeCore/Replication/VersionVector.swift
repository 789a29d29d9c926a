/// A version vector: node id -> counter. Used both for a record version's causal history over its owner
/// nodes and for a node's knowledge (origin -> highest contiguous seq held).
public struct VersionVector: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The counters; absent means 0.
    public private(set) var counters: [String: UInt64]

    public init(_ counters: [String: UInt64] = [:]) {
        self.counters = counters.filter { $0.value > 0 }
    }

    /// The counter for `node` (0 when absent).
    public subscript(node: String) -> UInt64 {
        get { counters[node] ?? 0 }
        set { counters[node] = newValue == 0 ? nil : newValue }
    }

    /// Increments `node`'s counter and returns the new vector.
    public func incremented(for node: String) -> VersionVector {
        var v = self
        v[node] = self[node] + 1
        return v
    }

    /// The pointwise maximum of two vectors.
    public func merged(with other: VersionVector) -> VersionVector {
        var v = self
        for (k, c) in other.counters where c > v[k] { v[k] = c }
        return v
    }

    /// How two vectors relate causally.
    public enum Order: Sendable, Equatable {
        case equal, dominates, dominated, concurrent
    }

    /// Compares `self` with `other`.
    public func compare(_ other: VersionVector) -> Order {
        var greater = false
        var less = false
        for k in Set(counters.keys).union(other.counters.keys) {
            let a = self[k]
            let b = other[k]
            if a > b { greater = true }
            if a < b { less = true }
        }
        switch (greater, less) {
        case (false, false): return .equal
        case (true, false): return .dominates
        case (false, true): return .dominated
        case (true, true): return .concurrent
        }
    }

    /// Entries sorted by node id (byte order), the order used in encodings.
    public var sorted: [(node: String, counter: UInt64)] {
        counters.map { ($0.key, $0.value) }.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
    }

    public var description: String {
        "{" + sorted.map { "\($0.node):\($0.counter)" }.joined(separator: ",") + "}"
    }
}

import Dispatch

/// Data-parallel helpers for CPU-bound import work (normalizing, hashing, signing) on all cores.
public enum Parallel {
    /// Maps `items` in chunks across the machine's cores, preserving order. `chunkDone` is called (serially)
    /// with the number of items finished so far, for progress display. `workers` caps the threads at work (nil: as
    /// many as the machine runs at once; 1: the calling thread alone).
    public static func map<T: Sendable, R: Sendable>(
        _ items: [T], chunkSize: Int = 512, workers: Int? = nil, chunkDone: (@Sendable (Int) -> Void)? = nil,
        _ transform: @Sendable (T) -> R
    ) -> [R] {
        let n = items.count
        if n == 0 { return [] }
        let chunks = (n + chunkSize - 1) / chunkSize
        let storage = UnsafeMutableBufferPointer<R>.allocate(capacity: n)
        defer { storage.deallocate() }
        nonisolated(unsafe) let out = storage
        let progress = ProgressCounter()
        @Sendable func run(_ c: Int) {
            let lo = c * chunkSize
            let hi = min(n, lo + chunkSize)
            for i in lo..<hi { (out.baseAddress! + i).initialize(to: transform(items[i])) }
            if let chunkDone { chunkDone(progress.add(hi - lo)) }
        }
        if let workers, workers < chunks {
            // Each worker takes the next chunk until none is left.
            let next = ProgressCounter()
            let threads = max(1, workers)
            if threads == 1 {
                for c in 0..<chunks { run(c) }
            } else {
                DispatchQueue.concurrentPerform(iterations: threads) { _ in
                    while true {
                        let c = next.add(1) - 1
                        if c >= chunks { break }
                        run(c)
                    }
                }
            }
        } else {
            DispatchQueue.concurrentPerform(iterations: chunks, execute: run)
        }
        let result = Array(storage)
        _ = storage.baseAddress!.deinitialize(count: n)
        return result
    }
}

private final class ProgressCounter: @unchecked Sendable {
    private var value = 0
    private let lock = DispatchSemaphore(value: 1)

    func add(_ n: Int) -> Int {
        lock.wait()
        defer { lock.signal() }
        value += n
        return value
    }
}

/// A sequence produced chunk by chunk on demand: `produce` returns the next chunk, or nil at the end.
///
/// Lets a consumer (a COPY to the database) start on the first chunk while later ones are not computed yet, so
/// the database server works while the client computes.
public struct ChunkStream<Element>: Sequence, IteratorProtocol {
    private let produce: () -> [Element]?
    private var chunk: [Element] = []
    private var index = 0

    public init(_ produce: @escaping () -> [Element]?) {
        self.produce = produce
    }

    public mutating func next() -> Element? {
        while index == chunk.count {
            guard let c = produce() else { return nil }
            chunk = c
            index = 0
        }
        defer { index += 1 }
        return chunk[index]
    }
}

import Dispatch
import Foundation

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

/// A sequence whose chunks are produced on a background thread, up to `depth` chunks ahead of the consumer.
///
/// Lets a consumer (a COPY to the database, on the transaction's thread) encode and send one chunk while the next ones
/// are being computed, and lets work that a later statement needs (signing) run while earlier statements execute.
/// `produce` runs only on the background thread, one call at a time, until it returns nil or the stream is closed;
/// state it touches must not be used by other threads until `close()` returned (which waits for the thread to stop).
/// Always `close()` a stream (a `defer` right after creating it): the thread holds the stream until it stops, and a
/// producer that is `depth` chunks ahead waits until the consumer takes one or the stream is closed.
public final class PrefetchStream<Element>: Sequence, IteratorProtocol, @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [[Element]] = []
    private var ended = false
    private var closed = false
    private var running = true
    private var chunk: [Element] = []
    private var index = 0

    public init(depth: Int, _ produce: @escaping () -> [Element]?) {
        precondition(depth >= 1)
        nonisolated(unsafe) let produce = produce
        let thread = Thread { [self] in
            while true {
                let next = produce()
                condition.lock()
                defer { condition.unlock() }
                if let next { ready.append(next) } else { ended = true }
                condition.broadcast()
                while next != nil && ready.count >= depth && !closed { condition.wait() }
                if closed || next == nil {
                    running = false
                    condition.broadcast()
                    return
                }
            }
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    public func next() -> Element? {
        while index == chunk.count {
            condition.lock()
            while ready.isEmpty && !ended && !closed { condition.wait() }
            if ready.isEmpty || closed {
                condition.unlock()
                return nil
            }
            chunk = ready.removeFirst()
            index = 0
            condition.broadcast()
            condition.unlock()
        }
        defer { index += 1 }
        return chunk[index]
    }

    /// Stops the producer after its current chunk and waits until its thread is done; `next()` returns nil from then
    /// on. Call it from the consuming thread; safe to call more than once.
    public func close() {
        chunk = []
        index = 0
        condition.lock()
        closed = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }
}

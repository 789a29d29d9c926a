import Foundation
import Synchronization
import Testing
@testable import CasebridgeNode
#if canImport(Glibc)
import Glibc
#endif

@Suite("Parallel map")
struct ParallelTests {
    @Test(arguments: [nil, 1, 2, 3, 64] as [Int?])
    func keepsOrderAndCountsEveryItem(workers: Int?) {
        let items = Array(0..<1_000)
        let done = Mutex<[Int]>([])
        let out = Parallel.map(items, chunkSize: 7, workers: workers, chunkDone: { n in done.withLock { $0.append(n) } }) { $0 * 3 }
        #expect(out == items.map { $0 * 3 })
        // Progress comes once per chunk (143 of them) as a running total that ends at the item count.
        let reports = done.withLock { $0 }
        #expect(reports.count == 143)
        #expect(Set(reports).count == 143 && reports.max() == 1_000)
    }

    @Test func oneWorkerRunsOnTheCallingThread() {
        let caller = UInt(pthread_self())
        let threads = Parallel.map(Array(0..<100), chunkSize: 10, workers: 1) { _ in UInt(pthread_self()) }
        #expect(Set(threads) == [caller])
        #expect(Parallel.map([Int](), workers: 1) { $0 } == [])
    }

    @Test(arguments: [1, 2, Int.max])
    func prefetchStreamYieldsEveryChunkInOrderOffTheCallingThread(depth: Int) {
        let caller = UInt(pthread_self())
        let producedOn = Mutex<Set<UInt>>([])
        let calls = Mutex(0)
        let stream = PrefetchStream(depth: depth) { () -> [Int]? in
            producedOn.withLock { _ = $0.insert(UInt(pthread_self())) }
            let c = calls.withLock { n in n += 1; return n - 1 }
            return c < 50 ? Array(c * 10..<(c + 1) * 10) : nil
        }
        defer { stream.close() }
        #expect(Array(stream) == Array(0..<500))
        #expect(calls.withLock { $0 } == 51)
        #expect(!producedOn.withLock { $0 }.contains(caller))
    }

    @Test func prefetchStreamRunsAtMostDepthChunksAheadAndStopsWhenClosed() throws {
        let calls = Mutex(0)
        let stream = PrefetchStream(depth: 2) { () -> [Int]? in
            calls.withLock { n in n += 1; return [n] }  // endless
        }
        #expect(stream.next() == 1)
        // One chunk taken, two waiting: the producer waits for room before it computes another.
        let deadline = Date().addingTimeInterval(10)
        while calls.withLock({ $0 }) < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(calls.withLock { $0 } == 3)
        stream.close()
        let after = calls.withLock { $0 }
        Thread.sleep(forTimeInterval: 0.1)
        #expect(calls.withLock { $0 } == after)
        #expect(stream.next() == nil)
    }

    /// A consumer that gives up (its COPY failed) closes the stream while the producer is inside `produce`: `close()`
    /// waits for that call to end, and no call starts after it.
    @Test func closingWhileTheProducerWorksWaitsForItAndStopsIt() {
        let inside = Mutex(false)
        let calls = Mutex(0)
        let stream = PrefetchStream(depth: Int.max) { () -> [Int]? in
            inside.withLock { $0 = true }
            Thread.sleep(forTimeInterval: 0.05)
            let n = calls.withLock { n in n += 1; return n }
            inside.withLock { $0 = false }
            return [n]
        }
        #expect(stream.next() == 1)
        stream.close()
        #expect(!inside.withLock { $0 })
        let after = calls.withLock { $0 }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(calls.withLock { $0 } == after)
        #expect(stream.next() == nil)
    }
}

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
}

public import CasebridgeStore
import NIOPosix
import Synchronization

/// A small pool of database connections for the server. libpq calls block, so work runs on NIO's thread pool,
/// never on the cooperative executor; each connection is used by one task at a time.
public final class StorePool: Sendable {
    let conninfo: String
    let maxConnections: Int
    private let state = Mutex<State>(State())

    struct State {
        var idle: [Box] = []
        var open = 0
        var waiters: [CheckedContinuation<Box, any Error>] = []
    }

    final class Box: @unchecked Sendable {
        let store: NodeStore
        init(_ store: NodeStore) { self.store = store }
    }

    public init(conninfo: String, maxConnections: Int = 8) {
        self.conninfo = conninfo
        self.maxConnections = maxConnections
    }

    /// Runs `body` with a connection on a thread-pool thread.
    public func withStore<T: Sendable>(_ body: @escaping @Sendable (NodeStore) throws -> T) async throws -> T {
        let box = try await acquire()
        do {
            let result = try await NIOThreadPool.singleton.runIfActive { try body(box.store) }
            release(box, healthy: true)
            return result
        } catch let e as PostgresError where e.isUnavailable {
            release(box, healthy: false)
            throw e
        } catch {
            release(box, healthy: true)
            throw error
        }
    }

    private func acquire() async throws -> Box {
        enum Next { case box(Box), open, wait }
        let next: Next = state.withLock { s in
            if let b = s.idle.popLast() { return .box(b) }
            if s.open < maxConnections { s.open += 1; return .open }
            return .wait
        }
        switch next {
        case .box(let b): return b
        case .open:
            do {
                let conninfo = self.conninfo
                return try await NIOThreadPool.singleton.runIfActive { Box(try NodeStore(conninfo: conninfo)) }
            } catch {
                state.withLock { $0.open -= 1 }
                throw error
            }
        case .wait:
            return try await withCheckedThrowingContinuation { c in
                let immediate: Box? = state.withLock { s in
                    if let b = s.idle.popLast() { return b }
                    s.waiters.append(c)
                    return nil
                }
                if let immediate { c.resume(returning: immediate) }
            }
        }
    }

    private func release(_ box: Box, healthy: Bool) {
        if healthy {
            let waiter: CheckedContinuation<Box, any Error>? = state.withLock { s in
                if !s.waiters.isEmpty { return s.waiters.removeFirst() }
                s.idle.append(box)
                return nil
            }
            waiter?.resume(returning: box)
        } else {
            // Drop a broken connection; a waiter (if any) opens a new one.
            let waiter: CheckedContinuation<Box, any Error>? = state.withLock { s in
                s.open -= 1
                return s.waiters.isEmpty ? nil : s.waiters.removeFirst()
            }
            if let waiter {
                Task {
                    do {
                        let conninfo = self.conninfo
                        let b = try await NIOThreadPool.singleton.runIfActive { Box(try NodeStore(conninfo: conninfo)) }
                        self.state.withLock { $0.open += 1 }
                        waiter.resume(returning: b)
                    } catch {
                        waiter.resume(throwing: error)
                    }
                }
            }
        }
    }
}

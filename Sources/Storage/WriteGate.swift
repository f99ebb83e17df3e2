import Foundation

/// One writer at a time, first come first served. SQLite has one write lock per file; writers that meet it
/// inside SQLite wait in its busy handler, asleep on a thread-pool thread, and can starve the very writer that
/// holds the lock (the pool is small). Queued here instead, they wait without a thread, and `BEGIN IMMEDIATE`
/// then finds the lock free. A waiter gives up after `timeout` (503 upstream) or when its task is cancelled.
actor WriteGate {
    private var held = false
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID = 0
    private let timeout: Duration

    /// True inside a task that holds a gate: nested writes of one operation must not wait for themselves.
    @TaskLocal static var holding = false

    init(timeout: Duration = .seconds(10)) { self.timeout = timeout }

    /// Runs `body` holding the gate.
    nonisolated func withGate<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if Self.holding { return try await body() }
        try await acquire()
        do {
            let result = try await Self.$holding.withValue(true) { try await body() }
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    private func acquire() async throws {
        if !held {
            held = true
            return
        }
        let id = nextID
        nextID += 1
        let timeout = self.timeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.drop(id, StorageError.unavailable("the database is busy: no write slot free in time"))
        }
        defer { timer.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.drop(id, CancellationError()) }
        }
    }

    private func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }

    private func drop(_ id: Int, _ error: any Error) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: error)
    }
}

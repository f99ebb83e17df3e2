import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// One open database connection as the pool sees it.
protocol PooledConnection: Sendable {
    var sql: any SQLDatabase { get }
    var isClosed: Bool { get }
    func close() async
}

struct SQLitePooledConnection: PooledConnection {
    let connection: SQLiteConnection
    var sql: any SQLDatabase { connection.sql() }
    var isClosed: Bool { connection.isClosed }
    /// Closes through the future-based API: the async one gives up when the calling task is cancelled (as at
    /// shutdown), which would leave the handle open and trip SQLiteNIO's deinit assertion.
    func close() async {
        let closing: EventLoopFuture<Void> = connection.close()
        try? await closing.get()
    }
}

struct PostgresPooledConnection: PooledConnection {
    let connection: PostgresConnection
    let logger: Logger
    var sql: any SQLDatabase { connection.sql(queryLogLevel: nil, logger: logger) }
    var isClosed: Bool { connection.isClosed }
    func close() async { try? await connection.close() }
}

/// A small bounded pool: connections are opened lazily up to `maximum`, callers beyond that wait
/// (up to `acquireTimeout`, then `StorageError.unavailable`, so an exhausted pool answers 503 instead of hanging).
actor ConnectionPool {
    private let open: @Sendable () async throws -> any PooledConnection
    private let maximum: Int
    private let acquireTimeout: Duration
    private var idle: [any PooledConnection] = []
    private var openCount = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<any PooledConnection, any Error>)] = []
    private var nextWaiterID = 0
    private var isShutDown = false

    init(
        maximum: Int, acquireTimeout: Duration = .seconds(10),
        open: @escaping @Sendable () async throws -> any PooledConnection
    ) {
        self.maximum = max(1, maximum)
        self.acquireTimeout = acquireTimeout
        self.open = open
    }

    func acquire() async throws -> any PooledConnection {
        guard !isShutDown else { throw StorageError.unavailable("database pool is shut down") }
        while let connection = idle.popLast() {
            if !connection.isClosed { return connection }
            openCount -= 1
        }
        if openCount < maximum {
            openCount += 1
            let connection: any PooledConnection
            do {
                connection = try await open()
            } catch {
                openCount -= 1
                throw StorageError.unavailable("cannot connect to the database: \(String(reflecting: error))")
            }
            // The pool may have shut down while the connection was opening.
            if isShutDown {
                openCount -= 1
                await connection.close()
                throw StorageError.unavailable("database pool is shut down")
            }
            return connection
        }
        let id = nextWaiterID
        nextWaiterID += 1
        let timeout = acquireTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.expire(waiter: id)
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            waiters.append((id, continuation))
        }
    }

    private func expire(waiter id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        waiter.continuation.resume(throwing: StorageError.unavailable("no database connection free in time"))
    }

    func release(_ connection: any PooledConnection) async {
        if connection.isClosed || isShutDown {
            openCount -= 1
            if isShutDown { await connection.close() }
            // A broken connection frees a slot: let a waiter open a fresh one.
            if !waiters.isEmpty, !isShutDown {
                let waiter = waiters.removeFirst()
                openCount += 1
                do {
                    waiter.continuation.resume(returning: try await open())
                } catch {
                    openCount -= 1
                    waiter.continuation.resume(throwing: StorageError.unavailable("cannot connect to the database"))
                }
            }
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: connection)
        } else {
            idle.append(connection)
        }
    }

    /// Connections open now, idle or in use.
    var openConnections: Int { openCount }

    func shutdown() async {
        isShutDown = true
        for waiter in waiters {
            waiter.continuation.resume(throwing: StorageError.unavailable("database pool is shut down"))
        }
        waiters.removeAll()
        let connections = idle
        idle.removeAll()
        for connection in connections { await connection.close() }
        openCount -= connections.count
    }
}

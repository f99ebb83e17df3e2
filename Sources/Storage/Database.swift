import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// Where the data lives.
public enum DatabaseLocation: Sendable, Equatable {
    /// An SQLite file (created if missing), WAL mode.
    case sqliteFile(path: String)
    /// A private in-memory SQLite database (one connection; for tests).
    case sqliteMemory
    /// A PostgreSQL server, `postgres://user:pass@host:port/db`.
    case postgres(url: String)
}

/// The SQL dialect in use; only migrations and a few statements care.
public enum SQLDialectKind: String, Sendable {
    case sqlite
    case postgres
}

/// A pooled connection to SQLite or PostgreSQL, the only way the rest of Storage reaches SQL.
public final class Database: Sendable {
    public let dialect: SQLDialectKind
    let pool: ConnectionPool
    let logger: Logger
    /// SQLite only: writes queue here, one at a time (see `WriteGate`).
    let writeGate: WriteGate?
    /// SQLite only: the threads its blocking calls run on, one per connection and one spare, shared with
    /// nothing else (bcrypt has its own), so a slow neighbour can never hold up the connection that has the lock.
    let threadPool: NIOThreadPool?

    /// Opens (lazily) a pool for `location`. Nothing connects until the first query.
    public init(location: DatabaseLocation, maxConnections: Int = 8, logger: Logger) throws {
        self.logger = logger
        switch location {
        case .sqliteFile(let path):
            self.dialect = .sqlite
            let storage = SQLiteConnection.Storage.file(path: path)
            let threads = NIOThreadPool(numberOfThreads: max(1, maxConnections) + 1)
            threads.start()
            self.threadPool = threads
            self.writeGate = WriteGate()
            self.pool = ConnectionPool(maximum: maxConnections) {
                let connection = try await SQLiteConnection.open(
                    storage: storage, threadPool: threads, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
                return try await Self.configured(connection, pragmas: [
                    "PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 10000", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL",
                ])
            }
        case .sqliteMemory:
            self.dialect = .sqlite
            self.threadPool = nil
            self.writeGate = WriteGate()
            self.pool = ConnectionPool(maximum: 1) {
                let connection = try await SQLiteConnection.open(storage: .memory, logger: logger)
                return try await Self.configured(connection, pragmas: ["PRAGMA foreign_keys = ON"])
            }
        case .postgres(let url):
            self.dialect = .postgres
            self.threadPool = nil
            self.writeGate = nil
            let configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
            self.pool = ConnectionPool(maximum: maxConnections) {
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(),
                    configuration: configuration,
                    id: Int.random(in: 0..<Int.max),
                    logger: logger
                )
                return PostgresPooledConnection(connection: connection, logger: logger)
            }
        }
    }

    /// Applies `pragmas`; a connection that fails them is closed, never dropped open (SQLiteNIO traps on that).
    static func configured(_ connection: SQLiteConnection, pragmas: [String]) async throws -> SQLitePooledConnection {
        do {
            for pragma in pragmas { try await connection.sql().raw("\(unsafeRaw: pragma)").run() }
            return SQLitePooledConnection(connection: connection)
        } catch {
            let closing: EventLoopFuture<Void> = connection.close()
            try? await closing.get()
            throw error
        }
    }

    /// Runs `body` with one connection (statements run in autocommit mode).
    public func withConnection<T: Sendable>(
        _ body: (any SQLDatabase) async throws -> T
    ) async throws -> T {
        let connection = try await pool.acquire()
        do {
            let result = try await body(connection.sql)
            await pool.release(connection)
            return result
        } catch {
            await pool.release(connection)
            throw Self.translate(error)
        }
    }

    /// Runs statements that write, in autocommit mode; on SQLite they wait their turn among writers first.
    public func write<T: Sendable>(
        _ body: (any SQLDatabase) async throws -> T
    ) async throws -> T {
        guard let writeGate else { return try await withConnection(body) }
        return try await writeGate.withGate { try await withConnection(body) }
    }

    /// Runs `body` inside one transaction: committed when it returns, rolled back when it throws. On SQLite the
    /// transaction waits its turn among writers, then takes the write lock at once (`BEGIN IMMEDIATE`).
    public func transaction<T: Sendable>(
        _ body: (any SQLDatabase) async throws -> T
    ) async throws -> T {
        guard let writeGate else { return try await openTransaction(body) }
        return try await writeGate.withGate { try await openTransaction(body) }
    }

    private func openTransaction<T: Sendable>(
        _ body: (any SQLDatabase) async throws -> T
    ) async throws -> T {
        let connection = try await pool.acquire()
        let sql = connection.sql
        do {
            try await sql.raw(dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
        } catch {
            await pool.release(connection)
            throw Self.translate(error)
        }
        do {
            let result = try await body(sql)
            try await sql.raw("COMMIT").run()
            await pool.release(connection)
            return result
        } catch {
            try? await sql.raw("ROLLBACK").run()
            await pool.release(connection)
            throw Self.translate(error)
        }
    }

    /// Throws `StorageError.unavailable` when the database cannot answer a trivial query.
    public func ping() async throws {
        try await withConnection { sql in
            _ = try await sql.raw("SELECT 1 AS one").all()
        }
    }

    /// Closes every idle connection; later calls fail with `.unavailable`.
    public func close() async {
        // Detached so that a cancelled caller (a service stopping) still closes every connection.
        let pool = self.pool
        let threads = threadPool
        await Task.detached {
            await pool.shutdown()
            guard let threads else { return }
            // Connections still in use close when released, on these threads: give them a moment first.
            for _ in 0..<100 where await pool.openConnections > 0 { try? await Task.sleep(for: .milliseconds(20)) }
            try? await threads.shutdownGracefully()
        }.value
    }

    static func translate(_ error: any Error) -> any Error {
        if error is StorageError { return error }
        if StorageError.isUniqueViolation(error) { return StorageError.conflict(String(describing: error)) }
        if StorageError.isConnectionFailure(error) { return StorageError.unavailable(String(describing: error)) }
        return error
    }
}

extension SQLRow {
    /// Decodes a UUID stored as text.
    func uuid(_ column: String) throws -> UUID {
        let text = try decode(column: column, as: String.self)
        guard let id = UUID(uuidString: text) else { throw StorageError.corrupt("\(column) is not a UUID") }
        return id
    }

    func optionalUUID(_ column: String) throws -> UUID? {
        guard let text = try decode(column: column, as: String?.self) else { return nil }
        return UUID(uuidString: text)
    }

    /// Decodes a timestamp stored as seconds since 1970 (both dialects store it that way).
    func date(_ column: String) throws -> Date {
        Date(timeIntervalSince1970: try decode(column: column, as: Double.self))
    }

    func optionalDate(_ column: String) throws -> Date? {
        try decode(column: column, as: Double?.self).map(Date.init(timeIntervalSince1970:))
    }
}

extension UUID {
    /// The canonical lower-case text form stored in the database.
    var dbValue: String { uuidString.lowercased() }
}

extension Date {
    /// Seconds since 1970, the stored form of every timestamp.
    var dbValue: Double { timeIntervalSince1970 }
}

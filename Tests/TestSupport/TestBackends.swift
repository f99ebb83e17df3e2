import Foundation
import Logging
import NIOPosix
import PostgresKit
import Storage

/// The databases a storage or server test runs against: SQLite always, PostgreSQL when
/// `SPENDSENSE_TEST_POSTGRES_URL` is set (CI sets it; there a missing URL fails `backendsAreConfigured`).
public enum TestBackend: String, Sendable, CustomStringConvertible, CaseIterable {
    case sqlite
    case postgres

    public var description: String { rawValue }

    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["SPENDSENSE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The backends available here.
    public static var available: [TestBackend] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    /// True when running under CI (`CI=true`), where every backend must be present.
    public static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"].map { $0 == "true" || $0 == "1" } ?? false
    }
}

/// The key-value stores a test runs against: memory always, Redis when `SPENDSENSE_TEST_REDIS_URL` is set (CI sets
/// it, and there a missing URL is a failure).
public enum TestKeyValue: String, Sendable, CustomStringConvertible, CaseIterable {
    case memory
    case redis

    public var description: String { rawValue }

    public static var redisURL: URL? {
        ProcessInfo.processInfo.environment["SPENDSENSE_TEST_REDIS_URL"].flatMap { $0.isEmpty ? nil : URL(string: $0) }
    }

    public static var available: [TestKeyValue] { redisURL == nil ? [.memory] : [.memory, .redis] }

    /// A store of its own: Redis keys get a prefix no other test uses.
    public func make() throws -> any KeyValueStore {
        switch self {
        case .memory: return MemoryKeyValueStore()
        case .redis: return try RedisKeyValueStore(url: Self.redisURL!, prefix: "test-\(UUID().uuidString.prefix(8)):")
        }
    }
}

/// A fresh, empty database for one test; `drop()` removes it (PostgreSQL) when the test is done.
public struct ScratchDatabase: Sendable {
    public let location: DatabaseLocation
    let name: String?
    let adminURL: String?

    public static func make(_ backend: TestBackend) async throws -> ScratchDatabase {
        switch backend {
        case .sqlite:
            return ScratchDatabase(location: .sqliteMemory, name: nil, adminURL: nil)
        case .postgres:
            guard let adminURL = TestBackend.postgresURL else {
                throw ScratchError("SPENDSENSE_TEST_POSTGRES_URL is not set")
            }
            let name = "spendsense_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
            try await withAdminConnection(adminURL) { sql in
                try await sql.raw("CREATE DATABASE \(ident: name)").run()
            }
            guard var components = URLComponents(string: adminURL) else { throw ScratchError("bad URL \(adminURL)") }
            components.path = "/" + name
            guard let url = components.string else { throw ScratchError("bad URL \(adminURL)") }
            return ScratchDatabase(location: .postgres(url: url), name: name, adminURL: adminURL)
        }
    }

    public func drop() async {
        guard let name, let adminURL else { return }
        try? await Self.withAdminConnection(adminURL) { sql in
            try await sql.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
        }
    }

    static func withAdminConnection(_ url: String, _ body: (any SQLDatabase) async throws -> Void) async throws {
        let configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0,
            logger: Logger(label: "test.admin"))
        do {
            try await body(connection.sql())
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

public struct ScratchError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A logger that drops everything below `warning` (tests stay quiet unless something is wrong).
public func quietLogger(_ label: String = "test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

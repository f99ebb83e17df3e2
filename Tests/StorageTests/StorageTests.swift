import Synchronization
import Foundation
import Models
import Storage
import TestSupport
import Testing

/// Opens a migrated scratch database for one test and closes (and drops) it afterwards.
func withDatabase(_ backend: TestBackend, _ body: (Database) async throws -> Void) async throws {
    let scratch = try await ScratchDatabase.make(backend)
    let database = try Database(location: scratch.location, maxConnections: 2, logger: quietLogger())
    do {
        try await database.migrate()
        try await body(database)
    } catch {
        await database.close()
        await scratch.drop()
        throw error
    }
    await database.close()
    await scratch.drop()
}

@Suite("Storage")
struct StorageTests {
    @Test("every backend is configured under CI")
    func backendsAreConfigured() {
        if TestBackend.isCI {
            #expect(TestBackend.postgresURL != nil, "CI must set SPENDSENSE_TEST_POSTGRES_URL")
            #expect(TestKeyValue.redisURL != nil, "CI must set SPENDSENSE_TEST_REDIS_URL")
        }
    }

    @Test("migrations apply once and record their version", arguments: TestBackend.available)
    func migrationsAreIdempotent(backend: TestBackend) async throws {
        try await withDatabase(backend) { database async throws in
            #expect(try await database.schemaVersion() == Database.latestSchemaVersion)
            #expect(try await database.migrate() == [])
            #expect(try await database.schemaVersion() == Database.latestSchemaVersion)
            #expect(Database.latestSchemaVersion >= 2)
        }
    }

    @Test("users: create, find, update, conflicts", arguments: TestBackend.available)
    func users(backend: TestBackend) async throws {
        try await withDatabase(backend) { database async throws in
            let users = SQLUserRepository(database: database)
            let now = Date(timeIntervalSince1970: 1_700_000_000)
            let alice = try await users.create(email: "alice@example.com", passwordHash: "h", role: .user, name: "Alice", now: now)
            #expect(alice.user.email == "alice@example.com")
            #expect(alice.user.createdAt == now)
            #expect(try await users.find(email: "alice@example.com")?.id == alice.id)
            #expect(try await users.find(id: alice.id)?.user.name == "Alice")

            await #expect(throws: StorageError.self) {
                _ = try await users.create(email: "alice@example.com", passwordHash: "h", role: .user, name: nil, now: now)
            }

            let updated = try await users.update(
                id: alice.id, changes: UserChanges(name: .some("Alice B"), phoneNumber: .some("+15551234567"), monthlyIncome: .some(4200.5)),
                now: now.addingTimeInterval(10))
            #expect(updated.user.name == "Alice B")
            #expect(updated.user.phoneNumber == "+15551234567")
            #expect(updated.user.monthlyIncome == 4200.5)
            #expect(updated.user.updatedAt == now.addingTimeInterval(10))

            let bob = try await users.create(email: "bob@example.com", passwordHash: "h", role: .operator, name: nil, now: now)
            await #expect(throws: StorageError.self) {
                _ = try await users.update(id: bob.id, changes: UserChanges(phoneNumber: .some("+15551234567")), now: now)
            }
            // Clearing a field writes NULL.
            let cleared = try await users.update(id: alice.id, changes: UserChanges(name: .some(nil)), now: now)
            #expect(cleared.user.name == nil)

            #expect(try await users.setRole(id: bob.id, role: .admin, now: now).user.role == .admin)
            let page = try await users.list(skip: 0, limit: 1)
            #expect(page.total == 2)
            #expect(page.items.count == 1)
            #expect(page.hasMore)
        }
    }

    @Test("refresh tokens rotate; reusing one revokes the session", arguments: TestBackend.available)
    func refreshRotation(backend: TestBackend) async throws {
        try await withDatabase(backend) { database async throws in
            let users = SQLUserRepository(database: database)
            let sessions = SQLSessionRepository(database: database)
            let now = Date()
            let user = try await users.create(email: "r@example.com", passwordHash: "h", role: .user, name: nil, now: now)
            let session = try await sessions.create(
                userID: user.id, tokenHash: "t1", userAgent: "test", ip: "127.0.0.1", now: now, lifetime: 3600)

            guard case .rotated(let rotated, _) = try await sessions.refresh(tokenHash: "t1", newTokenHash: "t2", now: now)
            else { Issue.record("first refresh must rotate"); return }
            #expect(rotated.id == session.id)

            // t1 again: reuse → the whole session is revoked, t2 dies with it.
            guard case .reused = try await sessions.refresh(tokenHash: "t1", newTokenHash: "t3", now: now) else {
                Issue.record("second use must be detected as reuse"); return
            }
            #expect(try await sessions.refresh(tokenHash: "t2", newTokenHash: "t4", now: now) == .invalid)
            let (stored, _) = try #require(try await sessions.authenticate(sessionID: session.id))
            #expect(stored.revokedReason == "refresh_token_reuse")
            #expect(!stored.isUsable(at: now))
            #expect(try await sessions.refresh(tokenHash: "unknown", newTokenHash: "t5", now: now) == .invalid)
        }
    }

    @Test("expired sessions do not refresh", arguments: TestBackend.available)
    func expiredSession(backend: TestBackend) async throws {
        try await withDatabase(backend) { database async throws in
            let users = SQLUserRepository(database: database)
            let sessions = SQLSessionRepository(database: database)
            let past = Date().addingTimeInterval(-7200)
            let user = try await users.create(email: "e@example.com", passwordHash: "h", role: .user, name: nil, now: past)
            _ = try await sessions.create(userID: user.id, tokenHash: "old", userAgent: nil, ip: nil, now: past, lifetime: 60)
            #expect(try await sessions.refresh(tokenHash: "old", newTokenHash: "new", now: Date()) == .invalid)
        }
    }

    @Test("soft delete frees the email and revokes every session", arguments: TestBackend.available)
    func softDelete(backend: TestBackend) async throws {
        try await withDatabase(backend) { database async throws in
            let users = SQLUserRepository(database: database)
            let sessions = SQLSessionRepository(database: database)
            let now = Date()
            let user = try await users.create(email: "d@example.com", passwordHash: "h", role: .user, name: nil, now: now)
            let one = try await sessions.create(userID: user.id, tokenHash: "a", userAgent: nil, ip: nil, now: now, lifetime: 60)
            let two = try await sessions.create(userID: user.id, tokenHash: "b", userAgent: nil, ip: nil, now: now, lifetime: 60)
            try await users.softDelete(id: user.id, now: now)
            #expect(try await users.find(id: user.id) == nil)
            #expect(try await users.find(email: "d@example.com") == nil)
            for id in [one.id, two.id] {
                let (session, record) = try #require(try await sessions.authenticate(sessionID: id))
                #expect(session.revokedAt != nil)
                #expect(record.deletedAt != nil)
            }
            await #expect(throws: StorageError.notFound) { try await users.softDelete(id: user.id, now: now) }
            // The email can be registered again.
            _ = try await users.create(email: "d@example.com", passwordHash: "h", role: .user, name: nil, now: now)
        }
    }

    @Test("audit log records and filters", arguments: TestBackend.available)
    func auditLog(backend: TestBackend) async throws {
        try await withDatabase(backend) { database async throws in
            let audit = SQLAuditRepository(database: database)
            let actor = UUID()
            let base = Date(timeIntervalSince1970: 1_700_000_000)
            try await audit.record(AuditEntry(at: base, actorID: actor, action: "auth.login", details: ["k": "v"]))
            try await audit.record(AuditEntry(at: base.addingTimeInterval(1), actorID: nil, action: "auth.login", outcome: "failure"))
            try await audit.record(AuditEntry(at: base.addingTimeInterval(2), actorID: actor, action: "auth.logout"))
            let all = try await audit.list(filter: AuditFilter(), skip: 0, limit: 10)
            #expect(all.total == 3)
            #expect(all.items.map(\.action) == ["auth.logout", "auth.login", "auth.login"])
            let failures = try await audit.list(filter: AuditFilter(outcome: "failure"), skip: 0, limit: 10)
            #expect(failures.items.count == 1)
            let mine = try await audit.list(filter: AuditFilter(actorID: actor, action: "auth.login"), skip: 0, limit: 10)
            #expect(mine.items.first?.details == ["k": "v"])
        }
    }

    @Test("a closed database reports unavailable", arguments: TestBackend.available)
    func closedDatabase(backend: TestBackend) async throws {
        let scratch = try await ScratchDatabase.make(backend)
        let database = try Database(location: scratch.location, maxConnections: 1, logger: quietLogger())
        try await database.ping()
        await database.close()
        await #expect(throws: StorageError.self) { try await database.ping() }
        await scratch.drop()
    }

    @Test("an unreachable PostgreSQL server is unavailable, not a crash")
    func unreachablePostgres() async throws {
        let database = try Database(
            location: .postgres(url: "postgres://nobody:x@127.0.0.1:1/none"), maxConnections: 1, logger: quietLogger())
        await #expect(throws: StorageError.self) { try await database.ping() }
        await database.close()
    }
}

@Suite("In-memory key-value store with a clock")
struct MemoryKeyValueClockTests {
    final class Clock: Sendable {
        let value = Mutex(Date(timeIntervalSince1970: 0))
        func advance(_ seconds: TimeInterval) { value.withLock { $0 += seconds } }
        func now() -> Date { value.withLock { $0 } }
    }

    @Test func expiryAndCounters() async throws {
        let clock = Clock()
        let store: any KeyValueStore = MemoryKeyValueStore(now: { clock.now() })
        try await store.set("a", value: "1", ttl: 10)
        #expect(try await store.get("a") == "1")
        #expect(try await store.increment("n", by: 1, ttl: 60) == 1)
        #expect(try await store.increment("n", by: 2, ttl: 60) == 3)
        #expect(try await store.ttl("n") == 60)
        clock.advance(11)
        #expect(try await store.get("a") == nil)
        #expect(try await store.ttl("n") == 49)
        clock.advance(50)
        #expect(try await store.increment("n", by: 1, ttl: 60) == 1)
        try await store.delete("n")
        #expect(try await store.get("n") == nil)
    }
}

@Suite("Migrations with several instances")
struct ConcurrentMigrationTests {
    @Test(
        "three instances migrating one empty PostgreSQL database at once: all succeed, each migration applies once",
        .enabled(if: TestBackend.postgresURL != nil || TestBackend.isCI))
    func threeAtOnce() async throws {
        let scratch = try await ScratchDatabase.make(.postgres)
        let databases = try (0..<3).map { _ in try Database(location: scratch.location, maxConnections: 2, logger: quietLogger()) }
        do {
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for database in databases { group.addTask { try await database.migrate() } }
                var all: [[Int]] = []
                for try await versions in group { all.append(versions) }
                return all
            }
            #expect(applied.flatMap { $0 }.sorted() == Array(1...Database.latestSchemaVersion))
            #expect(applied.filter { !$0.isEmpty }.count == 1)
            for database in databases { #expect(try await database.schemaVersion() == Database.latestSchemaVersion) }
        } catch {
            for database in databases { await database.close() }
            await scratch.drop()
            throw error
        }
        for database in databases { await database.close() }
        await scratch.drop()
    }
}

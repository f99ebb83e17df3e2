import Foundation
import Synchronization
import NIOCore
import NIOPosix
@testable import Storage
import TestSupport
import Testing

/// One contract for every key-value store: the in-memory one and Redis (when configured).
@Suite("Key-value stores")
struct KeyValueStoreTests {
    @Test("get, set with expiry, delete, take once", arguments: TestKeyValue.available)
    func basics(kind: TestKeyValue) async throws {
        let store = try kind.make()
        #expect(try await store.get("missing") == nil)
        try await store.set("a", value: "1", ttl: nil)
        #expect(try await store.get("a") == "1")
        #expect(try await store.ttl("a") == nil)
        try await store.set("long", value: "stays", ttl: 30)
        let left = try #require(try await store.ttl("long"))
        #expect(left > 20 && left <= 30)
        // Expiry is checked only after the time has passed (a loaded machine may take long between calls).
        try await store.set("short", value: "soon gone", ttl: 0.2)
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await store.get("short") == nil)
        try await store.delete("a")
        #expect(try await store.get("a") == nil)
        // Unicode and separators survive the trip.
        try await store.set("state:åäö", value: "line one\r\nline two ✓", ttl: 60)
        #expect(try await store.get("state:åäö") == "line one\r\nline two ✓")
        #expect(try await store.take("state:åäö") == "line one\r\nline two ✓")
        #expect(try await store.take("state:åäö") == nil)
        #expect(await store.ping())
    }

    @Test("counters start their window once; hit returns the count and the time left", arguments: TestKeyValue.available)
    func counters(kind: TestKeyValue) async throws {
        let store = try kind.make()
        #expect(try await store.increment("c", by: 1, ttl: 60) == 1)
        #expect(try await store.increment("c", by: 2, ttl: 1) == 3)
        // The second call's shorter TTL did not restart the window.
        #expect(try #require(try await store.ttl("c")) > 50)
        let first = try await store.hit("h", window: 30)
        #expect(first.count == 1 && first.expiresIn > 29 && first.expiresIn <= 30)
        let second = try await store.hit("h", window: 30)
        #expect(second.count == 2 && second.expiresIn <= first.expiresIn)
    }

    @Test("concurrent increments are all counted and a one-time value is taken once", arguments: TestKeyValue.available)
    func concurrency(kind: TestKeyValue) async throws {
        let store = try kind.make()
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 { group.addTask { try await store.increment("n", by: 1, ttl: 60) } }
            return try await group.reduce(0) { max($0, $1) }
        }
        #expect(total == 100)
        try await store.set("once", value: "x", ttl: 60)
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 { group.addTask { try await store.take("once") != nil } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
    }

    @Test("the database number in the URL is selected; concurrent first calls share one connection")
    func selectDatabase() async throws {
        guard let url = TestKeyValue.redisURL, var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return }
        components.path = "/3"
        let prefix = "test-\(UUID().uuidString.prefix(8)):"
        let three = try RedisKeyValueStore(url: try #require(components.url), prefix: prefix)
        components.path = "/0"
        let zero = try RedisKeyValueStore(url: try #require(components.url), prefix: prefix)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 { group.addTask { try await three.set("k\(index)", value: "in three", ttl: 60) } }
            try await group.waitForAll()
        }
        #expect(try await three.get("k7") == "in three")
        #expect(try await zero.get("k7") == nil)
        let clients = try await three.client.run(["CLIENT", "LIST"]).text ?? ""
        #expect(clients.split(separator: "\n").filter { $0.contains("db=3") }.count == 1)
        await three.close()
        await zero.close()
    }

    @Test("RESP replies are decoded whole or not at all")
    func respParsing() throws {
        var buffer = ByteBuffer(string: "*3\r\n:7\r\n$5\r\nhello\r\n$-1\r\n+OK\r\n-ERR no\r\n")
        #expect(try RESPDecoder.parse(&buffer) == .array([.integer(7), .bulk("hello"), .bulk(nil)]))
        #expect(try RESPDecoder.parse(&buffer) == .simple("OK"))
        #expect(try RESPDecoder.parse(&buffer) == .error("ERR no"))
        #expect(try RESPDecoder.parse(&buffer) == nil)
        // Split mid-bulk: nothing is consumed until the rest arrives.
        var partial = ByteBuffer(string: "$10\r\nhello")
        #expect(try RESPDecoder.parse(&partial) == nil)
        #expect(partial.readableBytes == 10)
        partial.writeString("world\r\n")
        #expect(try RESPDecoder.parse(&partial) == .bulk("helloworld"))
        var bad = ByteBuffer(string: "?what\r\n")
        #expect(throws: RedisError.self) { try RESPDecoder.parse(&bad) }
    }

    /// Accepts connections and reads, never answers.
    final class SilentHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
    }

    @Test("a Redis that accepts but never answers: each command fails after its timeout instead of hanging")
    func silentServer() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.pipeline.addHandler(SilentHandler()) }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let store = try RedisKeyValueStore(url: URL(string: "redis://127.0.0.1:\(port)/0")!, commandTimeout: .milliseconds(300))
        await #expect(throws: StorageError.self) { _ = try await store.get("x") }
        // The next command opens a new connection and meets the same silence: again an error, not a hang.
        await #expect(throws: StorageError.self) { _ = try await store.get("y") }
        #expect(await !store.ping())
        try await server.close()
    }

    @Test("an unreachable Redis is 'unavailable', never a crash")
    func unreachable() async throws {
        let store = try RedisKeyValueStore(url: URL(string: "redis://127.0.0.1:1/0")!)
        #expect(await !store.ping())
        await #expect(throws: StorageError.self) { _ = try await store.get("x") }
        #expect(throws: RedisError.self) { _ = try RedisKeyValueStore(url: URL(string: "http://127.0.0.1:6379")!) }
    }
}

/// Issue 13, fault 5: a dropped connection never makes a counter count twice.
@Suite("Redis client: retries")
struct RedisRetryTests {
    /// Counts the commands it receives and closes the connection after each, without answering.
    final class Dropper: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let counter: Counter
        init(counter: Counter) { self.counter = counter }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            counter.value.withLock { $0 += 1 }
            context.close(promise: nil)
        }
    }

    final class Counter: Sendable {
        let value = Mutex(0)
    }

    @Test("a command cut off mid-flight is sent again only when it is idempotent")
    func onlyIdempotentRetries() async throws {
        let counter = Counter()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.pipeline.addHandler(Dropper(counter: counter)) }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let client = try RedisClient(url: URL(string: "redis://127.0.0.1:\(port)/0")!, commandTimeout: .seconds(2))
        await #expect(throws: (any Error).self) { _ = try await client.run(["GET", "k"]) }
        #expect(counter.value.withLock { $0 } == 2)  // sent, dropped, sent again, dropped
        counter.value.withLock { $0 = 0 }
        await #expect(throws: (any Error).self) { _ = try await client.run(["EVAL", RedisKeyValueStore.incrementScript, "1", "k", "1", "1000"]) }
        #expect(counter.value.withLock { $0 } == 1)  // never twice
        counter.value.withLock { $0 = 0 }
        await #expect(throws: (any Error).self) { _ = try await client.run(["GETDEL", "k"]) }
        #expect(counter.value.withLock { $0 } == 1)
        await client.close()
        try await server.close()
    }
}

import Foundation
import Models
import NIOCore
import NIOPosix

/// A reply in the Redis protocol (RESP2).
public enum RESPValue: Sendable, Equatable {
    case simple(String)
    case error(String)
    case integer(Int)
    case bulk(String?)
    case array([RESPValue]?)

    var text: String? {
        switch self {
        case .simple(let text): text
        case .bulk(let text): text
        case .integer(let value): String(value)
        default: nil
        }
    }
}

/// Failures of the Redis client.
public enum RedisError: Error, Equatable, CustomStringConvertible {
    case server(String)
    case protocolViolation(String)
    case connectionClosed
    case badURL(String)
    /// No reply within the command timeout; the connection was closed.
    case timeout

    public var description: String {
        switch self {
        case .server(let message): "redis: \(message)"
        case .protocolViolation(let why): "redis protocol: \(why)"
        case .connectionClosed: "redis connection closed"
        case .badURL(let url): "not a redis:// URL: \(url)"
        case .timeout: "redis did not answer in time"
        }
    }
}

/// Turns bytes into replies. A reply split across reads waits for the rest (`needMoreData`).
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var view = buffer
        guard let value = try Self.parse(&view) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: view.readerIndex - buffer.readerIndex)
        context.fireChannelRead(wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// One value from the front of `buffer`, or nil when it is not all there yet (the buffer is then unchanged).
    static func parse(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        var copy = buffer
        guard let type = copy.readInteger(as: UInt8.self), let line = readLine(&copy) else { return nil }
        let value: RESPValue
        switch type {
        case UInt8(ascii: "+"): value = .simple(line)
        case UInt8(ascii: "-"): value = .error(line)
        case UInt8(ascii: ":"):
            guard let number = Int(line) else { throw RedisError.protocolViolation("integer \(line)") }
            value = .integer(number)
        case UInt8(ascii: "$"):
            guard let length = Int(line) else { throw RedisError.protocolViolation("bulk length \(line)") }
            if length < 0 {
                value = .bulk(nil)
            } else {
                guard copy.readableBytes >= length + 2, let text = copy.readString(length: length) else { return nil }
                copy.moveReaderIndex(forwardBy: 2)
                value = .bulk(text)
            }
        case UInt8(ascii: "*"):
            guard let count = Int(line) else { throw RedisError.protocolViolation("array length \(line)") }
            if count < 0 {
                value = .array(nil)
            } else {
                var items: [RESPValue] = []
                items.reserveCapacity(count)
                for _ in 0..<count {
                    guard let item = try parse(&copy) else { return nil }
                    items.append(item)
                }
                value = .array(items)
            }
        default:
            throw RedisError.protocolViolation("reply type \(type)")
        }
        buffer = copy
        return value
    }

    private static func readLine(_ buffer: inout ByteBuffer) -> String? {
        guard let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\r")),
            end + 1 < buffer.writerIndex, buffer.getInteger(at: end + 1, as: UInt8.self) == UInt8(ascii: "\n")
        else { return nil }
        let line = buffer.readString(length: end - buffer.readerIndex)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// A command as a RESP array of bulk strings.
    static func encode(_ arguments: [String], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.utf8.count)\r\n")
            buffer.writeString(argument)
            buffer.writeString("\r\n")
        }
    }
}

/// A command on its way out and the promise its reply fulfils.
struct RedisRequest: Sendable {
    var bytes: ByteBuffer
    var reply: EventLoopPromise<RESPValue>
}

/// Pipelining: requests go out as they come, replies arrive in the same order and fulfil the oldest promise.
/// A reply later than `timeout` closes the connection (every waiting command then fails, and the next one
/// reconnects); an `IdleStateHandler` in front provides the clock.
final class RedisHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<(promise: EventLoopPromise<RESPValue>, sent: NIODeadline)>()
    private let timeout: TimeAmount

    init(timeout: TimeAmount) { self.timeout = timeout }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        waiting.append((request.reply, .now()))
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case IdleStateHandler.IdleStateEvent.read = event, let oldest = waiting.first, NIODeadline.now() - oldest.sent > timeout {
            failAll(RedisError.timeout)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        guard let (promise, _) = waiting.popFirst() else { return }
        if case .error(let message) = value {
            promise.fail(RedisError.server(message))
        } else {
            promise.succeed(value)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError.connectionClosed)
        context.fireChannelInactive()
    }

    private func failAll(_ error: any Error) {
        while let (promise, _) = waiting.popFirst() { promise.fail(error) }
    }
}

/// A small Redis client: one pipelined connection, opened on first use and again after it drops, with `AUTH` and
/// `SELECT` from the URL (`redis://[:password@]host[:port][/db]`). No Swift Redis package is available here, so
/// this is our own, tested against a real `redis-server`.
public actor RedisClient {
    let host: String
    let port: Int
    let password: String?
    let database: Int
    let group: any EventLoopGroup
    /// How long a command may wait for its reply.
    let commandTimeout: TimeAmount
    private var channel: (any Channel)?
    /// The connection being opened: callers that arrive meanwhile wait for it instead of opening their own.
    private var opening: Task<any Channel, any Error>?

    public init(url: URL, commandTimeout: TimeAmount = .seconds(5), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        guard url.scheme == "redis", let host = url.host, !host.isEmpty else { throw RedisError.badURL(url.absoluteString) }
        self.host = host
        self.port = url.port ?? 6379
        self.password = url.password.flatMap { $0.removingPercentEncoding ?? $0 }
        let path = url.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard path.isEmpty || Int(path) != nil else { throw RedisError.badURL(url.absoluteString) }
        self.database = Int(path) ?? 0
        self.group = group
        self.commandTimeout = commandTimeout
    }

    private func connection() async throws -> any Channel {
        if let channel, channel.isActive { return channel }
        if let opening { return try await opening.value }
        let task = Task { try await self.open() }
        opening = task
        defer { opening = nil }
        let channel = try await task.value
        self.channel = channel
        return channel
    }

    private func open() async throws -> any Channel {
        let timeout = commandTimeout
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(3))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // The idle events are the handler's clock for overdue replies.
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .milliseconds(min(1000, timeout.nanoseconds / 2_000_000))))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                    try channel.pipeline.syncOperations.addHandler(RedisHandler(timeout: timeout))
                }
            }
            .connect(host: host, port: port).get()
        if let password { _ = try await send(["AUTH", password], on: channel) }
        if database != 0 { _ = try await send(["SELECT", String(database)], on: channel) }
        return channel
    }

    private nonisolated func send(_ arguments: [String], on channel: any Channel) async throws -> RESPValue {
        var bytes = channel.allocator.buffer(capacity: 64)
        RESPDecoder.encode(arguments, into: &bytes)
        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        channel.writeAndFlush(RedisRequest(bytes: bytes, reply: reply), promise: nil)
        return try await reply.futureResult.get()
    }

    /// Commands that may run twice without changing the outcome. When a connection drops after a command was
    /// written, Redis may or may not have run it: only these are sent again (a counter script sent twice would
    /// count one request twice, a `GETDEL` would lose the value it took).
    static let idempotent: Set<String> = ["GET", "SET", "DEL", "PTTL", "PEXPIRE", "EXISTS", "PING", "AUTH", "SELECT"]

    /// Runs one command; after a dropped connection the next command opens a new one, and an idempotent command
    /// is sent again on it once.
    public func run(_ arguments: [String]) async throws -> RESPValue {
        do {
            return try await send(arguments, on: try await connection())
        } catch RedisError.connectionClosed {
            channel = nil
            guard let name = arguments.first?.uppercased(), Self.idempotent.contains(name) else { throw RedisError.connectionClosed }
            return try await send(arguments, on: try await connection())
        }
    }

    public func close() async {
        try? await channel?.close()
        channel = nil
    }
}

/// The key-value store on Redis, shared by every server instance (rate limits, one-time codes, OAuth state,
/// cached reads). Keys carry a prefix so one Redis can serve several deployments or test runs.
public struct RedisKeyValueStore: KeyValueStore {
    let client: RedisClient
    let prefix: String

    public init(url: URL, prefix: String = "spendsense:", commandTimeout: TimeAmount = .seconds(5)) throws {
        self.client = try RedisClient(url: url, commandTimeout: commandTimeout)
        self.prefix = prefix
    }

    /// Counts and starts the window only when the key is new (it then has no expiry).
    static let incrementScript = """
        local v = redis.call('INCRBY', KEYS[1], ARGV[1])
        if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return {v, redis.call('PTTL', KEYS[1])}
        """

    private func run(_ arguments: [String]) async throws -> RESPValue {
        do {
            return try await client.run(arguments)
        } catch let error as RedisError {
            if case .server = error { throw StorageError.corrupt(error.description) }
            throw StorageError.unavailable(error.description)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.unavailable("redis: \(error)")
        }
    }

    private static func milliseconds(_ seconds: TimeInterval) -> String { String(max(1, Int(saturating: (seconds * 1000).rounded(.up)))) }

    public func get(_ key: String) async throws -> String? {
        try await run(["GET", prefix + key]).text
    }

    public func set(_ key: String, value: String, ttl: TimeInterval?) async throws {
        var arguments = ["SET", prefix + key, value]
        if let ttl { arguments += ["PX", Self.milliseconds(ttl)] }
        _ = try await run(arguments)
    }

    public func delete(_ key: String) async throws {
        _ = try await run(["DEL", prefix + key])
    }

    public func take(_ key: String) async throws -> String? {
        try await run(["GETDEL", prefix + key]).text
    }

    private func count(_ key: String, by: Int, window: TimeInterval) async throws -> (Int, TimeInterval) {
        let reply = try await run(["EVAL", Self.incrementScript, "1", prefix + key, String(by), Self.milliseconds(window)])
        guard case .array(let items?) = reply, items.count == 2, case .integer(let count) = items[0], case .integer(let ttl) = items[1] else {
            throw StorageError.corrupt("unexpected redis reply \(reply)")
        }
        return (count, ttl > 0 ? TimeInterval(ttl) / 1000 : window)
    }

    public func increment(_ key: String, by: Int, ttl: TimeInterval) async throws -> Int {
        try await count(key, by: by, window: ttl).0
    }

    public func hit(_ key: String, window: TimeInterval) async throws -> (count: Int, expiresIn: TimeInterval) {
        let (count, left) = try await count(key, by: 1, window: window)
        return (count, left)
    }

    public func ttl(_ key: String) async throws -> TimeInterval? {
        guard case .integer(let milliseconds) = try await run(["PTTL", prefix + key]), milliseconds >= 0 else { return nil }
        return TimeInterval(milliseconds) / 1000
    }

    public func ping() async -> Bool {
        (try? await run(["PING"])) == .simple("PONG")
    }

    public func close() async { await client.close() }
}

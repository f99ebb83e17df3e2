import Foundation

/// Short-lived shared state: rate-limit counters, revocations, one-time codes, cached responses.
/// In memory by default; a Redis implementation shares it between server instances.
///
/// ```swift
/// let count = try await kv.increment("login-fail:203.0.113.9", by: 1, ttl: 3600)
/// if count > 5 { … }
/// ```
public protocol KeyValueStore: Sendable {
    func get(_ key: String) async throws -> String?
    func set(_ key: String, value: String, ttl: TimeInterval?) async throws
    func delete(_ key: String) async throws
    /// Reads and deletes `key` at once: of two callers racing for a one-time value, one gets it.
    func take(_ key: String) async throws -> String?
    /// Adds `by` to the integer at `key` (0 when missing) and returns the new value.
    /// The TTL is set when the key is created and left alone afterwards (a fixed window).
    func increment(_ key: String, by: Int, ttl: TimeInterval) async throws -> Int
    /// `increment` by one and the seconds left in the key's window, in one round trip (rate limits call this on
    /// every request).
    func hit(_ key: String, window: TimeInterval) async throws -> (count: Int, expiresIn: TimeInterval)
    /// Seconds until `key` expires; nil when missing or without expiry.
    func ttl(_ key: String) async throws -> TimeInterval?
    /// True when the store answers.
    func ping() async -> Bool
}

/// The in-process store: a dictionary with expiry, swept lazily.
public actor MemoryKeyValueStore: KeyValueStore {
    private var values: [String: (value: String, expiresAt: Date?)] = [:]
    private let now: @Sendable () -> Date
    private var writesSinceSweep = 0

    public init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    private func live(_ key: String) -> (value: String, expiresAt: Date?)? {
        guard let entry = values[key] else { return nil }
        if let expiry = entry.expiresAt, expiry <= now() {
            values[key] = nil
            return nil
        }
        return entry
    }

    private func noteWrite() {
        writesSinceSweep += 1
        guard writesSinceSweep >= 1024 else { return }
        writesSinceSweep = 0
        let current = now()
        values = values.filter { $0.value.expiresAt.map { $0 > current } ?? true }
    }

    public func get(_ key: String) -> String? { live(key)?.value }

    public func set(_ key: String, value: String, ttl: TimeInterval?) {
        values[key] = (value, ttl.map { now().addingTimeInterval($0) })
        noteWrite()
    }

    public func delete(_ key: String) { values[key] = nil }

    public func take(_ key: String) -> String? {
        defer { values[key] = nil }
        return live(key)?.value
    }

    public func increment(_ key: String, by: Int, ttl: TimeInterval) -> Int {
        if let entry = live(key) {
            let next = (Int(entry.value) ?? 0) + by
            values[key] = (String(next), entry.expiresAt)
            return next
        }
        values[key] = (String(by), now().addingTimeInterval(ttl))
        noteWrite()
        return by
    }

    public func hit(_ key: String, window: TimeInterval) -> (count: Int, expiresIn: TimeInterval) {
        let count = increment(key, by: 1, ttl: window)
        return (count, ttl(key) ?? window)
    }

    public func ttl(_ key: String) -> TimeInterval? {
        guard let expiry = live(key)?.expiresAt else { return nil }
        return expiry.timeIntervalSince(now())
    }

    public func ping() -> Bool { true }
}

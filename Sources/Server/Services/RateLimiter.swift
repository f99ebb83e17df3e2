import Foundation
import Storage

/// Fixed-window counters in the key-value store.
public struct RateLimiter: Sendable {
    let store: any KeyValueStore

    public init(store: any KeyValueStore) { self.store = store }

    /// Throws 429 with `Retry-After` when `key` already reached `limit` in the current window.
    func ensureAllowed(_ key: String, limit: Int, message: String) async throws {
        guard let value = try await store.get(key), let count = Int(value), count >= limit else { return }
        let retry = try await store.ttl(key) ?? 60
        throw AppError.rateLimited(retryAfter: Int(retry.rounded(.up)), message)
    }

    /// Counts one event against `key`; returns the count in the window.
    @discardableResult
    func hit(_ key: String, window: TimeInterval) async throws -> Int {
        try await store.increment(key, by: 1, ttl: window)
    }

    /// Counts one event and throws 429 when it goes over `limit`.
    func consume(_ key: String, limit: Int, window: TimeInterval, message: String) async throws {
        let count = try await hit(key, window: window)
        if count > limit {
            let retry = try await store.ttl(key) ?? window
            throw AppError.rateLimited(retryAfter: Int(retry.rounded(.up)), message)
        }
    }
}

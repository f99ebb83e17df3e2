import Models
import Foundation
import HTTPTypes
import Storage

/// Fixed-window counters in the key-value store.
public struct RateLimiter: Sendable {
    let store: any KeyValueStore

    public init(store: any KeyValueStore) { self.store = store }

    /// Throws 429 with `Retry-After` when `key` already reached `limit` in the current window.
    func ensureAllowed(_ key: String, limit: Int, message: String) async throws {
        guard let value = try await store.get(key), let count = Int(value), count >= limit else { return }
        let retry = try await store.ttl(key) ?? 60
        throw AppError.rateLimited(retryAfter: Int(saturating: retry.rounded(.up)), message)
    }

    /// Counts one event against `key`; returns the count in the window.
    @discardableResult
    func hit(_ key: String, window: TimeInterval) async throws -> Int {
        try await store.increment(key, by: 1, ttl: window)
    }

    /// The state of a fixed window after one request was counted.
    struct Window {
        var limit: Int
        var remaining: Int
        /// Seconds until the window starts over.
        var reset: Int

        static let limitName = HTTPField.Name("X-RateLimit-Limit")!
        static let remainingName = HTTPField.Name("X-RateLimit-Remaining")!
        static let resetName = HTTPField.Name("X-RateLimit-Reset")!

        /// `X-RateLimit-Limit`, `-Remaining`, `-Reset`.
        var headers: HTTPFields {
            [Self.limitName: String(limit), Self.remainingName: String(remaining), Self.resetName: String(reset)]
        }
    }

    /// Counts one request against `key`; over `limit` it throws 429 with `Retry-After` and the `X-RateLimit-*`
    /// headers, otherwise returns the window for the response's headers.
    func take(_ key: String, limit: Int, window: TimeInterval, message: String) async throws -> Window {
        let (count, expiresIn) = try await store.hit(key, window: window)
        let state = Window(limit: limit, remaining: max(0, limit - count), reset: max(1, Int(saturating: expiresIn.rounded(.up))))
        if count > limit {
            var error = AppError.rateLimited(retryAfter: state.reset, message)
            for field in state.headers { error.headers[field.name] = field.value }
            throw error
        }
        return state
    }

    /// Counts one event and throws 429 when it goes over `limit`.
    func consume(_ key: String, limit: Int, window: TimeInterval, message: String) async throws {
        _ = try await take(key, limit: limit, window: window, message: message)
    }
}

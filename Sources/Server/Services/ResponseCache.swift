import Foundation
import HTTPTypes
import Hummingbird
import Models
import NIOCore
import NIOFoundationEssentialsCompat
import Storage

/// Cached JSON reads in the key-value store, per user. Invalidation bumps the user's cache generation, so
/// every key of that user is dropped at once without listing keys. Hits and misses are counted in `/metrics`.
struct ResponseCache: Sendable {
    let store: any KeyValueStore
    let metrics: MetricsRegistry
    var ttl: TimeInterval = 300

    /// The key of `name` for `userID` in the user's current cache generation.
    private func key(_ name: String, userID: UUID) async -> String {
        let user = userID.uuidString.lowercased()
        let generation = (try? await store.get("cachegen:\(user)")) ?? "0"
        return "cache:\(user):\(generation):\(name)"
    }

    /// The cached value for `name` of `userID`, or `produce()` stored for next time.
    func value<T: Codable & Sendable>(_ name: String, userID: UUID, produce: () async throws -> T) async throws -> T {
        guard ttl > 0 else { return try await produce() }
        let key = await key(name, userID: userID)
        if let text = try? await store.get(key), let value = try? JSONDecoder.spendSense.decode(T.self, from: Data(text.utf8)) {
            metrics.increment("cache_hits_total")
            return value
        }
        metrics.increment("cache_misses_total")
        let value = try await produce()
        if let data = try? JSONEncoder.spendSense.encode(value) {
            try? await store.set(key, value: String(decoding: data, as: UTF8.self), ttl: ttl)
        }
        return value
    }

    /// The cached JSON response for `name` of `userID`, or `produce()` encoded, stored and returned. Hits skip
    /// decoding and re-encoding entirely: the stored bytes are the response body.
    func response<T: Encodable & Sendable>(_ name: String, userID: UUID, produce: () async throws -> T) async throws -> Response {
        guard ttl > 0 else { return Self.jsonResponse(ByteBuffer(data: try JSONEncoder.spendSense.encode(try await produce()))) }
        let key = await key(name, userID: userID)
        if let text = try? await store.get(key) {
            metrics.increment("cache_hits_total")
            return Self.jsonResponse(ByteBuffer(string: text))
        }
        metrics.increment("cache_misses_total")
        let data = try JSONEncoder.spendSense.encode(try await produce())
        try? await store.set(key, value: String(decoding: data, as: UTF8.self), ttl: ttl)
        return Self.jsonResponse(ByteBuffer(data: data))
    }

    static func jsonResponse(_ body: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
    }

    /// Drops every cached read of `userID`.
    func invalidate(_ userID: UUID) async {
        _ = try? await store.increment("cachegen:\(userID.uuidString.lowercased())", by: 1, ttl: 30 * 86400)
    }
}

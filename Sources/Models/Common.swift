import Foundation

/// The list shape every collection endpoint returns.
public struct Page<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var items: [Item]
    public var total: Int
    public var skip: Int
    public var limit: Int
    public var hasMore: Bool

    public init(items: [Item], total: Int, skip: Int, limit: Int) {
        self.items = items
        self.total = total
        self.skip = skip
        self.limit = limit
        self.hasMore = skip.saturatingAdd(items.count) < total
    }

    enum CodingKeys: String, CodingKey {
        case items, total, skip, limit
        case hasMore = "has_more"
    }
}

/// `GET /health` and `GET /ready`.
public struct HealthStatus: Codable, Sendable, Equatable {
    public var status: String
    public var checks: [String: String]
    public var version: String

    public init(status: String, checks: [String: String] = [:], version: String) {
        self.status = status
        self.checks = checks
        self.version = version
    }
}

/// An entry of the audit log.
public struct AuditEntry: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var at: Date
    public var actorID: UUID?
    public var action: String
    public var outcome: String
    public var targetType: String?
    public var targetID: String?
    public var ip: String?
    public var requestID: String?
    public var details: [String: JSONValue]

    public init(
        id: UUID = UUID(), at: Date, actorID: UUID?, action: String, outcome: String = "success",
        targetType: String? = nil, targetID: String? = nil, ip: String? = nil, requestID: String? = nil,
        details: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.at = at
        self.actorID = actorID
        self.action = action
        self.outcome = outcome
        self.targetType = targetType
        self.targetID = targetID
        self.ip = ip
        self.requestID = requestID
        self.details = details
    }

    enum CodingKeys: String, CodingKey {
        case id = "audit_id"
        case at, action, outcome, ip, details
        case actorID = "actor_id"
        case targetType = "target_type"
        case targetID = "target_id"
        case requestID = "request_id"
    }
}

extension JSONEncoder {
    /// The encoder both sides use: ISO-8601 dates, sorted keys for stable output.
    public static var spendSense: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension JSONDecoder {
    /// The decoder both sides use: ISO-8601 dates (with or without fractional seconds).
    public static var spendSense: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = ISO8601.parse(text) { return date }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected an ISO-8601 timestamp, got \(text)")
        }
        return decoder
    }
}

/// ISO-8601 parsing that accepts fractional seconds.
public enum ISO8601 {
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(
            text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

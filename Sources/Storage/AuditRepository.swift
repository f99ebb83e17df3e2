import Foundation
import Models
import SQLKit

/// Filters for reading the audit log.
public struct AuditFilter: Sendable, Equatable {
    public var actorID: UUID?
    public var action: String?
    public var outcome: String?
    public var targetID: String?
    public var from: Date?
    public var to: Date?

    public init(
        actorID: UUID? = nil, action: String? = nil, outcome: String? = nil, targetID: String? = nil,
        from: Date? = nil, to: Date? = nil
    ) {
        self.actorID = actorID
        self.action = action
        self.outcome = outcome
        self.targetID = targetID
        self.from = from
        self.to = to
    }
}

/// Append-only record of security-relevant events and operator actions.
public protocol AuditRepository: Sendable {
    func record(_ entry: AuditEntry) async throws
    /// Newest first.
    func list(filter: AuditFilter, skip: Int, limit: Int) async throws -> Page<AuditEntry>
}

public struct SQLAuditRepository: AuditRepository {
    let database: Database

    public init(database: Database) { self.database = database }

    public func record(_ entry: AuditEntry) async throws {
        let details = String(decoding: try JSONEncoder.spendSense.encode(entry.details), as: UTF8.self)
        try await database.write { sql in
            try await sql.raw(
                """
                INSERT INTO audit_log (id, at, actor_id, action, outcome, target_type, target_id, ip, request_id, details)
                VALUES (\(bind: entry.id.dbValue), \(bind: entry.at.dbValue), \(bind: entry.actorID?.dbValue),
                        \(bind: entry.action), \(bind: entry.outcome), \(bind: entry.targetType),
                        \(bind: entry.targetID), \(bind: entry.ip), \(bind: entry.requestID), \(bind: details))
                """
            ).run()
        }
    }

    public func list(filter: AuditFilter, skip: Int, limit: Int) async throws -> Page<AuditEntry> {
        var conditions: [SQLQueryString] = []
        if let actor = filter.actorID { conditions.append("actor_id = \(bind: actor.dbValue)") }
        if let action = filter.action { conditions.append("action = \(bind: action)") }
        if let outcome = filter.outcome { conditions.append("outcome = \(bind: outcome)") }
        if let target = filter.targetID { conditions.append("target_id = \(bind: target)") }
        if let from = filter.from { conditions.append("at >= \(bind: from.dbValue)") }
        if let to = filter.to { conditions.append("at <= \(bind: to.dbValue)") }
        let whereClause = conditions.joined(by: " AND ")
        return try await database.withConnection { sql in
            let total = try await sql.raw("SELECT COUNT(*) AS n FROM audit_log WHERE \(whereClause)")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            let rows = try await sql.raw(
                """
                SELECT id, at, actor_id, action, outcome, target_type, target_id, ip, request_id, details
                FROM audit_log WHERE \(whereClause) ORDER BY at DESC, id LIMIT \(bind: limit) OFFSET \(bind: skip)
                """
            ).all()
            let items = try rows.map { row in
                let detailsText = try row.decode(column: "details", as: String.self)
                let details =
                    (try? JSONDecoder.spendSense.decode([String: JSONValue].self, from: Data(detailsText.utf8))) ?? [:]
                return AuditEntry(
                    id: try row.uuid("id"), at: try row.date("at"), actorID: try row.optionalUUID("actor_id"),
                    action: try row.decode(column: "action", as: String.self),
                    outcome: try row.decode(column: "outcome", as: String.self),
                    targetType: try row.decode(column: "target_type", as: String?.self),
                    targetID: try row.decode(column: "target_id", as: String?.self),
                    ip: try row.decode(column: "ip", as: String?.self),
                    requestID: try row.decode(column: "request_id", as: String?.self),
                    details: details
                )
            }
            return Page(items: items, total: total, skip: skip, limit: limit)
        }
    }
}

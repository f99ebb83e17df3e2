import Foundation
import Models
import SQLKit

/// Stored recommendations and the feedback users give on them.
public protocol RecommendationRepository: Sendable {
    /// A user's recommendations, newest first, optionally one status only.
    func list(userID: UUID, status: RecommendationStatus?, skip: Int, limit: Int) async throws -> Page<Recommendation>
    func find(id: UUID) async throws -> Recommendation?
    /// Stores (or replaces) the user's feedback on a recommendation.
    func saveFeedback(recommendationID: UUID, userID: UUID, request: FeedbackRequest, now: Date) async throws -> Feedback
}

public struct SQLRecommendationRepository: RecommendationRepository {
    let database: Database
    public init(database: Database) { self.database = database }

    static let columns =
        "id, user_id, type, catalog_item_id, title, content, rationale, disclaimer, status, persona, version, trace, created_at, updated_at"

    /// `includeTrace: false` skips the trace (and the cost of decoding it) for list views that do not show it.
    static func decode(_ row: any SQLRow, includeTrace: Bool = true) throws -> Recommendation {
        Recommendation(
            id: try row.uuid("id"), userID: try row.uuid("user_id"),
            type: RecommendationType(rawValue: try row.decode(column: "type", as: String.self)) ?? .education,
            catalogItemID: try row.decode(column: "catalog_item_id", as: String.self), title: try row.decode(column: "title", as: String.self),
            content: try row.decode(column: "content", as: String.self), rationale: try row.decode(column: "rationale", as: String.self),
            disclaimer: try row.decode(column: "disclaimer", as: String.self),
            status: RecommendationStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
            persona: PersonaID(rawValue: try row.decode(column: "persona", as: String.self)) ?? .general,
            version: try row.decode(column: "version", as: Int.self), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"),
            decisionTrace: includeTrace ? try JSONColumn.decode(DecisionTrace.self, try row.decode(column: "trace", as: String.self)) : nil)
    }

    public func list(userID: UUID, status: RecommendationStatus?, skip: Int, limit: Int) async throws -> Page<Recommendation> {
        var whereClause: SQLQueryString = "user_id = \(bind: userID.dbValue)"
        if let status { whereClause = "\(whereClause) AND status = \(bind: status.rawValue)" }
        return try await database.withConnection { sql in
            let total = try await sql.raw("SELECT COUNT(*) AS n FROM recommendations WHERE \(whereClause)").first()?.decode(column: "n", as: Int.self) ?? 0
            let rows = try await sql.raw(
                "SELECT \(unsafeRaw: Self.columns) FROM recommendations WHERE \(whereClause) ORDER BY created_at DESC, type, id LIMIT \(bind: limit) OFFSET \(bind: skip)"
            ).all()
            return Page(items: try rows.map { try Self.decode($0) }, total: total, skip: skip, limit: limit)
        }
    }

    public func find(id: UUID) async throws -> Recommendation? {
        try await database.withConnection { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM recommendations WHERE id = \(bind: id.dbValue)").first().map { try Self.decode($0) }
        }
    }

    public func saveFeedback(recommendationID: UUID, userID: UUID, request: FeedbackRequest, now: Date) async throws -> Feedback {
        try await database.transaction { sql in
            try await sql.raw(
                "DELETE FROM feedback WHERE recommendation_id = \(bind: recommendationID.dbValue) AND user_id = \(bind: userID.dbValue)"
            ).run()
            try await sql.raw(
                """
                INSERT INTO feedback (recommendation_id, user_id, rating, helpful, comment, created_at)
                VALUES (\(bind: recommendationID.dbValue), \(bind: userID.dbValue), \(bind: request.rating), \(bind: request.helpful),
                        \(bind: request.comment), \(bind: now.dbValue))
                """
            ).run()
        }
        return Feedback(recommendationID: recommendationID, userID: userID, rating: request.rating, helpful: request.helpful, comment: request.comment, createdAt: now)
    }
}

import Foundation
import Models
import SQLKit

/// Filters and order of the review queue.
public struct ReviewQuery: Sendable, Hashable {
    public enum SortField: String, Sendable, CaseIterable {
        case createdAt = "created_at", type, persona, user, status
    }

    public var status: RecommendationStatus? = .pending
    public var type: RecommendationType?
    public var persona: PersonaID?
    public var userID: UUID?
    public var createdFrom: Date?
    public var createdTo: Date?
    /// Case-insensitive search over title and rationale.
    public var text: String?
    public var sort: SortField = .createdAt
    public var descending = true

    public init() {}
}

/// The outcome of one review decision.
public enum DecisionOutcome: Sendable, Equatable {
    case decided(Recommendation, ReviewDecision)
    /// The version given is not the current one: someone decided since. Carries the current item and the
    /// decision that moved it on.
    case stale(current: Recommendation, last: ReviewDecision?)
    /// Approve or reject of an item already approved or rejected.
    case alreadyFinal(current: Recommendation, last: ReviewDecision?)
    case notFound
}

/// What a decision changes.
public struct DecisionChange: Sendable, Equatable {
    public var action: ReviewAction
    public var note: String?
    public var reasonCode: String?
    public var reason: String?
    /// For modify: new texts (nil keeps the field).
    public var title: String?
    public var content: String?
    public var rationale: String?

    public init(action: ReviewAction, note: String? = nil, reasonCode: String? = nil, reason: String? = nil, title: String? = nil, content: String? = nil, rationale: String? = nil) {
        self.action = action
        self.note = note
        self.reasonCode = reasonCode
        self.reason = reason
        self.title = title
        self.content = content
        self.rationale = rationale
    }
}

/// The operator review queue, decisions with optimistic versioning, and their history.
public protocol ReviewRepository: Sendable {
    /// Recommendations of consenting users matching `query`, with user name and email.
    func queue(_ query: ReviewQuery, skip: Int, limit: Int) async throws -> Page<ReviewItem>
    func item(id: UUID) async throws -> ReviewItem?
    func history(recommendationID: UUID) async throws -> [ReviewDecision]
    /// Applies `change` if `expectedVersion` is current (nil skips the check) and the item is still open for it.
    func decide(id: UUID, expectedVersion: Int?, change: DecisionChange, actorID: UUID, now: Date) async throws -> DecisionOutcome
}

public struct SQLReviewRepository: ReviewRepository {
    let database: Database
    let counts: QueueCountCache

    public init(database: Database, countTTL: TimeInterval = 2) {
        self.database = database
        self.counts = QueueCountCache(ttl: countTTL)
    }

    /// Queue rows: everything but the trace.
    static let listColumns =
        "r.id, r.user_id, r.type, r.catalog_item_id, r.title, r.content, r.rationale, r.disclaimer, r.status, r.persona, r.version, r.created_at, r.updated_at, u.name AS user_name, u.email AS user_email"
    static let itemColumns = listColumns + ", r.trace"

    static func decodeItem(_ row: any SQLRow, includeTrace: Bool = true) throws -> ReviewItem {
        ReviewItem(
            recommendation: try SQLRecommendationRepository.decode(row, includeTrace: includeTrace), userName: try row.decode(column: "user_name", as: String?.self),
            userEmail: try row.decode(column: "user_email", as: String?.self))
    }

    public func queue(_ query: ReviewQuery, skip: Int, limit: Int) async throws -> Page<ReviewItem> {
        var conditions: [SQLQueryString] = ["c.granted = \(bind: true)"]
        if let status = query.status { conditions.append("r.status = \(bind: status.rawValue)") }
        if let type = query.type { conditions.append("r.type = \(bind: type.rawValue)") }
        if let persona = query.persona { conditions.append("r.persona = \(bind: persona.rawValue)") }
        if let user = query.userID { conditions.append("r.user_id = \(bind: user.dbValue)") }
        if let from = query.createdFrom { conditions.append("r.created_at >= \(bind: from.dbValue)") }
        if let to = query.createdTo { conditions.append("r.created_at <= \(bind: to.dbValue)") }
        if let text = query.text?.lowercased(), !text.isEmpty {
            let pattern = "%" + text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            conditions.append("(LOWER(r.title) LIKE \(bind: pattern) OR LOWER(r.rationale) LIKE \(bind: pattern))")
        }
        let whereClause = conditions.joined(by: " AND ")
        let rowConditions = Array(conditions.dropFirst())  // everything but the consent condition
        let countWhere = rowConditions.joined(by: " AND ")
        let column: String =
            switch query.sort {
            case .createdAt: "r.created_at"
            case .type: "r.type"
            case .persona: "r.persona"
            case .user: "u.email"
            case .status: "r.status"
            }
        let direction = query.descending ? "DESC" : "ASC"
        return try await database.withConnection { sql in
            // The total is the expensive part (every matching row); a refreshing console asks for it again and
            // again, so it is reused for a couple of seconds unless a decision changes the queue.
            let total: Int
            if let cached = await counts.value(for: query) {
                total = cached
            } else {
            // Counted per user first, then joined to consent: one consent lookup per user instead of per row.
            total = try await sql.raw(
                """
                SELECT CAST(COALESCE(SUM(g.n), 0) AS BIGINT) AS n FROM (
                    SELECT r.user_id, COUNT(*) AS n FROM recommendations r WHERE \(countWhere) GROUP BY r.user_id
                ) g JOIN consents c ON c.user_id = g.user_id WHERE c.granted = \(bind: true)
                """
            ).first()?.decode(column: "n", as: Int.self) ?? 0
                await counts.store(total, for: query)
            }
            let rows = try await sql.raw(
                """
                SELECT \(unsafeRaw: Self.listColumns) FROM recommendations r
                JOIN consents c ON c.user_id = r.user_id JOIN users u ON u.id = r.user_id
                WHERE \(whereClause) ORDER BY \(unsafeRaw: column) \(unsafeRaw: direction), r.id LIMIT \(bind: limit) OFFSET \(bind: skip)
                """
            ).all()
            // The queue is a list: traces are for the detail view, and decoding 50 of them per page is most of its cost.
            return Page(items: try rows.map { try Self.decodeItem($0, includeTrace: false) }, total: total, skip: skip, limit: limit)
        }
    }

    public func item(id: UUID) async throws -> ReviewItem? {
        try await database.withConnection { sql in
            try await sql.raw(
                "SELECT \(unsafeRaw: Self.itemColumns) FROM recommendations r JOIN users u ON u.id = r.user_id WHERE r.id = \(bind: id.dbValue)"
            ).first().map { try Self.decodeItem($0) }
        }
    }

    static func decodeDecision(_ row: any SQLRow) throws -> ReviewDecision {
        ReviewDecision(
            id: try row.uuid("id"), recommendationID: try row.uuid("recommendation_id"), actorID: try row.uuid("actor_id"),
            actorEmail: try row.decode(column: "actor_email", as: String?.self),
            action: ReviewAction(rawValue: try row.decode(column: "action", as: String.self)) ?? .approve,
            note: try row.decode(column: "note", as: String?.self), reasonCode: try row.decode(column: "reason_code", as: String?.self),
            reason: try row.decode(column: "reason", as: String?.self),
            before: try row.decode(column: "before_fields", as: String?.self).map { try JSONColumn.decode([String: String].self, $0) },
            after: try row.decode(column: "after_fields", as: String?.self).map { try JSONColumn.decode([String: String].self, $0) },
            versionAfter: try row.decode(column: "version_after", as: Int.self), at: try row.date("at"))
    }

    public func history(recommendationID: UUID) async throws -> [ReviewDecision] {
        try await database.withConnection { sql in
            try await Self.history(sql, recommendationID)
        }
    }

    static func history(_ sql: any SQLDatabase, _ recommendationID: UUID) async throws -> [ReviewDecision] {
        try await sql.raw(
            """
            SELECT d.id, d.recommendation_id, d.actor_id, u.email AS actor_email, d.action, d.note, d.reason_code, d.reason,
                   d.before_fields, d.after_fields, d.version_after, d.at
            FROM recommendation_decisions d LEFT JOIN users u ON u.id = d.actor_id
            WHERE d.recommendation_id = \(bind: recommendationID.dbValue) ORDER BY d.version_after DESC
            """
        ).all().map(decodeDecision)
    }

    public func decide(id: UUID, expectedVersion: Int?, change: DecisionChange, actorID: UUID, now: Date) async throws -> DecisionOutcome {
        let outcome: DecisionOutcome
        do {
            outcome = try await attempt(id: id, expectedVersion: expectedVersion, change: change, actorID: actorID, now: now)
        } catch StorageError.conflict {
            // Another decision committed between our read and our write (PostgreSQL under concurrency): report it
            // like any stale version, naming the decision that won.
            outcome = try await database.withConnection { sql in
                guard let row = try await sql.raw(
                    "SELECT \(unsafeRaw: SQLRecommendationRepository.columns) FROM recommendations WHERE id = \(bind: id.dbValue)"
                ).first() else { return .notFound }
                return .stale(current: try SQLRecommendationRepository.decode(row), last: try await Self.history(sql, id).first)
            }
        }
        await counts.clear()
        return outcome
    }

    func attempt(id: UUID, expectedVersion: Int?, change: DecisionChange, actorID: UUID, now: Date) async throws -> DecisionOutcome {
        try await database.transaction { sql in
            guard let row = try await sql.raw(
                "SELECT \(unsafeRaw: SQLRecommendationRepository.columns) FROM recommendations WHERE id = \(bind: id.dbValue)"
            ).first() else { return .notFound }
            let current = try SQLRecommendationRepository.decode(row)
            if let expectedVersion, expectedVersion != current.version {
                return .stale(current: current, last: try await Self.history(sql, id).first)
            }
            if change.action != .modify, current.status != .pending {
                return .alreadyFinal(current: current, last: try await Self.history(sql, id).first)
            }
            if change.action == .modify, current.status == .rejected {
                return .alreadyFinal(current: current, last: try await Self.history(sql, id).first)
            }
            var updated = current
            updated.version += 1
            updated.updatedAt = now
            var before: [String: String]?
            var after: [String: String]?
            switch change.action {
            case .approve: updated.status = .approved
            case .reject: updated.status = .rejected
            case .modify:
                var b: [String: String] = [:]
                var a: [String: String] = [:]
                if let title = change.title, title != current.title { b["title"] = current.title; a["title"] = title; updated.title = title }
                if let content = change.content, content != current.content { b["content"] = current.content; a["content"] = content; updated.content = content }
                if let rationale = change.rationale, rationale != current.rationale { b["rationale"] = current.rationale; a["rationale"] = rationale; updated.rationale = rationale }
                before = b
                after = a
            }
            // Compare-and-set on the version: a concurrent decision that committed first makes this update miss.
            let moved = try await sql.raw(
                """
                UPDATE recommendations SET status = \(bind: updated.status.rawValue), title = \(bind: updated.title), content = \(bind: updated.content),
                    rationale = \(bind: updated.rationale), version = \(bind: updated.version), updated_at = \(bind: now.dbValue),
                    decided_at = \(bind: change.action == .modify ? nil : now.dbValue), decided_by = \(bind: actorID.dbValue)
                WHERE id = \(bind: id.dbValue) AND version = \(bind: current.version) RETURNING id
                """
            ).all()
            guard !moved.isEmpty else { throw StorageError.conflict("recommendation \(id) changed concurrently") }
            let decision = ReviewDecision(
                id: UUID(), recommendationID: id, actorID: actorID, actorEmail: nil, action: change.action, note: change.note,
                reasonCode: change.reasonCode, reason: change.reason, before: before, after: after, versionAfter: updated.version, at: now)
            try await sql.raw(
                """
                INSERT INTO recommendation_decisions (id, recommendation_id, user_id, actor_id, action, note, reason_code, reason, before_fields, after_fields, version_after, created_at_of_item, at)
                VALUES (\(bind: decision.id.dbValue), \(bind: id.dbValue), \(bind: current.userID.dbValue), \(bind: actorID.dbValue), \(bind: change.action.rawValue),
                        \(bind: change.note), \(bind: change.reasonCode), \(bind: change.reason), \(bind: try before.map { try JSONColumn.encode($0) }),
                        \(bind: try after.map { try JSONColumn.encode($0) }), \(bind: updated.version), \(bind: current.createdAt.dbValue), \(bind: now.dbValue))
                """
            ).run()
            return .decided(updated, decision)
        }
    }
}

/// Queue totals for a short time, cleared by every decision.
actor QueueCountCache {
    let ttl: TimeInterval
    private var entries: [ReviewQuery: (total: Int, at: Date)] = [:]

    init(ttl: TimeInterval) { self.ttl = ttl }

    func value(for query: ReviewQuery) -> Int? {
        guard ttl > 0, let entry = entries[query], Date().timeIntervalSince(entry.at) < ttl else { return nil }
        return entry.total
    }

    func store(_ total: Int, for query: ReviewQuery) {
        guard ttl > 0 else { return }
        if entries.count > 256 { entries.removeAll() }
        entries[query] = (total, Date())
    }

    func clear() { entries.removeAll() }
}

import Foundation
import Models
import SQLKit

/// Aggregates over stored data for the operator analytics. Times are `[from, to]` in seconds since 1970.
public protocol AnalyticsRepository: Sendable {
    func coverage(until: Date) async throws -> CoverageAnalytics
    func explainability(from: Date, to: Date) async throws -> ExplainabilityAnalytics
    /// Completed job run times (seconds) in the range, queue depth (pending + processing) and dead letters.
    func jobs(from: Date, to: Date) async throws -> (durations: [Double], depth: Int, dead: Int)
    /// Hours from creation to the first approve/reject, for decisions in the range.
    func turnaroundHours(from: Date, to: Date) async throws -> [Double]
    func engagement(from: Date, to: Date) async throws -> EngagementAnalytics
}

public struct SQLAnalyticsRepository: AnalyticsRepository {
    let database: Database
    public init(database: Database) { self.database = database }

    public func coverage(until: Date) async throws -> CoverageAnalytics {
        try await database.withConnection { sql in
            func count(_ query: SQLQueryString) async throws -> Int {
                try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
            }
            let users = try await count("SELECT COUNT(*) AS n FROM users WHERE deleted_at IS NULL AND role = 'user' AND created_at <= \(bind: until.dbValue)")
            let withData = try await count("SELECT COUNT(DISTINCT user_id) AS n FROM fin_accounts")
            let withPersona = try await count("SELECT COUNT(*) AS n FROM signal_snapshots WHERE persona IS NOT NULL AND persona <> 'general'")
            let withSignals = try await count("SELECT COUNT(*) AS n FROM signal_snapshots WHERE signal_count >= 3")
            let consenting = try await count("SELECT COUNT(*) AS n FROM consents WHERE granted = \(bind: true)")
            var distribution: [String: Int] = [:]
            for row in try await sql.raw("SELECT persona, COUNT(*) AS n FROM signal_snapshots WHERE persona IS NOT NULL GROUP BY persona").all() {
                distribution[try row.decode(column: "persona", as: String.self)] = try row.decode(column: "n", as: Int.self)
            }
            return CoverageAnalytics(
                usersTotal: users, usersWithData: withData, usersWithPersona: withPersona, usersWithThreeOrMoreSignals: withSignals,
                usersConsenting: consenting, personaDistribution: distribution)
        }
    }

    public func explainability(from: Date, to: Date) async throws -> ExplainabilityAnalytics {
        try await database.withConnection { sql in
            let row = try await sql.raw(
                """
                SELECT COUNT(*) AS n,
                       SUM(CASE WHEN cites_data = \(bind: true) THEN 1 ELSE 0 END) AS cites,
                       SUM(CASE WHEN trace_complete = \(bind: true) THEN 1 ELSE 0 END) AS complete
                FROM recommendations WHERE created_at >= \(bind: from.dbValue) AND created_at <= \(bind: to.dbValue)
                """
            ).first()
            return ExplainabilityAnalytics(
                recommendations: try row?.decode(column: "n", as: Int.self) ?? 0,
                withDataCitingRationale: try row?.decode(column: "cites", as: Int?.self) ?? 0,
                withCompleteTrace: try row?.decode(column: "complete", as: Int?.self) ?? 0)
        }
    }

    public func jobs(from: Date, to: Date) async throws -> (durations: [Double], depth: Int, dead: Int) {
        try await database.withConnection { sql in
            let durations = try await sql.raw(
                """
                SELECT completed_at - started_at AS seconds FROM jobs
                WHERE status = 'completed' AND completed_at >= \(bind: from.dbValue) AND completed_at <= \(bind: to.dbValue) AND started_at IS NOT NULL
                """
            ).all().map { try $0.decode(column: "seconds", as: Double.self) }
            let depth = try await sql.raw("SELECT COUNT(*) AS n FROM jobs WHERE status IN ('pending', 'processing')").first()?.decode(column: "n", as: Int.self) ?? 0
            let dead = try await sql.raw("SELECT COUNT(*) AS n FROM jobs WHERE status = 'dead'").first()?.decode(column: "n", as: Int.self) ?? 0
            return (durations, depth, dead)
        }
    }

    public func turnaroundHours(from: Date, to: Date) async throws -> [Double] {
        try await database.withConnection { sql in
            try await sql.raw(
                """
                SELECT at - created_at_of_item AS seconds FROM recommendation_decisions
                WHERE action IN ('approve', 'reject') AND at >= \(bind: from.dbValue) AND at <= \(bind: to.dbValue)
                """
            ).all().map { try $0.decode(column: "seconds", as: Double.self) / 3600 }
        }
    }

    public func engagement(from: Date, to: Date) async throws -> EngagementAnalytics {
        try await database.withConnection { sql in
            var daily: [Int: DailyEngagement] = [:]
            var totals: [String: Int] = [:]
            for row in try await sql.raw(
                "SELECT action, at FROM recommendation_decisions WHERE at >= \(bind: from.dbValue) AND at <= \(bind: to.dbValue)"
            ).all() {
                let action = try row.decode(column: "action", as: String.self)
                let day = Int(saturating: (try row.decode(column: "at", as: Double.self) / 86400).rounded(.down))
                totals[action, default: 0] += 1
                var entry = daily[day] ?? DailyEngagement(day: Day(ordinal: day))
                switch action {
                case "approve": entry.approved += 1
                case "reject": entry.rejected += 1
                default: entry.modified += 1
                }
                daily[day] = entry
            }
            for row in try await sql.raw(
                "SELECT created_at FROM recommendations WHERE created_at >= \(bind: from.dbValue) AND created_at <= \(bind: to.dbValue)"
            ).all() {
                let day = Int(saturating: (try row.decode(column: "created_at", as: Double.self) / 86400).rounded(.down))
                var entry = daily[day] ?? DailyEngagement(day: Day(ordinal: day))
                entry.created += 1
                daily[day] = entry
            }
            let feedback = try await sql.raw(
                """
                SELECT COUNT(*) AS n, AVG(CAST(rating AS DOUBLE PRECISION)) AS average,
                       SUM(CASE WHEN helpful = \(bind: true) THEN 1 ELSE 0 END) AS helpful,
                       SUM(CASE WHEN helpful IS NOT NULL THEN 1 ELSE 0 END) AS answered
                FROM feedback WHERE created_at >= \(bind: from.dbValue) AND created_at <= \(bind: to.dbValue)
                """
            ).first()
            let count = try feedback?.decode(column: "n", as: Int.self) ?? 0
            let answered = try feedback?.decode(column: "answered", as: Int?.self) ?? 0
            let helpful = try feedback?.decode(column: "helpful", as: Int?.self) ?? 0
            return EngagementAnalytics(
                approved: totals["approve"] ?? 0, rejected: totals["reject"] ?? 0, modified: totals["modify"] ?? 0, feedbackCount: count,
                averageRating: count > 0 ? try feedback?.decode(column: "average", as: Double?.self) : nil,
                helpfulShare: answered > 0 ? Double(helpful) / Double(answered) : nil,
                daily: daily.keys.sorted().map { daily[$0]! })
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import Models
import NIOCore
import Storage

/// `/api/v1/operator/analytics`: coverage, explainability, performance and engagement over a date range
/// (`from`/`to`, default the last 30 days), and an export as JSON or CSV.
struct AnalyticsController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("analytics", use: all)
        group.get("analytics/coverage", use: coverage)
        group.get("analytics/explainability", use: explainability)
        group.get("analytics/performance", use: performance)
        group.get("analytics/engagement", use: engagement)
        group.get("analytics/export", use: export)
    }

    struct Range {
        var from: Day
        var to: Day
        var start: Date { Date(timeIntervalSince1970: Double(from.ordinal) * 86400) }
        var end: Date { Date(timeIntervalSince1970: Double(to.ordinal) * 86400 + 86399.999) }
    }

    func range(_ request: Request) throws -> Range {
        let today = Day(ordinal: Int(saturating: (Date().timeIntervalSince1970 / 86400).rounded(.down)))
        let to = try request.dayQuery("to") ?? today
        let from = try request.dayQuery("from") ?? to.adding(days: -29)
        guard from <= to else { throw AppError.validation("from must not be after to", fields: ["from": "<= to"]) }
        guard to - from <= 366 else { throw AppError.validation("the range is at most 366 days", fields: ["from": "within a year of to"]) }
        return Range(from: from, to: to)
    }

    func report(_ range: Range) async throws -> AnalyticsReport {
        AnalyticsReport(
            from: range.from, to: range.to,
            coverage: try await dependencies.analytics.coverage(until: range.end),
            explainability: try await dependencies.analytics.explainability(from: range.start, to: range.end),
            performance: try await performanceFigures(range),
            engagement: try await dependencies.analytics.engagement(from: range.start, to: range.end))
    }

    func performanceFigures(_ range: Range) async throws -> PerformanceAnalytics {
        let jobs = try await dependencies.analytics.jobs(from: range.start, to: range.end)
        let durations = jobs.durations.sorted()
        let turnaround = try await dependencies.analytics.turnaroundHours(from: range.start, to: range.end).sorted()
        func percentile(_ values: [Double], _ p: Double) -> Double? {
            guard !values.isEmpty else { return nil }
            return values[min(values.count - 1, max(0, Int(saturating: (p * Double(values.count)).rounded(.up)) - 1))]
        }
        return PerformanceAnalytics(
            routes: dependencies.metrics.routeLatencies(), jobsCompleted: durations.count, jobP50Seconds: percentile(durations, 0.5),
            jobP95Seconds: percentile(durations, 0.95), queueDepth: jobs.depth, deadLetters: jobs.dead,
            reviewTurnaroundMedianHours: percentile(turnaround, 0.5),
            reviewTurnaroundMeanHours: turnaround.isEmpty ? nil : turnaround.reduce(0, +) / Double(turnaround.count))
    }

    @Sendable func all(_ request: Request, context: AppRequestContext) async throws -> AnalyticsReport {
        try await report(try range(request))
    }

    @Sendable func coverage(_ request: Request, context: AppRequestContext) async throws -> CoverageAnalytics {
        try await dependencies.analytics.coverage(until: try range(request).end)
    }

    @Sendable func explainability(_ request: Request, context: AppRequestContext) async throws -> ExplainabilityAnalytics {
        let range = try range(request)
        return try await dependencies.analytics.explainability(from: range.start, to: range.end)
    }

    @Sendable func performance(_ request: Request, context: AppRequestContext) async throws -> PerformanceAnalytics {
        try await performanceFigures(try range(request))
    }

    @Sendable func engagement(_ request: Request, context: AppRequestContext) async throws -> EngagementAnalytics {
        let range = try range(request)
        return try await dependencies.analytics.engagement(from: range.start, to: range.end)
    }

    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let format = request.uri.queryParameters["format"].map(String.init) ?? "json"
        guard format == "json" || format == "csv" else { throw AppError.validation("format must be json or csv", fields: ["format": "json|csv"]) }
        let report = try await report(try range(request))
        let fileName = "spendsense-analytics-\(report.from)-\(report.to).\(format)"
        if format == "json" {
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .contentDisposition: "attachment; filename=\"\(fileName)\""],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.spendSense.encode(report))))
        }
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(fileName)\""],
            body: .init(byteBuffer: ByteBuffer(string: Self.csv(report))))
    }

    /// `section,metric,value` rows.
    static func csv(_ report: AnalyticsReport) -> String {
        var rows = ["section,metric,value", "range,from,\(report.from)", "range,to,\(report.to)"]
        let c = report.coverage
        rows += [
            "coverage,users_total,\(c.usersTotal)", "coverage,users_with_data,\(c.usersWithData)", "coverage,users_with_persona,\(c.usersWithPersona)",
            "coverage,users_with_3_signals,\(c.usersWithThreeOrMoreSignals)", "coverage,users_consenting,\(c.usersConsenting)",
            "coverage,persona_coverage,\(c.personaCoverage)",
        ]
        rows += c.personaDistribution.keys.sorted().map { "coverage,persona_\($0),\(c.personaDistribution[$0]!)" }
        let e = report.explainability
        rows += [
            "explainability,recommendations,\(e.recommendations)", "explainability,with_data_citing_rationale,\(e.withDataCitingRationale)",
            "explainability,with_complete_trace,\(e.withCompleteTrace)",
        ]
        let p = report.performance
        rows += [
            "performance,jobs_completed,\(p.jobsCompleted)", "performance,job_p50_seconds,\(p.jobP50Seconds.map { String($0) } ?? "")",
            "performance,job_p95_seconds,\(p.jobP95Seconds.map { String($0) } ?? "")", "performance,queue_depth,\(p.queueDepth)",
            "performance,dead_letters,\(p.deadLetters)",
            "performance,review_turnaround_median_hours,\(p.reviewTurnaroundMedianHours.map { String($0) } ?? "")",
        ]
        rows += p.routes.map { "performance,\($0.method) \($0.route) p99_ms,\($0.p99Milliseconds)" }
        let g = report.engagement
        rows += [
            "engagement,approved,\(g.approved)", "engagement,rejected,\(g.rejected)", "engagement,modified,\(g.modified)",
            "engagement,feedback_count,\(g.feedbackCount)", "engagement,average_rating,\(g.averageRating.map { String($0) } ?? "")",
            "engagement,helpful_share,\(g.helpfulShare.map { String($0) } ?? "")",
        ]
        rows += g.daily.map { "daily,\($0.day),created=\($0.created);approved=\($0.approved);rejected=\($0.rejected);modified=\($0.modified)" }
        return rows.joined(separator: "\n") + "\n"
    }
}

import Engine
import Foundation
import Models
import TerminalUI

@testable import Console

/// Deterministic data for the screens: real engine output (so traces and rationales look as they do in
/// production), fixed ids and times.
enum Fixture {
    static let epoch = Date(timeIntervalSince1970: 1_763_769_600)  // 2025-11-22 00:00 UTC
    static let now = epoch.addingTimeInterval(3_600 + 12)

    static func uuid(_ n: Int) -> UUID { UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n))! }

    static let names = ["Olivia Wright", "Nikhil Martin", "Rosa Haddad", "Isla Ito", "王小明", "Ben Brooks"]

    /// Pipeline output for a few generated users, turned into recommendations.
    static let recommendations: [Recommendation] = {
        var result: [Recommendation] = []
        let generator = SyntheticGenerator(seed: 11)
        for userIndex in 0..<6 {
            let insight = InsightPipeline.run(generator.user(index: userIndex).data)
            for draft in insight.recommendations {
                var trace = draft.trace
                trace.generatedInMicroseconds = 42
                let n = result.count
                result.append(
                    Recommendation(
                        id: uuid(1000 + n), userID: uuid(100 + userIndex), type: draft.type, catalogItemID: draft.catalogItemID, title: draft.title,
                        content: draft.content, rationale: draft.rationale, disclaimer: draft.disclaimer,
                        status: n % 7 == 6 ? .approved : .pending, persona: trace.persona, version: 1,
                        createdAt: epoch.addingTimeInterval(Double(n) * 60), updatedAt: epoch.addingTimeInterval(Double(n) * 60), decisionTrace: trace))
            }
        }
        return result
    }()

    static func items(_ recommendations: [Recommendation] = recommendations) -> [ReviewItem] {
        recommendations.map { r in
            let index = Int(r.userID.uuidString.suffix(3))! - 100
            return ReviewItem(recommendation: r, userName: names[index % names.count], userEmail: "u***@example.com")
        }
    }

    static func queuePage(_ items: [ReviewItem] = items()) -> Page<ReviewItem> {
        Page(items: items, total: items.count, skip: 0, limit: 500)
    }

    static let operatorUser = User(
        id: uuid(1), email: "operator@example.com", role: .operator, createdAt: epoch, updatedAt: epoch)
    static let adminUser = User(id: uuid(2), email: "admin@example.com", role: .admin, createdAt: epoch, updatedAt: epoch)
    static let plainUser = User(id: uuid(100), email: "olivia@example.com", name: "Olivia Wright", role: .user, createdAt: epoch, updatedAt: epoch)

    static func detail(_ index: Int = 0) -> ReviewDetail {
        let item = items()[index]
        let decision = ReviewDecision(
            id: uuid(5000), recommendationID: item.id, actorID: uuid(1), actorEmail: "operator@example.com", action: .modify, note: nil,
            reasonCode: nil, reason: nil, before: ["title": "Old title"], after: ["title": item.recommendation.title], versionAfter: 2,
            at: epoch.addingTimeInterval(600))
        return ReviewDetail(
            item: item, persona: nil, keySignals: ["max_utilization": "68%", "monthly_income": "3906.06"], history: [decision])
    }

    static let report: AnalyticsReport = {
        let from = Day(date: epoch).adding(days: -29)
        return AnalyticsReport(
            from: from, to: Day(date: epoch),
            coverage: CoverageAnalytics(
                usersTotal: 51, usersWithData: 48, usersWithPersona: 42, usersWithThreeOrMoreSignals: 40, usersConsenting: 46,
                personaDistribution: ["high_utilization": 9, "savings_builder": 8, "subscription_heavy": 7, "variable_income_budgeter": 9, "general": 9]),
            explainability: ExplainabilityAnalytics(recommendations: 397, withDataCitingRationale: 397, withCompleteTrace: 395),
            performance: PerformanceAnalytics(
                routes: [
                    RouteLatency(method: "GET", route: "/api/v1/operator/review", count: 120, p50Milliseconds: 4, p95Milliseconds: 15.8, p99Milliseconds: 30),
                    RouteLatency(method: "POST", route: "/api/v1/auth/login", count: 4, p50Milliseconds: 250, p95Milliseconds: 302.2, p99Milliseconds: 310),
                ], jobsCompleted: 51, jobP50Seconds: 0.01, jobP95Seconds: 0.05, queueDepth: 0, deadLetters: 0, reviewTurnaroundMedianHours: 0.9,
                reviewTurnaroundMeanHours: 1.2),
            engagement: EngagementAnalytics(
                approved: 30, rejected: 4, modified: 2, feedbackCount: 5, averageRating: 4.2, helpfulShare: 0.8,
                daily: (0..<30).map { DailyEngagement(day: from.adding(days: $0), created: ($0 * 7) % 13, approved: ($0 * 3) % 5, rejected: $0 % 3 == 0 ? 1 : 0) }))
    }()

    static let consentGranted = ConsentStatus(
        userID: uuid(100), granted: true, consentVersion: "1.0", grantedAt: epoch, revokedAt: nil, history: [])

    static let mine: MineBundle = {
        let data = SyntheticGenerator(seed: 11).user(index: 0).data
        let insight = InsightPipeline.run(data)
        let profile = Profile(
            userID: uuid(100), persona: PersonaSummary(assignment: insight.personas, asOf: insight.report.asOf),
            signals30d: insight.report.window30, signals180d: insight.report.window180, updatedAt: epoch)
        let approved = recommendations.filter { $0.userID == uuid(100) }.prefix(4).map { r -> Recommendation in
            var copy = r
            copy.status = .approved
            return copy
        }
        let upload = Upload(
            id: uuid(9000), userID: uuid(100), fileName: "olivia.json", fileSize: 331_000, fileType: "json", status: .completed,
            transactionCount: 1001, createdAt: epoch, updatedAt: epoch)
        return MineBundle(profile: profile, consent: consentGranted, recommendations: Array(approved), uploads: [upload])
    }()

    static let usersPage: Page<OperatorUserRow> = {
        let rows = names.enumerated().map { index, name in
            OperatorUserRow(
                user: User(id: uuid(100 + index), email: "u***@example.com", name: name, role: .user, createdAt: epoch, updatedAt: epoch),
                persona: [PersonaID.highUtilization, .savingsBuilder, .general, .subscriptionHeavy, .variableIncome, .cashFlowStretched][index],
                consentGranted: index != 4)
        }
        return Page(items: rows, total: rows.count, skip: 0, limit: 500)
    }()

    static let adminUsers: Page<User> = {
        let users = [adminUser, operatorUser] + names.enumerated().map { index, name in
            User(id: uuid(100 + index), email: "user\(index)@example.com", name: name, role: .user, isLocked: index == 2, createdAt: epoch, updatedAt: epoch)
        }
        return Page(items: users, total: users.count, skip: 0, limit: 500)
    }()

    static let audit: Page<AuditEntry> = {
        let entries = (0..<8).map { n in
            AuditEntry(
                id: uuid(7000 + n), at: epoch.addingTimeInterval(Double(n) * 90), actorID: uuid(1), action: ["auth.login", "review.approve", "review.reject", "admin.lock"][n % 4],
                outcome: n == 5 ? "denied" : "success", targetType: "recommendation", targetID: uuid(1000 + n).uuidString.lowercased())
        }
        return Page(items: entries, total: entries.count, skip: 0, limit: 500)
    }()

    static let sessions: [SessionInfo] = [
        SessionInfo(id: uuid(8001), deviceName: "SpendSense console", userAgent: "spendsense-console", ip: "10.0.0.5", createdAt: epoch, lastUsedAt: now, expiresAt: now.addingTimeInterval(86_400 * 30), current: true),
        SessionInfo(id: uuid(8002), deviceName: "Firefox on Linux", userAgent: "Mozilla/5.0", ip: "192.168.1.20", createdAt: epoch.addingTimeInterval(-86_400), lastUsedAt: epoch.addingTimeInterval(-3_600), expiresAt: now.addingTimeInterval(86_400 * 29), current: false),
        SessionInfo(id: uuid(8003), deviceName: "Sam's laptop", userAgent: nil, ip: nil, createdAt: epoch.addingTimeInterval(-86_400 * 3), lastUsedAt: epoch.addingTimeInterval(-86_400 * 2), expiresAt: now.addingTimeInterval(86_400 * 27), current: false),
    ]

    /// A state signed in as `user` with every screen's data loaded.
    static func loadedState(_ user: User = operatorUser, ascii: Bool = false) -> AppState {
        var state = AppState(server: "http://127.0.0.1:8000")
        state.ascii = ascii
        _ = reduce(&state, .signedIn(user, server: "http://127.0.0.1:8000"))
        state.toast = nil
        _ = reduce(&state, .queueLoaded(queuePage(), at: now.addingTimeInterval(-12)))
        return state
    }
}

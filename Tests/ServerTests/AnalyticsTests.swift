import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Server
import Storage
import TestSupport
import Testing

@Suite("Operator analytics")
struct AnalyticsTests {
    @Test("coverage, explainability, performance and engagement report what happened; export as JSON and CSV", arguments: TestBackend.available)
    func analytics(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let f = try await reviewFixture(dependencies, client)
            let base = "/api/v1/operator/review"
            _ = try await client.call(.post, "\(base)/\(f.pending[0].id)/approve", json: ReviewDecisionRequest(), token: f.op.accessToken)
            _ = try await client.call(.post, "\(base)/\(f.pending[1].id)/reject", json: ReviewDecisionRequest(reasonCode: "duplicate", reason: "dup"), token: f.op.accessToken)
            _ = try await client.call(.put, "\(base)/\(f.pending[2].id)", json: ReviewDecisionRequest(title: "New title"), token: f.op.accessToken)
            _ = try await client.call(.post, "/api/v1/recommendations/\(f.pending[0].id)/feedback", json: FeedbackRequest(rating: 4, helpful: true), token: f.user.accessToken)
            // A second user whose data is uploaded but who never consents still counts for coverage.
            let other = try await client.register("other@example.com")
            _ = try await client.upload(try generatedUpload(.savingsBuilder), token: other.accessToken)
            try await JobWorker(dependencies: dependencies).runOnce()

            let reply = try await client.call(.get, "/api/v1/operator/analytics", token: f.op.accessToken)
            #expect(reply.status == .ok, "\(reply.text)")
            let report = try reply.decode(AnalyticsReport.self)
            #expect(report.coverage.usersTotal == 2)
            #expect(report.coverage.usersWithData == 2)
            #expect(report.coverage.usersWithPersona == 2)
            #expect(report.coverage.usersConsenting == 1)
            #expect(report.coverage.personaDistribution["subscription_heavy"] == 1)
            #expect(report.coverage.personaDistribution["savings_builder"] == 1)
            #expect(report.coverage.usersWithThreeOrMoreSignals >= 1)
            #expect(report.explainability.recommendations >= f.pending.count)
            #expect(report.explainability.rationaleShare == 1 && report.explainability.traceShare == 1)
            #expect(report.engagement.approved == 1 && report.engagement.rejected == 1 && report.engagement.modified == 1)
            #expect(report.engagement.feedbackCount == 1 && report.engagement.averageRating == 4 && report.engagement.helpfulShare == 1)
            #expect(report.engagement.daily.last?.approved == 1)
            #expect(report.performance.jobsCompleted == 2)
            #expect(report.performance.queueDepth == 0 && report.performance.deadLetters == 0)
            #expect(report.performance.reviewTurnaroundMedianHours != nil)
            #expect(report.performance.routes.contains { $0.route == "/api/v1/operator/review/{recommendation_id}/approve" && $0.count == 1 })

            let coverage = try await client.call(.get, "/api/v1/operator/analytics/coverage", token: f.op.accessToken).decode(CoverageAnalytics.self)
            #expect(coverage == report.coverage)
            let csv = try await client.call(.get, "/api/v1/operator/analytics/export?format=csv", token: f.op.accessToken)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text.contains("engagement,approved,1"))
            #expect(csv.text.hasPrefix("section,metric,value\n"))
            let json = try await client.call(.get, "/api/v1/operator/analytics/export?format=json", token: f.op.accessToken).decode(AnalyticsReport.self)
            #expect(json.engagement.approved == 1)

            #expect(try await client.call(.get, "/api/v1/operator/analytics/export?format=xml", token: f.op.accessToken).status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/operator/analytics?from=2026-05-01&to=2026-04-01", token: f.op.accessToken).status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/operator/analytics", token: f.user.accessToken).status == .forbidden)
            // A range with nothing in it is zeros, not an error.
            let empty = try await client.call(.get, "/api/v1/operator/analytics/engagement?from=2020-01-01&to=2020-01-31", token: f.op.accessToken)
                .decode(EngagementAnalytics.self)
            #expect(empty.approved == 0 && empty.daily.isEmpty && empty.averageRating == nil)
        }
    }
}

import Engine
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Server
import Storage
import TestSupport
import Testing

@Suite("Operator authorization matrix")
struct AuthorizationMatrixTests {
    enum Scope { case operatorRoute, adminRoute }
    enum Target { case consented, unconsented, none }

    struct Route: CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: (UUID, UUID) -> String  // (target user, target recommendation)
        var body: (any Encodable & Sendable)?
        var scope: Scope
        var target: Target
        var name: String
        var description: String { name }
    }

    @Test("every operator and admin route: anonymous 401, user 403, operator 403 on admin routes, consent enforced, no data in refusals", arguments: TestBackend.available)
    func matrix(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let f = try await reviewFixture(dependencies, client, email: "matrix@example.com")
            let shy = try await client.register("secret-person@example.com")
            _ = try await client.upload(try generatedUpload(.highUtilization), token: shy.accessToken)
            try await JobWorker(dependencies: dependencies).runOnce()
            let shyRec = try #require(try await dependencies.recommendations.list(userID: shy.userID, status: nil, skip: 0, limit: 1).items.first)

            let routes: [Route] = [
                Route(method: .get, path: { _, _ in "/api/v1/operator/review" }, scope: .operatorRoute, target: .none, name: "queue"),
                Route(method: .get, path: { _, r in "/api/v1/operator/review/\(r)" }, scope: .operatorRoute, target: .consented, name: "detail"),
                Route(method: .post, path: { _, r in "/api/v1/operator/review/\(r)/approve" }, body: ReviewDecisionRequest(), scope: .operatorRoute, target: .consented, name: "approve"),
                Route(method: .post, path: { _, r in "/api/v1/operator/review/\(r)/reject" }, body: ReviewDecisionRequest(reasonCode: "other", reason: "x"), scope: .operatorRoute, target: .consented, name: "reject"),
                Route(method: .put, path: { _, r in "/api/v1/operator/review/\(r)" }, body: ReviewDecisionRequest(title: "T"), scope: .operatorRoute, target: .consented, name: "modify"),
                Route(method: .post, path: { _, _ in "/api/v1/operator/review/bulk" }, body: BulkReviewRequest(action: .approve, recommendationIDs: [UUID()]), scope: .operatorRoute, target: .none, name: "bulk"),
                Route(method: .post, path: { u, _ in "/api/v1/operator/users/\(u)/generate-recommendations" }, scope: .operatorRoute, target: .consented, name: "generate"),
                Route(method: .get, path: { _, _ in "/api/v1/operator/users" }, scope: .operatorRoute, target: .none, name: "users"),
                Route(method: .get, path: { u, _ in "/api/v1/operator/users/\(u)" }, scope: .operatorRoute, target: .consented, name: "user"),
                Route(method: .get, path: { u, _ in "/api/v1/operator/users/\(u)/accounts" }, scope: .operatorRoute, target: .consented, name: "accounts"),
                Route(method: .get, path: { u, _ in "/api/v1/operator/users/\(u)/transactions" }, scope: .operatorRoute, target: .consented, name: "transactions"),
                Route(method: .get, path: { u, _ in "/api/v1/operator/users/\(u)/liabilities" }, scope: .operatorRoute, target: .consented, name: "liabilities"),
                Route(method: .get, path: { _, _ in "/api/v1/operator/analytics" }, scope: .operatorRoute, target: .none, name: "analytics"),
                Route(method: .get, path: { _, _ in "/api/v1/operator/analytics/export?format=csv" }, scope: .operatorRoute, target: .none, name: "export"),
                Route(method: .get, path: { _, _ in "/api/v1/operator/audit" }, scope: .adminRoute, target: .none, name: "audit"),
                Route(method: .get, path: { _, _ in "/api/v1/operator/admin/users" }, scope: .adminRoute, target: .none, name: "admin users"),
                Route(method: .put, path: { u, _ in "/api/v1/operator/admin/users/\(u)/role" }, body: RoleChangeRequest(role: .user), scope: .adminRoute, target: .none, name: "role"),
                Route(method: .post, path: { u, _ in "/api/v1/operator/admin/users/\(u)/unlock" }, scope: .adminRoute, target: .none, name: "unlock"),
            ]
            let secrets = ["secret-person@example.com", "matrix@example.com", shyRec.rationale]
            func noLeak(_ reply: Reply, _ route: Route, _ who: String) {
                for secret in secrets { #expect(!reply.text.contains(secret), "\(route) as \(who) leaked data") }
            }
            for route in routes {
                let consentedPath = route.path(f.user.userID, f.pending[3].id)
                let anonymous = try await client.call(route.method, consentedPath, json: route.body)
                #expect(anonymous.status == .unauthorized, "\(route) anonymous")
                noLeak(anonymous, route, "anonymous")
                let asUser = try await client.call(route.method, consentedPath, json: route.body, token: f.user.accessToken)
                #expect(asUser.status == .forbidden, "\(route) user")
                noLeak(asUser, route, "user")
                for (who, token) in [("operator", f.op.accessToken), ("admin", f.admin.accessToken)] {
                    let reply = try await client.call(route.method, consentedPath, json: route.body, token: token)
                    if route.scope == .adminRoute, who == "operator" {
                        #expect(reply.status == .forbidden, "\(route) operator")
                        noLeak(reply, route, who)
                    } else {
                        #expect(reply.status.code < 400 || reply.status == .conflict, "\(route) \(who): \(reply.status) \(reply.text.prefix(200))")
                    }
                    if route.target == .consented {
                        let denied = try await client.call(route.method, route.path(shy.userID, shyRec.id), json: route.body, token: token)
                        #expect(denied.status == .forbidden, "\(route) \(who) unconsented")
                        #expect(try denied.errorBody().error.code == "CONSENT_REQUIRED")
                        noLeak(denied, route, who)
                    }
                }
            }
            // The queue never shows the unconsented user's items to anyone.
            let queue = try await client.call(.get, "/api/v1/operator/review?status=all&limit=500", token: f.admin.accessToken).decode(Page<ReviewItem>.self)
            #expect(!queue.items.contains { $0.recommendation.userID == shy.userID })
        }
    }

    @Test("two operators deciding the same item at once: one wins, the other gets 409 naming the winner", arguments: TestBackend.available)
    func race(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let f = try await reviewFixture(dependencies, client, email: "race@example.com")
            let op2 = try await signIn(dependencies, client, email: "op2@example.com", role: .operator)
            let item = f.pending[0]
            let path = "/api/v1/operator/review/\(item.id)"
            async let first = client.call(.post, "\(path)/approve", json: ReviewDecisionRequest(version: 1), token: f.op.accessToken)
            async let second = client.call(.post, "\(path)/reject", json: ReviewDecisionRequest(version: 1, reasonCode: "other", reason: "no"), token: op2.accessToken)
            let replies = try await [first, second]
            #expect(replies.filter { $0.status == .ok }.count == 1)
            let loser = try #require(replies.first { $0.status == .conflict })
            let winner = try #require(replies.first { $0.status == .ok }).decode(Recommendation.self)
            let winnerEmail = winner.status == .approved ? "op-race@example.com" : "op2@example.com"
            #expect(try loser.errorBody().error.details["decided_by"] == .string(winnerEmail))
            let history = try await dependencies.reviews.history(recommendationID: item.id)
            #expect(history.count == 1)
        }
    }

    @Test("bulk with fresh, already-final, missing and unconsented ids gives the right per-id results", arguments: TestBackend.available)
    func bulkMix(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let f = try await reviewFixture(dependencies, client, email: "mix@example.com")
            let shy = try await client.register("nope@example.com")
            _ = try await client.upload(try generatedUpload(.savingsBuilder), token: shy.accessToken)
            try await JobWorker(dependencies: dependencies).runOnce()
            let shyRec = try #require(try await dependencies.recommendations.list(userID: shy.userID, status: nil, skip: 0, limit: 1).items.first)
            _ = try await client.call(.post, "/api/v1/operator/review/\(f.pending[0].id)/reject", json: ReviewDecisionRequest(reasonCode: "other", reason: "x"), token: f.op.accessToken)
            let missing = UUID()
            let ids = [f.pending[0].id, f.pending[1].id, missing, shyRec.id, f.pending[2].id]
            let result = try await client.call(.post, "/api/v1/operator/review/bulk", json: BulkReviewRequest(action: .approve, recommendationIDs: ids), token: f.op.accessToken)
                .decode(BulkReviewResult.self)
            let byID = Dictionary(uniqueKeysWithValues: result.results.map { ($0.recommendationID, $0.result) })
            #expect(byID == [f.pending[0].id: "conflict", f.pending[1].id: "approved", missing: "not_found", shyRec.id: "forbidden", f.pending[2].id: "approved"])
            #expect(result.totals == ["conflict": 1, "approved": 2, "not_found": 1, "forbidden": 1])
            #expect(try await dependencies.recommendations.find(id: shyRec.id)?.status == .pending)
        }
    }

    @Test("analytics on seeded demo data match figures computed independently")
    func analyticsMatchIndependentFigures() async throws {
        try await withApp(configure: noWorker) { dependencies, client in
            _ = try await DemoSeeder(dependencies: dependencies).seed(generatedUsers: 11)
            let admin = try await client.call(.post, "/api/v1/auth/login", json: Credentials(email: "admin@example.com", password: DemoSeeder.password))
                .decode(AuthResponse.self)
            let report = try await client.call(.get, "/api/v1/operator/analytics", token: admin.accessToken).decode(AnalyticsReport.self)
            // Independently: run the engine on the same generated people.
            let generator = SyntheticGenerator(seed: 2026)
            var distribution: [String: Int] = [:]
            var drafts = 0
            var withSignals = 0
            for index in 0...11 {
                let result = InsightPipeline.run(generator.user(index: index).data)
                distribution[result.personas.primary.rawValue, default: 0] += 1
                drafts += result.recommendations.count
                if result.report.window180.signalCount >= 3 { withSignals += 1 }
            }
            #expect(report.coverage.personaDistribution == distribution)
            #expect(report.coverage.usersWithData == 12)
            #expect(report.coverage.usersWithPersona == 12 - (distribution["general"] ?? 0))
            #expect(report.coverage.usersWithThreeOrMoreSignals == withSignals)
            #expect(report.coverage.usersConsenting == 12 - 1)  // every tenth demo person (index 9) does not consent
            #expect(report.explainability.recommendations == drafts)
            #expect(report.explainability.withCompleteTrace == drafts)
            #expect(report.performance.jobsCompleted == 12)
            #expect(report.engagement.daily.reduce(0) { $0 + $1.created } == drafts)
        }
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Server
import Storage
import TestSupport
import Testing

/// A user with processed data and consent, and an operator and an admin.
struct ReviewFixture {
    var user: AuthResponse
    var op: AuthResponse
    var admin: AuthResponse
    var pending: [Recommendation]
}

func reviewFixture(_ dependencies: AppDependencies, _ client: any TestClientProtocol, email: String = "rita@example.com") async throws -> ReviewFixture {
    let user = try await client.register(email)
    _ = try await client.call(.post, "/api/v1/consent", json: ConsentRequest(consentVersion: "1", tosAccepted: true), token: user.accessToken)
    _ = try await client.upload(try generatedUpload(.subscriptionHeavy), token: user.accessToken)
    try await JobWorker(dependencies: dependencies).runOnce()
    let op = try await signIn(dependencies, client, email: "op-\(email)", role: .operator)
    let admin = try await signIn(dependencies, client, email: "admin-\(email)", role: .admin)
    let pending = try await dependencies.recommendations.list(userID: user.userID, status: .pending, skip: 0, limit: 50).items
    return ReviewFixture(user: user, op: op, admin: admin, pending: pending)
}

@Suite("Operator review")
struct ReviewTests {
    @Test("queue: consenting users only, filters, sort, search, masked emails for operators", arguments: TestBackend.available)
    func queue(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let f = try await reviewFixture(dependencies, client)
            // A second user without consent never appears.
            let hidden = try await client.register("nocon@example.com")
            _ = try await client.upload(try generatedUpload(.highUtilization), token: hidden.accessToken)
            try await JobWorker(dependencies: dependencies).runOnce()

            let page = try await client.call(.get, "/api/v1/operator/review", token: f.op.accessToken).decode(Page<ReviewItem>.self)
            #expect(page.total == f.pending.count)
            #expect(page.items.allSatisfy { $0.recommendation.userID == f.user.userID && $0.recommendation.status == .pending })
            #expect(page.items.first?.userEmail == "r***@example.com")
            let adminView = try await client.call(.get, "/api/v1/operator/review", token: f.admin.accessToken).decode(Page<ReviewItem>.self)
            #expect(adminView.items.first?.userEmail == "rita@example.com")

            let offers = try await client.call(.get, "/api/v1/operator/review?type=partner_offer", token: f.op.accessToken).decode(Page<ReviewItem>.self)
            #expect(offers.total == f.pending.filter { $0.type == .partnerOffer }.count)
            let sorted = try await client.call(.get, "/api/v1/operator/review?sort=type&order=asc", token: f.op.accessToken).decode(Page<ReviewItem>.self)
            #expect(sorted.items.map(\.recommendation.type.rawValue) == sorted.items.map(\.recommendation.type.rawValue).sorted())
            let needle = try #require(f.pending.first).title.split(separator: " ").first!.lowercased()
            let searched = try await client.call(.get, "/api/v1/operator/review?q=\(needle)", token: f.op.accessToken).decode(Page<ReviewItem>.self)
            #expect(searched.total >= 1)
            #expect(try await client.call(.get, "/api/v1/operator/review?sort=nonsense", token: f.op.accessToken).status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/operator/review", token: f.user.accessToken).status == .forbidden)
        }
    }

    @Test("approve, reject with reason, modify with tone check; versions, conflicts and history", arguments: TestBackend.available)
    func decisions(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let f = try await reviewFixture(dependencies, client)
            let a = f.pending[0], b = f.pending[1], c = f.pending[2]
            let base = "/api/v1/operator/review"

            let approved = try await client.call(.post, "\(base)/\(a.id)/approve", json: ReviewDecisionRequest(version: 1, note: "looks right"), token: f.op.accessToken)
            #expect(approved.status == .ok)
            #expect(try approved.decode(Recommendation.self).status == .approved)
            #expect(try approved.decode(Recommendation.self).version == 2)
            // Deciding it again: 409 with who decided, not a silent success.
            let again = try await client.call(.post, "\(base)/\(a.id)/approve", json: ReviewDecisionRequest(version: 2), token: f.admin.accessToken)
            #expect(again.status == .conflict)
            let body = try again.errorBody()
            #expect(body.error.code == "ALREADY_DECIDED")
            #expect(body.error.details["decided_by"] == .string("op-rita@example.com"))
            // A stale version: 409 VERSION_CONFLICT.
            let stale = try await client.call(.post, "\(base)/\(b.id)/reject", json: ReviewDecisionRequest(version: 7, reasonCode: "not_relevant", reason: "no"),
                                              token: f.op.accessToken)
            #expect(stale.status == .conflict)
            #expect(try stale.errorBody().error.code == "VERSION_CONFLICT")
            // Reject needs a code and a reason.
            let bare = try await client.call(.post, "\(base)/\(b.id)/reject", json: ReviewDecisionRequest(), token: f.op.accessToken)
            #expect(bare.status == .badRequest)
            let rejected = try await client.call(.post, "\(base)/\(b.id)/reject", json: ReviewDecisionRequest(reasonCode: "not_relevant", reason: "user has no card"),
                                                 token: f.op.accessToken, headers: [.ifMatch: "\"1\""])
            #expect(try rejected.decode(Recommendation.self).status == .rejected)

            // Modify: shaming text is refused; a good edit keeps the original in history.
            let shaming = try await client.call(.put, "\(base)/\(c.id)", json: ReviewDecisionRequest(version: 1, rationale: "You are irresponsible with money."),
                                                token: f.op.accessToken)
            #expect(shaming.status == .badRequest)
            let edited = try await client.call(.put, "\(base)/\(c.id)", json: ReviewDecisionRequest(version: 1, note: "tightened", title: "A clearer title"),
                                               token: f.op.accessToken)
            #expect(edited.status == .ok)
            #expect(try edited.decode(Recommendation.self).title == "A clearer title")
            #expect(try edited.decode(Recommendation.self).status == .pending)

            let detail = try await client.call(.get, "\(base)/\(c.id)", token: f.op.accessToken).decode(ReviewDetail.self)
            #expect(detail.history.count == 1)
            #expect(detail.history[0].action == .modify)
            #expect(detail.history[0].before == ["title": c.title])
            #expect(detail.history[0].after == ["title": "A clearer title"])
            #expect(detail.item.recommendation.decisionTrace?.allChecksPassed == true)
            #expect(detail.persona?.primary != nil)
            #expect(detail.keySignals["monthly_income"] != nil)

            // The user now sees exactly the approved one, without its trace.
            let mine = try await client.call(.get, "/api/v1/recommendations", token: f.user.accessToken).decode(Page<Recommendation>.self)
            #expect(mine.items.map(\.id) == [a.id])
            #expect(mine.items[0].decisionTrace == nil)
            let feedback = try await client.call(.post, "/api/v1/recommendations/\(a.id)/feedback", json: FeedbackRequest(rating: 5, helpful: true), token: f.user.accessToken)
            #expect(feedback.status == .created)
            #expect(try await client.call(.post, "/api/v1/recommendations/\(b.id)/feedback", json: FeedbackRequest(rating: 5), token: f.user.accessToken).status == .notFound)

            let audit = try await client.call(.get, "/api/v1/operator/audit?action=review.reject", token: f.admin.accessToken).decode(Page<AuditEntry>.self)
            #expect(audit.total == 1)
            #expect(audit.items[0].details["reason_code"] == "not_relevant")
            #expect(try await client.call(.get, "/api/v1/operator/audit", token: f.op.accessToken).status == .forbidden)
        }
    }

    @Test("bulk: each item decided on its own with per-id results and one audit row each", arguments: TestBackend.available)
    func bulk(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let f = try await reviewFixture(dependencies, client)
            let first = f.pending[0]
            _ = try await client.call(.post, "/api/v1/operator/review/\(first.id)/approve", json: ReviewDecisionRequest(), token: f.op.accessToken)
            let ids = f.pending.map(\.id) + [UUID()]
            let result = try await client.call(
                .post, "/api/v1/operator/review/bulk", json: BulkReviewRequest(action: .reject, recommendationIDs: ids, reasonCode: "duplicate", reason: "covered elsewhere"),
                token: f.op.accessToken).decode(BulkReviewResult.self)
            #expect(result.totals["conflict"] == 1)
            #expect(result.totals["not_found"] == 1)
            #expect(result.totals["rejected"] == f.pending.count - 1)
            #expect(result.results.first { $0.recommendationID == first.id }?.result == "conflict")
            let bad = try await client.call(.post, "/api/v1/operator/review/bulk", json: BulkReviewRequest(action: .reject, recommendationIDs: ids), token: f.op.accessToken)
            #expect(bad.status == .badRequest)
            let tooMany = try await client.call(
                .post, "/api/v1/operator/review/bulk", json: BulkReviewRequest(action: .approve, recommendationIDs: (0..<501).map { _ in UUID() }), token: f.op.accessToken)
            #expect(tooMany.status == .badRequest)
            let audit = try await dependencies.auditLog.list(filter: AuditFilter(action: "review.reject"), skip: 0, limit: 100)
            #expect(audit.total == f.pending.count - 1)
        }
    }

    @Test("admin: lock kills sessions and blocks sign-in; unlock restores; user search", arguments: TestBackend.available)
    func lockUnlock(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let user = try await client.register("lena@example.com")
            let admin = try await signIn(dependencies, client, email: "boss@example.com", role: .admin)
            let lock = try await client.call(.post, "/api/v1/operator/admin/users/\(user.userID)/lock", token: admin.accessToken)
            #expect(try lock.decode(User.self).isLocked)
            #expect(try await client.call(.get, "/api/v1/users/me", token: user.accessToken).status == .unauthorized)
            let login = try await client.call(.post, "/api/v1/auth/login", json: Credentials(email: "lena@example.com", password: "Correct-horse-9!"))
            #expect(login.status == .forbidden)
            #expect(try login.errorBody().error.code == "ACCOUNT_LOCKED")
            _ = try await client.call(.post, "/api/v1/operator/admin/users/\(user.userID)/unlock", token: admin.accessToken)
            #expect(try await client.call(.post, "/api/v1/auth/login", json: Credentials(email: "lena@example.com", password: "Correct-horse-9!")).status == .ok)
            let found = try await client.call(.get, "/api/v1/operator/admin/users?q=LENA", token: admin.accessToken).decode(Page<User>.self)
            #expect(found.items.map(\.email) == ["lena@example.com"])
            #expect(try await client.call(.post, "/api/v1/operator/admin/users/\(admin.userID)/lock", token: admin.accessToken).status == .conflict)
        }
    }

    @Test("regenerating recommendations runs the engine again as a job", arguments: TestBackend.available)
    func regenerate(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let f = try await reviewFixture(dependencies, client)
            let reply = try await client.call(.post, "/api/v1/operator/users/\(f.user.userID)/generate-recommendations", token: f.op.accessToken)
            #expect(reply.status == .accepted)
            #expect(try await JobWorker(dependencies: dependencies).runOnce())
            let after = try await dependencies.recommendations.list(userID: f.user.userID, status: .pending, skip: 0, limit: 50)
            #expect(after.total == f.pending.count)
            #expect(Set(after.items.map(\.id)).isDisjoint(with: f.pending.map(\.id)))
            #expect(try await dependencies.insights.personaHistory(userID: f.user.userID, skip: 0, limit: 10).total == 2)
        }
    }
}

@Suite("Operator user tools")
struct OperatorUserToolsTests {
    @Test("search users by text and persona; a consented user's detail, accounts, transactions and liabilities; 403 without consent", arguments: TestBackend.available)
    func userTools(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let f = try await reviewFixture(dependencies, client)
            let shy = try await client.register("shy@example.com")
            _ = try await client.upload(try generatedUpload(.highUtilization), token: shy.accessToken)
            try await JobWorker(dependencies: dependencies).runOnce()

            let all = try await client.call(.get, "/api/v1/operator/users", token: f.op.accessToken).decode(Page<OperatorUserRow>.self)
            #expect(all.total == 2)
            #expect(all.items.allSatisfy { $0.user.email?.contains("***") == true })
            let heavy = try await client.call(.get, "/api/v1/operator/users?persona=subscription_heavy", token: f.op.accessToken).decode(Page<OperatorUserRow>.self)
            #expect(heavy.items.map(\.user.id) == [f.user.userID])
            #expect(heavy.items.first?.consentGranted == true)
            let byText = try await client.call(.get, "/api/v1/operator/users?q=shy", token: f.admin.accessToken).decode(Page<OperatorUserRow>.self)
            #expect(byText.items.map(\.user.email) == ["shy@example.com"])

            let detail = try await client.call(.get, "/api/v1/operator/users/\(f.user.userID)", token: f.op.accessToken).decode(OperatorUserDetail.self)
            #expect(detail.consent.granted && detail.persona?.primary == .subscriptionHeavy && detail.recentUploads.count == 1)
            #expect(detail.pendingRecommendations == f.pending.count)
            let accounts = try await client.call(.get, "/api/v1/operator/users/\(f.user.userID)/accounts", token: f.op.accessToken).decode([Account].self)
            #expect(!accounts.isEmpty)
            let transactions = try await client.call(.get, "/api/v1/operator/users/\(f.user.userID)/transactions?limit=3", token: f.op.accessToken)
                .decode(Page<Transaction>.self)
            #expect(transactions.items.count == 3 && transactions.total > 100)
            _ = try await client.call(.get, "/api/v1/operator/users/\(f.user.userID)/liabilities", token: f.op.accessToken).decode(Liabilities.self)

            for path in ["", "/accounts", "/transactions", "/liabilities"] {
                let denied = try await client.call(.get, "/api/v1/operator/users/\(shy.userID)\(path)", token: f.op.accessToken)
                #expect(denied.status == .forbidden, "\(path)")
                #expect(try denied.errorBody().error.code == "CONSENT_REQUIRED")
            }
            #expect(try await client.call(.get, "/api/v1/operator/users/\(UUID())", token: f.op.accessToken).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/operator/users", token: f.user.accessToken).status == .forbidden)
        }
    }
}

import APIClient
import Foundation
import HummingbirdTesting
import Models
import Server
import Synchronization
import TestSupport
import Testing

/// The real client against the real server on a loopback port.
@Suite("APIClient against a live server")
struct ClientLiveTests {
    @Test("register, me, update, transparent refresh, logout", arguments: TestBackend.available)
    func fullFlow(backend: TestBackend) async throws {
        try await withApp(backend, .live) { _, testClient in
            let port = try #require(testClient.port)
            let client = APIClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!)
            let registered = try await client.register(email: "zoe@example.com", password: "Correct-horse-9!")
            #expect(try await client.me().id == registered.userID)
            let updated = try await client.updateMe(UpdateUserRequest(name: "Zoe"))
            #expect(updated.name == "Zoe")

            // An access token the server refuses: the client refreshes once, retries, and stores the new pair.
            let before = try #require(await client.tokens.tokens)
            await client.tokens.set(.init(accessToken: "expired.or.bogus", refreshToken: before.refreshToken))
            #expect(try await client.me().name == "Zoe")
            let after = try #require(await client.tokens.tokens)
            #expect(after.refreshToken != before.refreshToken)

            try await client.logout()
            #expect(await client.tokens.tokens == nil)
            await #expect(throws: APIError.notSignedIn) { _ = try await client.me() }
        }
    }

    @Test("errors arrive decoded; a dead refresh token signs the client out")
    func decodedErrors() async throws {
        try await withApp(.sqlite, .live) { _, testClient in
            let port = try #require(testClient.port)
            let client = APIClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!)
            do {
                try await client.login(email: "nobody@example.com", password: "Wrong-horse-9!")
                Issue.record("login should fail")
            } catch let error as APIError {
                #expect(error.status == 401)
                #expect(error.code == "INVALID_CREDENTIALS")
            }
            _ = try await client.register(email: "yan@example.com", password: "Correct-horse-9!")
            await client.tokens.set(.init(accessToken: "bogus", refreshToken: "also-bogus"))
            do {
                _ = try await client.me()
                Issue.record("me should fail")
            } catch let error as APIError {
                #expect(error.status == 401)
            }
            #expect(await client.tokens.tokens == nil)
        }
    }

    @Test("concurrent 401s share one refresh")
    func singleFlightRefresh() async throws {
        try await withApp(.sqlite, .live) { _, testClient in
            let port = try #require(testClient.port)
            let client = APIClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!)
            let registered = try await client.register(email: "xia@example.com", password: "Correct-horse-9!")
            await client.tokens.set(.init(accessToken: "stale", refreshToken: registered.refreshToken))
            // Were the refreshes not shared, the second would present a rotated token and kill the session.
            try await withThrowingTaskGroup(of: User.self) { group in
                for _ in 0..<4 { group.addTask { try await client.me() } }
                for try await user in group { #expect(user.id == registered.userID) }
            }
            #expect(try await client.me().id == registered.userID)
        }
    }

    @Test("every endpoint through the client: user, operator and admin flows", arguments: TestBackend.available)
    func everyEndpoint(backend: TestBackend) async throws {
        try await withApp(backend, .live, configure: noWorker) { dependencies, testClient in
            let base = URL(string: "http://127.0.0.1:\(try #require(testClient.port))")!
            // The end user: consent, upload, insights, recommendations, feedback.
            let user = APIClient(baseURL: base)
            let me = try await user.register(email: "uma@example.com", password: "Correct-horse-9!")
            #expect(try await user.consent().granted == false)
            #expect(try await user.grantConsent().granted)
            let document = try generatedUpload(.subscriptionHeavy)
            let reported = Mutex<[Int]>([])
            let upload = try await user.upload(fileName: "uma.json", data: document) { sent, _ in reported.withLock { $0.append(sent) } }
            // Progress rises to the whole multipart body (the file plus its envelope).
            let sent = reported.withLock { $0 }
            #expect(sent.count > 1 && sent == sent.sorted() && sent.last! > document.count)
            #expect(upload.status == .pending)
            #expect(try await JobWorker(dependencies: dependencies).runOnce())
            #expect(try await user.upload(id: upload.id).status == .completed)
            #expect(try await user.uploads().items.map(\.id) == [upload.id])
            #expect(try await user.profile(userID: me.userID).persona?.primary == .subscriptionHeavy)
            #expect(try await user.signals(userID: me.userID).window30.days == 30)
            #expect(try await user.persona(userID: me.userID).primary == .subscriptionHeavy)
            #expect(try await user.spendingCategories(userID: me.userID).categories.isEmpty == false)
            #expect(try await user.personaHistory(userID: me.userID).total >= 1)
            let transactions = try await user.transactions(userID: me.userID, TransactionQuery(limit: 5))
            #expect(transactions.items.count == 5 && transactions.hasMore)
            // Pending items are not shown to the user yet.
            #expect(try await user.recommendations(userID: me.userID).total == 0)
            #expect(try await user.myRecommendations().total == 0)
            do {
                _ = try await user.upload(fileName: "bad.json", data: Data("{\"accounts\": 3}".utf8))
                Issue.record("an invalid upload must be refused")
            } catch let error as APIError {
                #expect(error.status == 400)
                #expect(error.code == "UPLOAD_INVALID")
            }

            // The operator: queue, detail, decisions with versions, bulk, users, analytics.
            _ = try await dependencies.auth.createUser(email: "otto@example.com", password: "Correct-horse-9!", role: .operator)
            let staff = APIClient(baseURL: base)
            try await staff.login(email: "otto@example.com", password: "Correct-horse-9!")
            let queue = try await staff.reviewQueue(ReviewQueueQuery(sort: .type, descending: false, limit: 100))
            #expect(queue.total >= 4)
            #expect(queue.items.map(\.recommendation.type) == queue.items.map(\.recommendation.type).sorted { $0.rawValue < $1.rawValue })
            let ids = queue.items.map(\.id)
            let detail = try await staff.reviewDetail(id: ids[0])
            #expect(detail.item.recommendation.decisionTrace?.allChecksPassed == true)
            let approved = try await staff.approve(ids[0], version: detail.item.recommendation.version, note: "fine")
            #expect(approved.status == .approved)
            do {
                _ = try await staff.approve(ids[0], version: detail.item.recommendation.version)
                Issue.record("a second decision on a stale version must fail")
            } catch let error as APIError {
                #expect(error.status == 409)
            }
            let modified = try await staff.modify(ids[1], ReviewDecisionRequest(title: "A clearer title"))
            #expect(modified.title == "A clearer title")
            let rejected = try await staff.reject(ids[1], reasonCode: .toneIssue, reason: "wording")
            #expect(rejected.status == .rejected)
            let bulk = try await staff.bulkReview(BulkReviewRequest(action: .approve, recommendationIDs: Array(ids[2...3]) + [ids[0]]))
            #expect(bulk.totals["approved"] == 2)
            #expect(try await user.myRecommendations().total == 3)
            let feedback = try await user.feedback(recommendationID: ids[0], FeedbackRequest(rating: 5, helpful: true))
            #expect(feedback.rating == 5)
            #expect(try await user.recommendation(id: ids[0]).status == .approved)

            let rows = try await staff.operatorUsers(query: "uma")
            #expect(rows.items.map(\.user.id) == [me.userID])
            #expect(try await staff.operatorUser(id: me.userID).consent.granted)
            #expect(try await staff.operatorAccounts(userID: me.userID).isEmpty == false)
            #expect(try await staff.operatorTransactions(userID: me.userID, TransactionQuery(limit: 3)).items.count == 3)
            _ = try await staff.operatorLiabilities(userID: me.userID)
            #expect(try await staff.generateRecommendations(userID: me.userID).status == "pending")
            #expect(try await staff.recommendations(userID: me.userID, status: .approved).total == 3)
            let report = try await staff.analytics()
            #expect(report.coverage.usersWithData >= 1)
            #expect(try await staff.coverage().usersConsenting >= 1)
            #expect(try await staff.explainability().recommendations >= 4)
            _ = try await staff.performance()
            _ = try await staff.engagement()
            #expect(String(decoding: try await staff.analyticsCSV(), as: UTF8.self).contains(","))
            await #expect(throws: APIError.self) { _ = try await staff.adminUsers() }

            // The admin: users, lock and unlock, roles.
            _ = try await dependencies.auth.createUser(email: "ada@example.com", password: "Correct-horse-9!", role: .admin)
            let admin = APIClient(baseURL: base)
            try await admin.login(email: "ada@example.com", password: "Correct-horse-9!")
            #expect(try await admin.adminUsers(query: "uma").items.map(\.id) == [me.userID])
            #expect(try await admin.audit(AuditQuery(action: "review.approve")).total == 3)
            await #expect(throws: APIError.self) { _ = try await staff.audit() }
            #expect(try await admin.lock(userID: me.userID).isLocked == true)
            #expect(try await admin.unlock(userID: me.userID).isLocked == false)
            #expect(try await admin.changeRole(userID: me.userID, to: .operator).role == .operator)
            #expect(try await admin.changeRole(userID: me.userID, to: .user).role == .user)

            // Locking ended the user's sessions: the refresh fails and the client is signed out.
            await #expect(throws: APIError.self) { _ = try await user.consent() }
            #expect(await user.tokens.tokens == nil)
            try await user.login(email: "uma@example.com", password: "Correct-horse-9!")

            // Sessions: two devices; ending the other one leaves this one; logging out everywhere ends this one too.
            let laptop = APIClient(baseURL: base)
            try await laptop.login(email: "uma@example.com", password: "Correct-horse-9!")
            let devices = try await user.sessions()
            #expect(devices.count == 2 && devices.filter(\.current).count == 1)
            let other = try #require(devices.first { !$0.current })
            #expect(other.deviceName == "SpendSense console")
            try await user.endSession(other.id)
            await #expect(throws: APIError.self) { _ = try await laptop.me() }
            #expect(try await user.sessions().count == 1)

            // Revoking consent with deletion removes the user's data.
            let revoked = try await user.revokeConsent(deleteData: true)
            #expect(revoked.consent.granted == false)
            #expect(try await user.metrics().contains("http_requests_total"))
            #expect(try await user.logoutEverywhere().revokedSessions == 1)
            #expect(await user.tokens.tokens == nil)
        }
    }

    @Test("two-factor sign-in through the client: login asks for the code, verifyMFA signs in")
    func mfa() async throws {
        try await withApp(.sqlite, .live) { _, testClient in
            let base = URL(string: "http://127.0.0.1:\(try #require(testClient.port))")!
            let client = APIClient(baseURL: base)
            try await client.register(email: "max@example.com", password: "Correct-horse-9!")
            let enrollment = try await client.enrollTOTP()
            try await freshTOTPStep()
            #expect(try await client.confirmTOTP(code: authenticatorCode(enrollment, at: Date().addingTimeInterval(-30))).totpEnabled)
            #expect(try await client.mfaStatus().totpEnabled)

            let fresh = APIClient(baseURL: base)
            do {
                try await fresh.login(email: "max@example.com", password: "Correct-horse-9!", deviceName: "Max's phone")
                Issue.record("login must ask for the code")
            } catch APIError.mfaRequired(let challengeID) {
                #expect(await fresh.tokens.tokens == nil)
                try await fresh.verifyMFA(challengeID: challengeID, code: authenticatorCode(enrollment))
                #expect(try await fresh.me().email == "max@example.com")
                #expect(try await fresh.sessions().first { $0.current }?.deviceName == "Max's phone")
            }
        }
    }

    @Test("phone sign-in through the client, reading the code from the development outbox")
    func phone() async throws {
        try await withApp(.sqlite, .live) { dependencies, testClient in
            let client = APIClient(baseURL: URL(string: "http://127.0.0.1:\(try #require(testClient.port))")!)
            #expect(try await client.requestPhoneCode("+44 7700 900123").phone == "+447700900123")
            let body = try #require(dependencies.outbox?.list(to: "+447700900123").first?.body)
            let code = String(body.split(whereSeparator: { !$0.isNumber }).first { $0.count == 6 } ?? "")
            let response = try await client.verifyPhoneCode("+447700900123", code: code)
            #expect(response.isNewUser == true)
            #expect(try await client.me().phoneNumber == "+447700900123")
        }
    }

    @Test("provider sign-in from a console (device flow), linking, password reset and settings through the client")
    func oauthAndRecovery() async throws {
        try await withOAuthApp(.sqlite, .live, providers: [.github, .google]) { fake, dependencies, testClient, browser in
            let client = APIClient(baseURL: URL(string: "http://127.0.0.1:\(try #require(testClient.port))")!)
            #expect(try await client.oauthProviders() == [.google, .github])
            fake.setPerson(.init(subject: "777", email: "dev@example.com", emailVerified: true, name: "Dev"))
            let start = try await client.startDeviceSignIn(.github, deviceName: "ops console")
            let handle = try #require(start.pollHandle)
            #expect(try await client.pollSignIn(handle) == nil)
            _ = try await testClient.deliver(try await browser.approve(start.authorizeURL), provider: .github)
            let signedIn = try #require(try await client.pollSignIn(handle))
            #expect(signedIn.isNewUser == true)
            #expect(try await client.me().email == "dev@example.com")
            #expect(try await client.signInMethods().oauth.map(\.provider) == [.github])
            await #expect(throws: APIError.self) { _ = try await client.pollSignIn(handle) }

            // Link Google to the same account, then unlink GitHub.
            fake.setPerson(.init(subject: "g-777", email: nil, emailVerified: false, name: "Dev"))
            let link = try await client.startLink(.google)
            let linkHandle = try #require(link.pollHandle)
            #expect(try await client.pollLink(linkHandle) == nil)
            _ = try await testClient.deliver(try await browser.approve(link.authorizeURL), provider: .google)
            let linked = try #require(try await client.pollLink(linkHandle))
            #expect(linked.merged == nil && linked.methods.oauth.count == 2)
            #expect(try await client.unlink(.github).oauth.map(\.provider) == [.google])
            do {
                _ = try await client.unlink(.google)
                Issue.record("the last method must stay")
            } catch let error as APIError {
                #expect(error.code == ErrorCode.lastSignInMethod)
            }

            // Password reset for an email account.
            let other = APIClient(baseURL: client.baseURL)
            try await other.register(email: "lost@example.com", password: "Correct-horse-9!")
            try await other.forgotPassword(email: "lost@example.com")
            let body = try #require(dependencies.outbox?.list(to: "lost@example.com").first?.body)
            let token = try #require(body.split(separator: "\n").first { $0.hasPrefix("Your reset token: ") }?.split(separator: " ").last)
            try await other.resetPassword(token: String(token), password: "Brand-new-horse-5")
            await #expect(throws: APIError.self) { _ = try await other.me() }
            try await other.login(email: "lost@example.com", password: "Brand-new-horse-5")

            // Admin settings.
            let admin = APIClient(baseURL: client.baseURL)
            _ = try await dependencies.auth.createUser(email: "boss@example.com", password: "Correct-horse-9!", role: .admin)
            try await admin.login(email: "boss@example.com", password: "Correct-horse-9!")
            #expect(try await admin.serverSettings().mfaRequiredForStaff == false)
            await #expect(throws: APIError.self) { _ = try await admin.updateServerSettings(ServerSettings(mfaRequiredForStaff: true)) }
        }
    }

    @Test("an unreachable server is a transport error, not a crash")
    func unreachable() async throws {
        let client = APIClient(baseURL: URL(string: "http://127.0.0.1:1")!, timeout: .seconds(2))
        await #expect(throws: APIError.self) { _ = try await client.health() }
    }
}

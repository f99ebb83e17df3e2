import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Server
import Storage
import Synchronization
import TestSupport
import Testing

extension TestClientProtocol {
    /// Consent, one upload, and the job run: the account then has uploads, financial data, a snapshot, persona
    /// history, recommendations and consent history.
    func giveData(_ tokens: AuthResponse, _ dependencies: AppDependencies, persona: PersonaID = .highUtilization) async throws {
        let consent = try await call(.post, "/api/v1/consent", json: ConsentRequest(consentVersion: "2026-01", tosAccepted: true), token: tokens.accessToken)
        #expect(consent.status == .ok || consent.status == .created, "\(consent.text)")
        let upload = try await self.upload(try generatedUpload(persona), token: tokens.accessToken)
        #expect(upload.status == .created, "\(upload.text)")
        while try await JobWorker(dependencies: dependencies).runOnce() {}
    }

    /// Signs in by phone through the outbox.
    func phoneSignIn(_ phone: String) async throws -> AuthResponse {
        #expect(try await call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: phone)).status == .accepted)
        let code = try await lastCode(self, phone)
        return try await call(.post, "/api/v1/auth/phone/verify", json: PhoneVerifyRequest(phone: phone, code: code)).decode(AuthResponse.self)
    }

    /// Links `provider` to the account of `tokens` the way the console does: start, browser, poll.
    func linkThroughBrowser(_ provider: OAuthProviderID, tokens: AuthResponse, browser: TestBrowser) async throws -> Reply {
        let started = try await call(.post, "/api/v1/auth/oauth/link", json: OAuthLinkRequest(provider: provider), token: tokens.accessToken)
        #expect(started.status == .accepted, "\(started.text)")
        let start = try started.decode(OAuthStart.self)
        let page = try await deliver(try await browser.approve(start.authorizeURL), provider: provider)
        _ = page
        return try await call(.post, "/api/v1/auth/oauth/poll", json: OAuthPollRequest(pollHandle: try #require(start.pollHandle)))
    }
}

@Suite("Account linking and merging")
struct LinkingTests {
    @Test("linking an identity another account holds merges all its rows into this one, in one go", arguments: TestBackend.available)
    func mergeOnLink(backend: TestBackend) async throws {
        try await withOAuthApp(backend, providers: [.google, .github]) { fake, dependencies, client, browser in
            // B signs up with Google and has data.
            fake.setPerson(.init(subject: "g-b", email: "b@example.com", emailVerified: false, name: "B"))
            let b = try await client.browserSignIn(.google, browser: browser).decode(AuthResponse.self)
            try await client.giveData(b, dependencies)
            let bRecommendations = try await dependencies.recommendations.list(userID: b.userID, status: nil, skip: 0, limit: 100).total
            let bTransactions = try await client.call(.get, "/api/v1/users/\(b.userID)/transactions?limit=1", token: b.accessToken)
                .decode(Page<Transaction>.self).total
            #expect(bRecommendations >= 4 && bTransactions > 100)

            // A, a password account without data, links that Google identity.
            let a = try await client.register("a@example.com")
            let reply = try await client.linkThroughBrowser(.google, tokens: a, browser: browser)
            #expect(reply.status == .ok, "\(reply.text)")
            let result = try reply.decode(LinkResult.self)
            let merged = try #require(result.merged)
            #expect(merged.mergedUserID == b.userID)
            #expect(merged.moved["uploads"] == 1)
            #expect(merged.moved["jobs"] == 1)
            #expect(merged.moved["transactions"] == bTransactions)
            #expect(merged.moved["recommendations"] == bRecommendations)
            #expect(merged.moved["persona_history"] == 1)
            #expect(merged.moved["consent_history"] == 1)
            #expect(merged.moved["consent"] == 1)
            #expect(merged.moved["signal_snapshot"] == 1)
            #expect(merged.moved["oauth_identities"] == 1)
            #expect((merged.moved["accounts"] ?? 0) > 0)
            #expect(merged.skipped["transactions"] == nil)
            #expect(result.methods.password && result.methods.oauth.map(\.provider) == [.google])

            // B is gone: its token stops working, and Google now signs in as A.
            #expect(try await client.call(.get, "/api/v1/users/me", token: b.accessToken).status == .unauthorized)
            let viaGoogle = try await client.browserSignIn(.google, browser: browser).decode(AuthResponse.self)
            #expect(viaGoogle.userID == a.userID)
            // A sees B's data as its own.
            let profile = try await client.call(.get, "/api/v1/users/\(a.userID)/profile", token: a.accessToken).decode(Profile.self)
            #expect(profile.persona?.primary == .highUtilization)
            let uploads = try await client.call(.get, "/api/v1/data/uploads", token: a.accessToken).decode(Page<Upload>.self)
            #expect(uploads.total == 1)
            #expect(try await dependencies.recommendations.list(userID: a.userID, status: nil, skip: 0, limit: 100).total == bRecommendations)
            #expect(try await dependencies.recommendations.list(userID: b.userID, status: nil, skip: 0, limit: 100).total == 0)
            let audit = try await dependencies.auditLog.list(filter: AuditFilter(action: "auth.account_merge"), skip: 0, limit: 5)
            #expect(audit.items.first?.targetID == b.userID.uuidString.lowercased())

            // C signs in by phone and uploads the same data; A links the number: what A already has is kept,
            // the rest moves.
            let c = try await client.phoneSignIn("+15550104000")
            try await client.giveData(c, dependencies)
            #expect(try await client.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "+15550104000")).status == .accepted)
            let code = try await lastCode(client, "+15550104000")
            let wrong = try await client.call(
                .post, "/api/v1/auth/phone/link", json: PhoneVerifyRequest(phone: "+15550104000", code: code == "000000" ? "111111" : "000000"),
                token: a.accessToken)
            #expect(wrong.status == .unauthorized)
            let linked = try await client.call(
                .post, "/api/v1/auth/phone/link", json: PhoneVerifyRequest(phone: "+15550104000", code: code), token: a.accessToken)
            #expect(linked.status == .ok, "\(linked.text)")
            let second = try linked.decode(LinkResult.self)
            let report = try #require(second.merged)
            #expect(report.mergedUserID == c.userID)
            #expect(report.moved["uploads"] == 1 && report.moved["transactions"] == nil)
            #expect(report.skipped["transactions"] == bTransactions)
            #expect(report.skipped["consent"] == 1 && report.skipped["signal_snapshot"] == 1)
            #expect(report.moved["phone"] == 1)
            #expect(second.methods.phone == "+15550104000")
            #expect(try await client.call(.get, "/api/v1/data/uploads", token: a.accessToken).decode(Page<Upload>.self).total == 2)
            #expect(try await client.phoneSignIn("+15550104000").userID == a.userID)
        }
    }

    @Test("unlinking never removes the last way in; staff accounts and second identities are refused")
    func unlinkAndRefusals() async throws {
        try await withOAuthApp(providers: [.github, .google]) { fake, dependencies, client, browser in
            // An account with only GitHub cannot drop it.
            fake.setPerson(.init(subject: "300", email: nil, emailVerified: false, name: "Only GitHub"))
            let only = try await client.browserSignIn(.github, browser: browser).decode(AuthResponse.self)
            let last = try await client.call(.delete, "/api/v1/auth/oauth/unlink/github", token: only.accessToken)
            #expect(last.status == .conflict)
            #expect(try last.errorBody().error.code == ErrorCode.lastSignInMethod)
            #expect(try await client.call(.delete, "/api/v1/auth/phone/unlink", token: only.accessToken).status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/auth/oauth/unlink/myspace", token: only.accessToken).status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/auth/oauth/unlink/google", token: only.accessToken).status == .notFound)

            // With a phone added, GitHub can go; then the phone is the last way in.
            #expect(try await client.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "+15550105000")).status == .accepted)
            let code = try await lastCode(client, "+15550105000")
            let linked = try await client.call(
                .post, "/api/v1/auth/phone/link", json: PhoneVerifyRequest(phone: "+15550105000", code: code), token: only.accessToken)
            #expect(try linked.decode(LinkResult.self).merged == nil)
            let after = try await client.call(.delete, "/api/v1/auth/oauth/unlink/github", token: only.accessToken).decode(SignInMethods.self)
            #expect(after.oauth.isEmpty && after.phone == "+15550105000" && after.count == 1)
            #expect(try await client.call(.delete, "/api/v1/auth/phone/unlink", token: only.accessToken).status == .conflict)
            let unlinked = try await dependencies.auditLog.list(filter: AuditFilter(action: "auth.identity_unlink"), skip: 0, limit: 5)
            #expect(unlinked.total == 1)

            // A second GitHub identity on an account that has one: refused, nothing merged.
            let user = try await client.register("two@example.com")
            fake.setPerson(.init(subject: "301", email: nil, emailVerified: false, name: "First"))
            #expect(try await client.linkThroughBrowser(.github, tokens: user, browser: browser).status == .ok)
            fake.setPerson(.init(subject: "302", email: nil, emailVerified: false, name: "Second"))
            let otherGitHub = try await client.browserSignIn(.github, browser: browser).decode(AuthResponse.self)
            let twice = try await client.linkThroughBrowser(.github, tokens: user, browser: browser)
            #expect(twice.status == .conflict)
            #expect(try twice.errorBody().error.code == ErrorCode.identityTaken)
            #expect(try await client.call(.get, "/api/v1/users/me", token: otherGitHub.accessToken).status == .ok)

            // An identity that belongs to an operator is never merged into someone else.
            let staff = try await signIn(dependencies, client, email: "op@example.com", role: .operator)
            fake.setPerson(.init(subject: "g-staff", email: nil, emailVerified: false, name: "Op"))
            #expect(try await client.linkThroughBrowser(.google, tokens: staff, browser: browser).status == .ok)
            let grab = try await client.linkThroughBrowser(.google, tokens: user, browser: browser)
            #expect(grab.status == .conflict)
            #expect(try grab.errorBody().error.code == ErrorCode.mergeRefused)
            #expect(try await client.call(.get, "/api/v1/users/me", token: staff.accessToken).status == .ok)
        }
    }

    @Test("linking with an identity token (native apps) and the methods list")
    func linkWithIDToken() async throws {
        try await withOAuthApp(providers: [.apple]) { fake, _, client, _ in
            let user = try await client.register("native@example.com")
            let person = FakeOAuthProvider.Person(subject: "apple-native", email: "native@example.com", emailVerified: true, name: "N")
            let token = try await fake.idToken(for: person, provider: .apple, nonce: nil)
            let reply = try await client.call(.post, "/api/v1/auth/oauth/link", json: OAuthLinkRequest(provider: .apple, idToken: token), token: user.accessToken)
            #expect(reply.status == .ok, "\(reply.text)")
            let methods = try await client.call(.get, "/api/v1/auth/methods", token: user.accessToken).decode(SignInMethods.self)
            #expect(methods.oauth.first?.provider == .apple && methods.oauth.first?.email == "native@example.com" && methods.password)
            let forged = try await client.call(
                .post, "/api/v1/auth/oauth/link",
                json: OAuthLinkRequest(provider: .apple, idToken: try await fake.idToken(for: person, provider: .apple, nonce: nil, wrongKey: true)),
                token: user.accessToken)
            #expect(forged.status == .unauthorized)
            #expect(try await client.call(.post, "/api/v1/auth/oauth/link", json: OAuthLinkRequest(provider: .apple)).status == .unauthorized)
        }
    }
}

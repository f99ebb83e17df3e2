import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import NIOCore
import NIOHTTP1
import NIOFoundationEssentialsCompat
import Server
import Storage
import TestSupport
import Synchronization
import Testing

/// Runs `body` against an app whose providers all point at a fake provider served by the test.
func withOAuthApp<T: Sendable>(
    _ backend: TestBackend = .sqlite, _ setup: TestingSetup = .router, providers: [OAuthProviderID] = OAuthProviderID.allCases,
    _ body: @Sendable (FakeOAuthProvider, AppDependencies, any TestClientProtocol, TestBrowser) async throws -> T
) async throws -> T {
    let fake = try await FakeOAuthProvider.make()
    return try await withFakeProvider(fake) { base in
        try await withApp(backend, setup, configure: { configuration in
            noWorker(&configuration)
            configuration.oauthProviders = providers.map { fake.settings($0, base: base) }
            configuration.publicURL = URL(string: "http://spendsense.test")
        }) { dependencies, client in
            try await TestBrowser.with { browser in try await body(fake, dependencies, client, browser) }
        }
    }
}

extension TestClientProtocol {
    /// Delivers the provider's redirect to our callback: a query (GET), or Apple's form post.
    func deliver(_ back: URLComponents, provider: OAuthProviderID) async throws -> Reply {
        guard provider == .apple else { return try await call(.get, back.pathAndQuery) }
        let form = "code=\(back.query("code") ?? "")&state=\(back.query("state") ?? "")"
        return try await execute(
            uri: back.path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)
        ) { Reply(status: $0.status, headers: $0.headers, body: Data(buffer: $0.body)) }
    }

    /// The whole browser sign-in: our authorize, the provider's consent, our callback.
    func browserSignIn(_ provider: OAuthProviderID, browser: TestBrowser) async throws -> Reply {
        let start = try await call(.get, "/api/v1/auth/oauth/\(provider.rawValue)/authorize?format=json").decode(OAuthStart.self)
        return try await deliver(try await browser.approve(start.authorizeURL), provider: provider)
    }
}

@Suite("OAuth sign-in against a local provider")
struct OAuthTests {
    @Test("each provider's dialect signs in through the real callback; the second sign-in finds the same account")
    func everyProvider() async throws {
        try await withOAuthApp { fake, dependencies, client, browser in
            for (index, provider) in OAuthProviderID.allCases.enumerated() {
                fake.setPerson(.init(subject: "\(2000 + index)", email: "\(provider.rawValue)@example.com", emailVerified: false, name: "P \(index)"))
                let first = try await client.browserSignIn(provider, browser: browser)
                #expect(first.status == .ok, "\(provider): \(first.text)")
                let tokens = try first.decode(AuthResponse.self)
                #expect(tokens.isNewUser == true, "\(provider)")
                #expect(tokens.role == .user)
                let again = try await client.browserSignIn(provider, browser: browser).decode(AuthResponse.self)
                #expect(again.userID == tokens.userID && again.isNewUser == false, "\(provider)")
                let me = try await client.call(.get, "/api/v1/auth/methods", token: again.accessToken).decode(SignInMethods.self)
                #expect(me.oauth.map(\.provider) == [provider])
                #expect(me.password == false)
            }
            // Four providers, two exchanges each, all through the token endpoint.
            #expect(fake.state.withLock { $0.tokenRequests } == 8)
            let audit = try await dependencies.auditLog.list(filter: AuditFilter(action: "auth.register"), skip: 0, limit: 10)
            #expect(audit.total == 4)
        }
    }

    @Test("the authorize redirect carries state, PKCE S256, our callback, and a nonce where identity tokens are used")
    func authorizeRedirect() async throws {
        try await withOAuthApp(providers: [.google, .github]) { _, _, client, _ in
            let reply = try await client.call(.get, "/api/v1/auth/oauth/google/authorize")
            #expect(reply.status == .found)
            let location = try #require(reply.headers[.location].flatMap(URLComponents.init(string:)))
            #expect(location.query("redirect_uri") == "http://spendsense.test/api/v1/auth/oauth/google/callback")
            #expect(location.query("code_challenge_method") == "S256")
            #expect(location.query("code_challenge")?.count == 43)
            #expect((location.query("state")?.count ?? 0) >= 43)
            #expect(location.query("nonce") != nil)
            #expect(location.query("scope") == "openid email profile")
            let github = try await client.call(.get, "/api/v1/auth/oauth/github/authorize?format=json").decode(OAuthStart.self)
            #expect(!github.authorizeURL.contains("nonce="))
            let providers = try await client.call(.get, "/api/v1/auth/oauth/providers").decode(OAuthProviders.self)
            #expect(providers.providers == [.google, .github])
        }
    }

    @Test("a provider that is not configured, or unknown, answers 404 with a clear code")
    func unconfigured() async throws {
        try await withOAuthApp(providers: [.google]) { _, _, client, _ in
            for path in ["github/authorize", "facebook/device", "myspace/authorize"] {
                let method: HTTPRequest.Method = path.hasSuffix("device") ? .post : .get
                let reply = try await client.call(method, "/api/v1/auth/oauth/\(path)")
                #expect(reply.status == .notFound, "\(path)")
                #expect(try reply.errorBody().error.code == ErrorCode.providerNotConfigured, "\(path)")
            }
        }
        // No providers at all.
        try await withApp { _, client in
            let reply = try await client.call(.get, "/api/v1/auth/oauth/google/authorize")
            #expect(reply.status == .notFound)
            #expect(try reply.errorBody().error.code == ErrorCode.providerNotConfigured)
            #expect(try await client.call(.get, "/api/v1/auth/oauth/providers").decode(OAuthProviders.self).providers.isEmpty)
        }
    }

    @Test("a bad state, a used state, a replayed code, and a denied consent are refused")
    func refusals() async throws {
        try await withOAuthApp(providers: [.github]) { fake, dependencies, client, browser in
            let start = try await client.call(.get, "/api/v1/auth/oauth/github/authorize?format=json").decode(OAuthStart.self)
            let back = try await browser.approve(start.authorizeURL)
            let code = try #require(back.query("code"))

            // A state we never issued.
            let forged = try await client.call(.get, "/api/v1/auth/oauth/github/callback?code=\(code)&state=not-a-state")
            #expect(forged.status == .badRequest)
            #expect(try forged.errorBody().error.code == ErrorCode.oauthStateInvalid)
            // The real one works once...
            #expect(try await client.deliver(back, provider: .github).status == .ok)
            // ...and not twice.
            let replayedState = try await client.deliver(back, provider: .github)
            #expect(replayedState.status == .badRequest)
            #expect(try replayedState.errorBody().error.code == ErrorCode.oauthStateInvalid)

            // A fresh state with the already-used code: the provider refuses the exchange.
            let second = try await client.call(.get, "/api/v1/auth/oauth/github/authorize?format=json").decode(OAuthStart.self)
            let state = try #require(URLComponents(string: second.authorizeURL)?.query("state"))
            let replayedCode = try await client.call(.get, "/api/v1/auth/oauth/github/callback?code=\(code)&state=\(state)")
            #expect(replayedCode.status == .unauthorized)
            #expect(try replayedCode.errorBody().error.code == ErrorCode.oauthFailed)
            #expect(replayedCode.text.contains("invalid_grant"))

            // A state for one provider is not good at another's callback.
            let third = try await client.call(.get, "/api/v1/auth/oauth/github/authorize?format=json").decode(OAuthStart.self)
            let denied = try #require(URLComponents(string: third.authorizeURL)?.query("state"))
            let reply = try await client.call(.get, "/api/v1/auth/oauth/github/callback?error=access_denied&state=\(denied)")
            #expect(reply.status == .unauthorized)
            #expect(try reply.errorBody().error.code == ErrorCode.oauthFailed)
            let failures = try await dependencies.auditLog.list(filter: AuditFilter(action: "auth.oauth"), skip: 0, limit: 10)
            #expect(failures.total >= 3)
            _ = fake
        }
    }

    @Test("Apple: identity tokens are checked against the provider's keys, our client id and the nonce")
    func appleIdentityToken() async throws {
        try await withOAuthApp(providers: [.apple, .google]) { fake, _, client, browser in
            fake.setPerson(.init(subject: "apple-sub-1", email: "hidden@privaterelay.appleid.com", emailVerified: true, name: "A"))
            // Signed with a key that is not the provider's: refused, and no account is made.
            fake.state.withLock { $0.signWithWrongKey = true }
            let forged = try await client.browserSignIn(.apple, browser: browser)
            #expect(forged.status == .unauthorized)
            #expect(try forged.errorBody().error.code == ErrorCode.idTokenInvalid)
            // For another client: refused.
            fake.state.withLock {
                $0.signWithWrongKey = false
                $0.wrongAudience = true
            }
            let elsewhere = try await client.browserSignIn(.apple, browser: browser)
            #expect(elsewhere.status == .unauthorized)
            #expect(try elsewhere.errorBody().error.code == ErrorCode.idTokenInvalid)
            fake.state.withLock { $0.wrongAudience = false }
            // The real thing (a form post, Apple's client secret is an ES256 JWT the fake verifies).
            let good = try await client.browserSignIn(.apple, browser: browser)
            #expect(good.status == .ok, "\(good.text)")
            let account = try good.decode(AuthResponse.self)
            #expect(account.email == "hidden@privaterelay.appleid.com")

            // Native apps send the identity token directly.
            let person = FakeOAuthProvider.Person(subject: "apple-sub-1", email: nil, emailVerified: false, name: "A")
            let direct = try await client.call(
                .post, "/api/v1/auth/oauth/apple/token", json: OAuthTokenRequest(idToken: try await fake.idToken(for: person, provider: .apple, nonce: nil)))
            #expect(try direct.decode(AuthResponse.self).userID == account.userID)
            let forgedDirect = try await client.call(
                .post, "/api/v1/auth/oauth/apple/token",
                json: OAuthTokenRequest(idToken: try await fake.idToken(for: person, provider: .apple, nonce: nil, wrongKey: true)))
            #expect(forgedDirect.status == .unauthorized)
            #expect(try forgedDirect.errorBody().error.code == ErrorCode.idTokenInvalid)
            // A Google token is not an Apple token (issuer).
            let google = try await client.call(
                .post, "/api/v1/auth/oauth/apple/token", json: OAuthTokenRequest(idToken: try await fake.idToken(for: person, provider: .google, nonce: nil)))
            #expect(google.status == .unauthorized)
            let garbage = try await client.call(.post, "/api/v1/auth/oauth/apple/token", json: OAuthTokenRequest(idToken: "not.a.jwt"))
            #expect(garbage.status == .unauthorized)
            // Every refused token asks for fresh keys, but the keys are fetched again at most once a minute.
            #expect(fake.state.withLock { $0.jwksRequests } == 1)
        }
    }

    @Test("a verified provider email finds the existing account; an unverified one does not")
    func verifiedEmailLinks() async throws {
        try await withOAuthApp(providers: [.google, .facebook]) { fake, dependencies, client, browser in
            let existing = try await client.register("owner@example.com")
            fake.setPerson(.init(subject: "g-1", email: "Owner@Example.com", emailVerified: true, name: "Owner"))
            let google = try await client.browserSignIn(.google, browser: browser).decode(AuthResponse.self)
            #expect(google.userID == existing.userID && google.isNewUser == false)
            // Facebook does not vouch for addresses: a separate account, without the taken email.
            fake.setPerson(.init(subject: "fb-1", email: "owner@example.com", emailVerified: true, name: "Owner"))
            let facebook = try await client.browserSignIn(.facebook, browser: browser).decode(AuthResponse.self)
            #expect(facebook.userID != existing.userID && facebook.isNewUser == true && facebook.email == nil)
            // A staff account is never entered by its address alone.
            _ = try await dependencies.auth.createUser(email: "ops@example.com", password: "Correct-horse-9!", role: .operator)
            fake.setPerson(.init(subject: "g-ops", email: "ops@example.com", emailVerified: true, name: "Ops"))
            let staff = try await client.browserSignIn(.google, browser: browser)
            #expect(staff.status == .conflict)
            #expect(try staff.errorBody().error.code == ErrorCode.linkRequired)
        }
    }

    @Test("device flow: pending, then tokens once, then gone; a failure reaches the poller")
    func deviceFlow() async throws {
        try await withOAuthApp(providers: [.github, .google]) { fake, dependencies, client, browser in
            let started = try await client.call(
                .post, "/api/v1/auth/oauth/github/device", headers: [.init("X-Device-Name")!: "ops laptop console"])
            #expect(started.status == .created)
            let start = try started.decode(OAuthStart.self)
            let handle = try #require(start.pollHandle)
            #expect(start.expiresIn == 600 && start.interval == 2)
            #expect(!start.authorizeURL.contains(handle))
            // The short address redirects to the provider's page.
            let openURL = try #require(start.openURL.flatMap(URLComponents.init(string:)))
            #expect(openURL.host == "spendsense.test" && openURL.path.count == "/api/v1/auth/oauth/go/".count + 8)
            let short = try await client.call(.get, openURL.path)
            #expect(short.status == .found && short.headers[.location] == start.authorizeURL)
            #expect(try await client.call(.get, "/api/v1/auth/oauth/go/NOTACODE").status == .notFound)

            let pending = try await client.call(.post, "/api/v1/auth/oauth/poll", json: OAuthPollRequest(pollHandle: handle))
            #expect(pending.status == .accepted)
            #expect(try pending.decode(OAuthPending.self).status == "pending")

            let page = try await client.deliver(try await browser.approve(start.authorizeURL), provider: .github)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("go back to the terminal"))

            let done = try await client.call(.post, "/api/v1/auth/oauth/poll", json: OAuthPollRequest(pollHandle: handle))
            #expect(done.status == .ok)
            let tokens = try done.decode(AuthResponse.self)
            let sessions = try await client.call(.get, "/api/v1/auth/sessions", token: tokens.accessToken).decode([SessionInfo].self)
            #expect(sessions.first?.deviceName == "ops laptop console")
            let spent = try await client.call(.post, "/api/v1/auth/oauth/poll", json: OAuthPollRequest(pollHandle: handle))
            #expect(spent.status == .notFound)
            #expect(try spent.errorBody().error.code == ErrorCode.pollExpired)
            let unknown = try await client.call(.post, "/api/v1/auth/oauth/poll", json: OAuthPollRequest(pollHandle: "nope"))
            #expect(unknown.status == .notFound)

            // A forged identity token in a device sign-in: the poller hears why.
            fake.state.withLock { $0.signWithWrongKey = true }
            let google = try await client.call(.post, "/api/v1/auth/oauth/google/device").decode(OAuthStart.self)
            let refused = try await client.deliver(try await browser.approve(google.authorizeURL), provider: .google)
            #expect(refused.status == .unauthorized)
            let failed = try await client.call(.post, "/api/v1/auth/oauth/poll", json: OAuthPollRequest(pollHandle: try #require(google.pollHandle)))
            #expect(failed.status == .unauthorized)
            #expect(try failed.errorBody().error.code == ErrorCode.idTokenInvalid)
            _ = dependencies
        }
    }
}

@Suite("The development OAuth provider")
struct DevProviderTests {
    @Test("mounted at /dev/oauth: a person picks an email on its page, denies or signs in; the server talks to itself over HTTP")
    func devProvider() async throws {
        try await withApp(.sqlite, .live, configure: { $0.devOAuthProvider = true }) { dependencies, client in
            let port = try #require(client.port)
            // Every provider is offered, all at the stand-in; the callback address is the bound port.
            #expect(try await client.call(.get, "/api/v1/auth/oauth/providers").decode(OAuthProviders.self).providers == OAuthProviderID.allCases)
            #expect(dependencies.publicAddress.url.absoluteString == "http://127.0.0.1:\(port)")
            try await TestBrowser.with { browser in
                var accounts: [UUID] = []
                for provider in [OAuthProviderID.github, .apple] {
                    let start = try await client.call(.get, "/api/v1/auth/oauth/\(provider.rawValue)/authorize?format=json").decode(OAuthStart.self)
                    #expect(start.authorizeURL.hasPrefix("http://127.0.0.1:\(port)/dev/oauth/\(provider.rawValue)/authorize?"))
                    // The sign-in page carries the request in hidden fields.
                    let page = try await browser.http.execute(HTTPClientRequest(url: start.authorizeURL), timeout: .seconds(10))
                    let html = String(buffer: try await page.body.collect(upTo: 1 << 20))
                    #expect(page.status == .ok && html.contains("Sign in with \(provider.displayName)") && html.contains(#"name="state""#))
                    let query = try #require(URLComponents(string: start.authorizeURL)?.percentEncodedQuery)
                    let form = query + "&email=dev.person%40example.com&name=Dev+Person&decision=approve"
                    var post = HTTPClientRequest(url: "http://127.0.0.1:\(port)/dev/oauth/\(provider.rawValue)/authorize")
                    post.method = .POST
                    post.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
                    post.body = .bytes(ByteBuffer(string: form))
                    let approved = try await browser.http.execute(post, timeout: .seconds(10))
                    #expect(approved.status == .found)
                    let back = try #require(approved.headers.first(name: "location").flatMap(URLComponents.init(string:)))
                    let reply = try await client.deliver(back, provider: provider)
                    #expect(reply.status == .ok, "\(provider): \(reply.text)")
                    let tokens = try reply.decode(AuthResponse.self)
                    #expect(tokens.email == "dev.person@example.com")
                    // GitHub's verified primary address made the account; Apple vouches for the same address, so it
                    // signs in to that account.
                    accounts.append(tokens.userID)
                }
                #expect(accounts.count == 2 && accounts[0] == accounts[1])
                // Deny: the callback hears access_denied.
                let start = try await client.call(.get, "/api/v1/auth/oauth/facebook/authorize?format=json").decode(OAuthStart.self)
                let query = try #require(URLComponents(string: start.authorizeURL)?.percentEncodedQuery)
                var post = HTTPClientRequest(url: "http://127.0.0.1:\(port)/dev/oauth/facebook/authorize")
                post.method = .POST
                post.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
                post.body = .bytes(ByteBuffer(string: query + "&decision=deny"))
                let denied = try await browser.http.execute(post, timeout: .seconds(10))
                let back = try #require(denied.headers.first(name: "location").flatMap(URLComponents.init(string:)))
                #expect(back.query("error") == "access_denied")
                #expect(try await client.deliver(back, provider: .facebook).status == .unauthorized)
            }
        }
    }

    @Test("the stand-in is refused outside development")
    func productionRefuses() async throws {
        var configuration = ServerConfiguration.testing()
        configuration.environment = .production
        configuration.devOAuthProvider = true
        await #expect(throws: ConfigurationError.self) { _ = try await AppDependencies.make(configuration, logger: quietLogger()) }
    }
}

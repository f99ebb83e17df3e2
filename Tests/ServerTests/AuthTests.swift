import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import Models
import Server
import Storage
import TestSupport
import Testing

@Suite("Auth")
struct AuthTests {
    @Test("register returns tokens; email is normalized; duplicates are 409", arguments: TestBackend.available)
    func register(backend: TestBackend) async throws {
        try await withApp(backend) { _, client in
            let response = try await client.register("  Alice@Example.COM ")
            #expect(response.email == "alice@example.com")
            #expect(response.role == .user)
            #expect(response.tokenType == "bearer")
            #expect(response.expiresIn == 3600)
            #expect(response.refreshToken.count >= 43)

            let duplicate = try await client.call(
                .post, "/api/v1/auth/register", json: Credentials(email: "alice@example.com", password: "Correct-horse-9!"))
            #expect(duplicate.status == .conflict)
            #expect(try duplicate.errorBody().error.code == "EMAIL_TAKEN")
        }
    }

    @Test("registration enforces the password policy and email syntax")
    func registerValidation() async throws {
        try await withApp { _, client in
            for (email, password, field) in [
                ("a@example.com", "short1!A", "password"), ("a@example.com", "alllowercase-12!", "password"),
                ("a@example.com", "NoDigitsHere-!!", "password"), ("a@example.com", "NoSymbols12345", "password"),
                ("not-an-email", "Correct-horse-9!", "email"),
            ] {
                let reply = try await client.call(.post, "/api/v1/auth/register", json: Credentials(email: email, password: password))
                #expect(reply.status == .badRequest)
                let body = try reply.errorBody()
                #expect(body.error.code == "VALIDATION_FAILED")
                guard case .object(let fields)? = body.error.details["fields"] else {
                    Issue.record("no field errors in \(reply.text)"); continue
                }
                #expect(fields[field] != nil, "\(email)/\(password) should fail on \(field)")
            }
        }
    }

    @Test("wrong email and wrong password give the same 401")
    func loginFailuresLookAlike() async throws {
        try await withApp { _, client in
            _ = try await client.register("bob@example.com")
            let wrongPassword = try await client.call(
                .post, "/api/v1/auth/login", json: Credentials(email: "bob@example.com", password: "Wrong-horse-9!"))
            let unknownEmail = try await client.call(
                .post, "/api/v1/auth/login", json: Credentials(email: "nobody@example.com", password: "Wrong-horse-9!"))
            #expect(wrongPassword.status == .unauthorized)
            #expect(unknownEmail.status == .unauthorized)
            let a = try wrongPassword.errorBody()
            let b = try unknownEmail.errorBody()
            #expect(a.error.code == "INVALID_CREDENTIALS")
            #expect(a.error == b.error)

            let good = try await client.call(
                .post, "/api/v1/auth/login", json: Credentials(email: "BOB@example.com", password: "Correct-horse-9!"))
            #expect(good.status == .ok)
        }
    }

    @Test("five failed logins per IP then 429 with Retry-After, even for the right password")
    func loginRateLimit() async throws {
        try await withApp(configure: { $0.loginFailureLimit = 5 }) { _, client in
            _ = try await client.register("carol@example.com")
            for _ in 0..<5 {
                let reply = try await client.call(
                    .post, "/api/v1/auth/login", json: Credentials(email: "carol@example.com", password: "Wrong-horse-9!"))
                #expect(reply.status == .unauthorized)
            }
            let limited = try await client.call(
                .post, "/api/v1/auth/login", json: Credentials(email: "carol@example.com", password: "Correct-horse-9!"))
            #expect(limited.status == .tooManyRequests)
            #expect(try limited.errorBody().error.code == "RATE_LIMITED")
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            #expect((1...3600).contains(retryAfter))
        }
    }

    @Test("refresh rotates; reusing the old token revokes both tokens of the session", arguments: TestBackend.available)
    func refreshRotationAndReuse(backend: TestBackend) async throws {
        try await withApp(backend) { _, client in
            let first = try await client.register("dave@example.com")
            let rotated = try await client.call(.post, "/api/v1/auth/refresh", json: RefreshRequest(refreshToken: first.refreshToken))
            #expect(rotated.status == .ok)
            let second = try rotated.decode(AuthResponse.self)
            #expect(second.refreshToken != first.refreshToken)
            #expect(second.accessToken != first.accessToken)
            #expect(try await client.call(.get, "/api/v1/users/me", token: second.accessToken).status == .ok)

            // The old refresh token again: reuse → the session dies.
            let reuse = try await client.call(.post, "/api/v1/auth/refresh", json: RefreshRequest(refreshToken: first.refreshToken))
            #expect(reuse.status == .unauthorized)
            #expect(try reuse.errorBody().error.code == "REFRESH_TOKEN_REUSED")
            #expect(reuse.headers[.wwwAuthenticate] == "Bearer")

            let afterReuse = try await client.call(.get, "/api/v1/users/me", token: second.accessToken)
            #expect(afterReuse.status == .unauthorized)
            let refreshAfterReuse = try await client.call(
                .post, "/api/v1/auth/refresh", json: RefreshRequest(refreshToken: second.refreshToken))
            #expect(refreshAfterReuse.status == .unauthorized)
        }
    }

    @Test("logout kills the access and refresh token at once", arguments: TestBackend.available)
    func logout(backend: TestBackend) async throws {
        try await withApp(backend) { _, client in
            let tokens = try await client.register("erin@example.com")
            let other = try await client.call(
                .post, "/api/v1/auth/login", json: Credentials(email: "erin@example.com", password: "Correct-horse-9!"))
            let otherSession = try other.decode(AuthResponse.self)

            #expect(try await client.call(.post, "/api/v1/auth/logout", token: tokens.accessToken).status == .noContent)
            #expect(try await client.call(.get, "/api/v1/users/me", token: tokens.accessToken).status == .unauthorized)
            let refresh = try await client.call(.post, "/api/v1/auth/refresh", json: RefreshRequest(refreshToken: tokens.refreshToken))
            #expect(refresh.status == .unauthorized)
            #expect(try await client.call(.post, "/api/v1/auth/logout", token: tokens.accessToken).status == .unauthorized)
            // Another session of the same user is untouched.
            #expect(try await client.call(.get, "/api/v1/users/me", token: otherSession.accessToken).status == .ok)
        }
    }

    @Test("access tokens are RS256 with kid, sid and jti, verifiable with the published JWKS")
    func tokenShapeAndJWKS() async throws {
        try await withApp { _, client in
            let tokens = try await client.register("fay@example.com")
            let jwks = try await client.call(.get, "/.well-known/jwks.json")
            #expect(jwks.status == .ok)
            let keys = JWTKeyCollection()
            try await keys.add(jwksJSON: jwks.text)
            struct Claims: JWTPayload {
                var sub: SubjectClaim
                var sid: String
                var jti: IDClaim
                var role: String
                var exp: ExpirationClaim
                var iat: IssuedAtClaim
                func verify(using algorithm: some JWTAlgorithm) throws { try exp.verifyNotExpired() }
            }
            let claims = try await keys.verify(tokens.accessToken, as: Claims.self)
            #expect(claims.sub.value == tokens.userID.uuidString.lowercased())
            #expect(claims.role == "user")
            #expect(UUID(uuidString: claims.sid) != nil)
            #expect(claims.exp.value.timeIntervalSince(claims.iat.value) == 3600)
            let header = try #require(tokens.accessToken.split(separator: ".").first)
            var base64 = String(header).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            guard case .object(let headerJSON) = try JSONDecoder().decode(JSONValue.self, from: Data(base64Encoded: base64)!) else {
                Issue.record("header is not an object"); return
            }
            #expect(headerJSON["alg"] == "RS256")
            #expect(headerJSON["kid"] != nil)
        }
    }

    @Test("tampered, foreign and malformed tokens are 401, never 500")
    func badTokens() async throws {
        try await withApp { _, client in
            let tokens = try await client.register("gus@example.com")
            var parts = tokens.accessToken.split(separator: ".").map(String.init)
            parts[1] = parts[1].reversed().map(String.init).joined()
            let foreignKeys = JWTKeyCollection()
            await foreignKeys.add(hmac: HMACKey(from: String(repeating: "k", count: 32)), digestAlgorithm: .sha256)
            struct Foreign: JWTPayload { var sub: SubjectClaim; func verify(using algorithm: some JWTAlgorithm) throws {} }
            let foreign = try await foreignKeys.sign(Foreign(sub: .init(value: tokens.userID.uuidString)))
            for token in [parts.joined(separator: "."), "garbage", "a.b.c", foreign, ""] {
                let reply = try await client.call(.get, "/api/v1/users/me", token: token)
                #expect(reply.status == .unauthorized, "token \(token.prefix(12))")
                #expect(reply.headers[.wwwAuthenticate] == "Bearer")
                _ = try reply.errorBody()
            }
            let noScheme = try await client.call(.get, "/api/v1/users/me", headers: [.authorization: "Token abc"])
            #expect(noScheme.status == .unauthorized)
            let missing = try await client.call(.get, "/api/v1/users/me")
            #expect(missing.status == .unauthorized)
            #expect(try missing.errorBody().error.code == "UNAUTHORIZED")
        }
    }

    @Test("an expired access token is 401 TOKEN_EXPIRED")
    func expiredToken() async throws {
        try await withApp(configure: { $0.accessTokenLifetime = -10 }) { _, client in
            let tokens = try await client.register("hal@example.com")
            let reply = try await client.call(.get, "/api/v1/users/me", token: tokens.accessToken)
            #expect(reply.status == .unauthorized)
            #expect(try reply.errorBody().error.code == "TOKEN_EXPIRED")
        }
    }

    @Test("auth events are audited with request id and actor")
    func auditTrail() async throws {
        try await withApp { dependencies, client in
            let tokens = try await client.register("ivy@example.com")
            _ = try await client.call(.post, "/api/v1/auth/login", json: Credentials(email: "ivy@example.com", password: "Wrong-horse-9!"))
            _ = try await client.call(.post, "/api/v1/auth/refresh", json: RefreshRequest(refreshToken: tokens.refreshToken))
            _ = try await client.call(.post, "/api/v1/auth/refresh", json: RefreshRequest(refreshToken: tokens.refreshToken))
            let log = try await dependencies.auditLog.list(filter: AuditFilter(), skip: 0, limit: 50)
            let actions = Set(log.items.map { "\($0.action):\($0.outcome)" })
            #expect(actions.contains("auth.register:success"))
            #expect(actions.contains("auth.login:failure"))
            #expect(actions.contains("auth.refresh:success"))
            #expect(actions.contains("auth.refresh_reuse:session_revoked"))
            #expect(log.items.allSatisfy { $0.requestID != nil && !$0.requestID!.isEmpty })
            let failure = try #require(log.items.first { $0.outcome == "failure" })
            #expect(failure.actorID == tokens.userID)
            // Emails are masked in audit details.
            #expect(failure.details["email"] == "i***@example.com")
        }
    }
}

@Suite("Sessions and devices")
struct SessionsTests {
    @Test("list your devices, end one, log out everywhere; never someone else's", arguments: TestBackend.available)
    func sessions(backend: TestBackend) async throws {
        try await withApp(backend) { dependencies, client in
            let first = try await client.register("sam@example.com")
            let second = try await client.call(
                .post, "/api/v1/auth/login", json: Credentials(email: "sam@example.com", password: "Correct-horse-9!"),
                headers: [.userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"]
            ).decode(AuthResponse.self)
            let third = try await client.call(
                .post, "/api/v1/auth/login", json: Credentials(email: "sam@example.com", password: "Correct-horse-9!"),
                headers: [HTTPField.Name("X-Device-Name")!: "Sam's laptop"]
            ).decode(AuthResponse.self)

            let list = try await client.call(.get, "/api/v1/auth/sessions", token: second.accessToken)
            #expect(list.status == .ok)
            let sessions = try list.decode([SessionInfo].self)
            #expect(sessions.count == 3)
            #expect(sessions.filter(\.current).count == 1)
            #expect(Set(sessions.map(\.deviceName)).isSuperset(of: ["Firefox on Linux", "Sam's laptop"]))
            let laptop = try #require(sessions.first { $0.deviceName == "Sam's laptop" })

            // Someone else cannot end Sam's session: 404, and it keeps working.
            let other = try await client.register("eve@example.com")
            let denied = try await client.call(.delete, "/api/v1/auth/sessions/\(laptop.id.uuidString.lowercased())", token: other.accessToken)
            #expect(denied.status == .notFound)
            #expect(try await client.call(.get, "/api/v1/users/me", token: third.accessToken).status == .ok)

            // Sam ends the laptop's session from another device: its tokens stop at once.
            let ended = try await client.call(.delete, "/api/v1/auth/sessions/\(laptop.id.uuidString.lowercased())", token: second.accessToken)
            #expect(ended.status == .noContent)
            #expect(try await client.call(.get, "/api/v1/users/me", token: third.accessToken).status == .unauthorized)
            let refresh = try await client.call(.post, "/api/v1/auth/refresh", json: RefreshRequest(refreshToken: third.refreshToken))
            #expect(refresh.status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/auth/sessions", token: second.accessToken).decode([SessionInfo].self).count == 2)

            // Log out everywhere: both remaining sessions end, this one too.
            let all = try await client.call(.post, "/api/v1/auth/logout-all", token: second.accessToken)
            #expect(try all.decode(LogoutAllResult.self).revokedSessions == 2)
            #expect(try await client.call(.get, "/api/v1/users/me", token: first.accessToken).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/users/me", token: second.accessToken).status == .unauthorized)

            let actions = try await dependencies.auditLog.list(filter: AuditFilter(actorID: first.userID), skip: 0, limit: 50).items.map(\.action)
            #expect(actions.contains("auth.session_revoke") && actions.contains("auth.logout_all"))
        }
    }

    @Test("device names from user agents")
    func deviceNames() {
        #expect(SessionInfo.deviceName(userAgent: "spendsense-console") == "SpendSense console")
        #expect(SessionInfo.deviceName(userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 Version/17.1 Safari/605.1.15") == "Safari on macOS")
        #expect(SessionInfo.deviceName(userAgent: "curl/8.5.0") == "curl 8.5.0")
        #expect(SessionInfo.deviceName(userAgent: nil) == "Unknown device")
    }
}

@Suite("API rate limits")
struct APIRateLimitTests {
    @Test("per user: X-RateLimit-* on every response, then 429 with Retry-After; per IP for everyone", arguments: TestBackend.available)
    func limits(backend: TestBackend) async throws {
        try await withApp(backend, configure: { $0.apiRateLimitPerUser = 3; $0.apiRateLimitPerIP = 100 }) { _, client in
            let user = try await client.register("rae@example.com")
            for remaining in [2, 1, 0] {
                let reply = try await client.call(.get, "/api/v1/users/me", token: user.accessToken)
                #expect(reply.status == .ok)
                #expect(reply.headers[HTTPField.Name("X-RateLimit-Limit")!] == "3")
                #expect(reply.headers[HTTPField.Name("X-RateLimit-Remaining")!] == String(remaining))
                #expect(Int(reply.headers[HTTPField.Name("X-RateLimit-Reset")!] ?? "") ?? 0 > 0)
            }
            let refused = try await client.call(.get, "/api/v1/users/me", token: user.accessToken)
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.errorBody().error.code == "RATE_LIMITED")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(refused.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "0")
            // Another account is not affected.
            let other = try await client.register("ray@example.com")
            #expect(try await client.call(.get, "/api/v1/users/me", token: other.accessToken).status == .ok)
        }
        try await withApp(backend, configure: { $0.apiRateLimitPerIP = 2 }) { _, client in
            let bogus = RefreshRequest(refreshToken: "nope")
            #expect(try await client.call(.post, "/api/v1/auth/refresh", json: bogus).status == .unauthorized)
            let second = try await client.call(.post, "/api/v1/auth/refresh", json: bogus)
            #expect(second.status == .unauthorized)
            let third = try await client.call(.post, "/api/v1/auth/refresh", json: bogus)
            #expect(third.status == .tooManyRequests)
            #expect(third.headers[HTTPField.Name("X-RateLimit-Limit")!] == "2")
            // Outside the API (health, metrics) there is no limit.
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }
}

@Suite("Registration limit")
struct RegistrationLimitTests {
    @Test("five registrations per address per hour, then 429 with Retry-After")
    func limit() async throws {
        try await withApp(configure: { $0.registrationLimit = 5 }) { _, client in
            for n in 0..<5 { _ = try await client.register("reg\(n)@example.com") }
            let refused = try await client.call(.post, "/api/v1/auth/register", json: Credentials(email: "reg5@example.com", password: "Correct-horse-9!"))
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
        }
    }
}

import Crypto
import Foundation
import Storage
import HTTPTypes
import Hummingbird
import JWTKit
import Models
import NIOCore
import Synchronization

/// A local OAuth 2.0 / OpenID Connect provider that speaks each real provider's dialect: `/{provider}/authorize`,
/// `/{provider}/token`, `/{provider}/userinfo` (GitHub: also `/userinfo/emails`), and `/jwks`. It is the local
/// stand-in for Google, GitHub, Facebook and Apple, as the outbox is for SNS:
///
/// - in development (`OAUTH_DEV_PROVIDER=1`) the server mounts it at `/dev/oauth` and points every provider
///   without real credentials at it; its authorize page asks which email to sign in as;
/// - the tests serve it on its own port with `autoApprove`, and turn on misbehaviour (a forged signature, another
///   client's audience) to check the server refuses it.
///
/// It is strict where real providers are: codes work once, the redirect URI and PKCE verifier must match, the
/// client secret must be right (Apple's must be an ES256 JWT signed with the team key).
public final class DevOAuthProvider: Sendable {
    public struct Person: Sendable, Equatable {
        public var subject: String
        public var email: String?
        public var emailVerified: Bool
        public var name: String

        public init(subject: String, email: String?, emailVerified: Bool, name: String) {
            self.subject = subject
            self.email = email
            self.emailVerified = emailVerified
            self.name = name
        }

        /// A stable identity for an email typed on the development authorize page.
        public static func forEmail(_ email: String, name: String?) -> Person {
            let normalized = email.lowercased().trimmingCharacters(in: .whitespaces)
            let digest = Hex.sha256(normalized).prefix(12)
            return Person(subject: "dev-\(digest)", email: normalized, emailVerified: true, name: name ?? normalized)
        }
    }

    struct Grant: Sendable {
        var person: Person
        var provider: OAuthProviderID
        var redirectURI: String
        var challenge: String
        var nonce: String?
        var used = false
    }

    /// What the provider does next; tests change it.
    public struct State: Sendable {
        /// Who signs in when authorization is automatic.
        public var person = Person(subject: "10001", email: "fake.person@example.com", emailVerified: true, name: "Fake Person")
        var grants: [String: Grant] = [:]
        var accessTokens: [String: Person] = [:]
        /// Sign identity tokens with a key that is not in the published set.
        public var signWithWrongKey = false
        /// Put another client's id in `aud`.
        public var wrongAudience = false
        /// Code exchanges seen.
        public var tokenRequests = 0
        /// Key-set downloads seen.
        public var jwksRequests = 0
    }

    public static let clientID = "spendsense-dev-client"
    public static let clientSecret = "spendsense-dev-secret"
    public static let appleTeamID = "DEVTEAM001"
    public static let appleKeyID = "DEVKEY0001"

    public let state = Mutex(State())
    /// Approve at once as `state.person` (tests) instead of showing the sign-in page.
    let autoApprove: Bool
    let keys: JWTKeyCollection
    let wrongKeys: JWTKeyCollection
    let appleTeamKeys: JWTKeyCollection
    let jwks: String
    /// The team key Apple would give us (the server signs its client secret with it).
    let applePrivateKeyPEM: String

    private init(autoApprove: Bool, keys: JWTKeyCollection, wrongKeys: JWTKeyCollection, appleTeamKeys: JWTKeyCollection, jwks: String, applePEM: String) {
        self.autoApprove = autoApprove
        self.keys = keys
        self.wrongKeys = wrongKeys
        self.appleTeamKeys = appleTeamKeys
        self.jwks = jwks
        self.applePrivateKeyPEM = applePEM
    }

    /// Signing keys: RSA for identity tokens (fresh unless given as PEM: generating them is slow, so the tests
    /// share one pair), P-256 for Apple's client secret.
    public static func make(autoApprove: Bool, signingKeyPEM: String? = nil, forgeryKeyPEM: String? = nil) async throws -> DevOAuthProvider {
        let good = try Insecure.RSA.PrivateKey(pem: try signingKeyPEM ?? TokenService.generatePrivateKeyPEM())
        let bad = try Insecure.RSA.PrivateKey(pem: try forgeryKeyPEM ?? TokenService.generatePrivateKeyPEM())
        let keys = JWTKeyCollection()
        await keys.add(rsa: good, digestAlgorithm: .sha256, kid: "dev-key")
        let wrongKeys = JWTKeyCollection()
        // Same key id, different key: what a forged token looks like.
        await wrongKeys.add(rsa: bad, digestAlgorithm: .sha256, kid: "dev-key")
        let primitives = try good.publicKey.getKeyPrimitives()
        let jwks =
            #"{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"dev-key","n":"\#(primitives.modulus.base64URLEncodedString())","e":"\#(primitives.publicExponent.base64URLEncodedString())"}]}"#
        let team = P256.Signing.PrivateKey()
        let appleTeamKeys = JWTKeyCollection()
        await appleTeamKeys.add(ecdsa: try ES256PublicKey(pem: team.publicKey.pemRepresentation), kid: JWKIdentifier(string: appleKeyID))
        return DevOAuthProvider(
            autoApprove: autoApprove, keys: keys, wrongKeys: wrongKeys, appleTeamKeys: appleTeamKeys, jwks: jwks, applePEM: team.pemRepresentation)
    }

    public func setPerson(_ person: Person) { state.withLock { $0.person = person } }

    /// The server's settings for `provider` pointed at this provider's routes under `base` (absolute, or a path
    /// on the server itself, resolved against its public address).
    public func settings(_ provider: OAuthProviderID, base: String) -> OAuthProviderSettings {
        let secret: OAuthProviderSettings.Secret =
            provider == .apple
            ? .appleKey(teamID: Self.appleTeamID, keyID: Self.appleKeyID, privateKeyPEM: applePrivateKeyPEM) : .plain(Self.clientSecret)
        var settings = OAuthProviderSettings.standard(provider, clientID: Self.clientID, secret: secret)
        let root = base.hasSuffix("/") ? String(base.dropLast()) : base
        func url(_ path: String) -> URL { URL(string: "\(root)/\(path)")! }
        settings.authorizeURL = url("\(provider.rawValue)/authorize")
        settings.tokenURL = url("\(provider.rawValue)/token")
        settings.userinfoURL = provider == .apple ? nil : url("\(provider.rawValue)/userinfo")
        settings.jwksURL = settings.jwksURL == nil ? nil : url("jwks")
        return settings
    }

    // MARK: Tokens

    struct IDTokenClaims: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var email: String?
        var email_verified: String?
        var nonce: String?
        var name: String?
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    struct AppleClientSecret: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        func verify(using algorithm: some JWTAlgorithm) throws { try exp.verifyNotExpired() }
    }

    /// An identity token as the provider would sign it (or forge it, with `wrongKey`).
    public func idToken(
        for person: Person, provider: OAuthProviderID, nonce: String?, audience: String = DevOAuthProvider.clientID, wrongKey: Bool = false
    ) async throws -> String {
        let issuer = provider == .apple ? "https://appleid.apple.com" : "https://accounts.google.com"
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let claims = IDTokenClaims(
            iss: .init(value: issuer), sub: .init(value: person.subject), aud: .init(value: [audience]), exp: .init(value: now + 600),
            iat: .init(value: now), email: person.email, email_verified: person.emailVerified ? "true" : "false", nonce: nonce,
            name: person.name)
        return try await (wrongKey ? wrongKeys : keys).sign(claims, kid: "dev-key")
    }

    // MARK: Serving

    private static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    struct BadRequest: Error {}

    /// Checks an authorization request; the redirect to send the browser to with a fresh code.
    private func grant(_ query: [String: String], provider: OAuthProviderID, person: Person) -> Response {
        guard query["client_id"] == Self.clientID, query["response_type"] == "code", query["code_challenge_method"] == "S256",
            let challenge = query["code_challenge"], !challenge.isEmpty, let redirect = query["redirect_uri"], let state = query["state"],
            !state.isEmpty
        else { return Self.json(.badRequest, #"{"error":"invalid_request"}"#) }
        let code = UUID().uuidString
        self.state.withLock {
            $0.grants[code] = Grant(person: person, provider: provider, redirectURI: redirect, challenge: challenge, nonce: query["nonce"])
        }
        return Response(status: .found, headers: [.location: FormBody.appending([("code", code), ("state", state)], to: redirect)])
    }

    /// The page a person sees in development: which email to sign in as, or deny.
    private func signInPage(_ query: [String: String], provider: OAuthProviderID) -> Response {
        let hidden = query.sorted { $0.key < $1.key }.map { #"<input type="hidden" name="\#(Self.escape($0.key))" value="\#(Self.escape($0.value))">"# }
            .joined()
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(provider.displayName) (development)</title>
            <style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}
            input[type=email],input[type=text]{width:100%;padding:.4rem}button{margin:.8rem .4rem 0 0;padding:.4rem 1rem}</style></head><body>
            <h1>Sign in with \(provider.displayName)</h1>
            <p>This is SpendSense's development stand-in for \(provider.displayName): no real account is involved.</p>
            <form method="post">\(hidden)
            <label>Email <input type="email" name="email" value="dev.user@example.com" required></label>
            <label>Name <input type="text" name="name" value="Dev User"></label>
            <button type="submit" name="decision" value="approve">Sign in</button>
            <button type="submit" name="decision" value="deny">Deny</button>
            </form></body></html>
            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Mounts the provider's endpoints on `group`.
    public func addRoutes<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("jwks") { _, _ in
            self.state.withLock { $0.jwksRequests += 1 }
            return Self.json(.ok, self.jwks)
        }
        group.get("{provider}/authorize") { request, context -> Response in
            guard let provider = OAuthProviderID(rawValue: try context.parameters.require("provider")) else { throw HTTPError(.notFound) }
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
            if self.autoApprove { return self.grant(query, provider: provider, person: self.state.withLock { $0.person }) }
            return self.signInPage(query, provider: provider)
        }
        group.post("{provider}/authorize") { request, context -> Response in
            guard let provider = OAuthProviderID(rawValue: try context.parameters.require("provider")) else { throw HTTPError(.notFound) }
            let fields = try await FormBody.fields(of: request)
            if fields["decision"] == "deny", let redirect = fields["redirect_uri"], let state = fields["state"] {
                return Response(status: .found, headers: [.location: FormBody.appending([("error", "access_denied"), ("state", state)], to: redirect)])
            }
            guard let email = fields["email"], EmailAddress.normalize(email) != nil else { return self.signInPage(fields, provider: provider) }
            return self.grant(fields, provider: provider, person: .forEmail(email, name: fields["name"].flatMap { $0.isEmpty ? nil : $0 }))
        }
        group.post("{provider}/token") { request, context -> Response in
            guard let provider = OAuthProviderID(rawValue: try context.parameters.require("provider")) else { throw HTTPError(.notFound) }
            let fields = try await FormBody.fields(of: request)
            self.state.withLock { $0.tokenRequests += 1 }
            if provider == .apple {
                guard let secret = fields["client_secret"],
                    let claims = try? await self.appleTeamKeys.verify(secret, as: AppleClientSecret.self),
                    claims.iss.value == Self.appleTeamID, claims.sub.value == Self.clientID, claims.aud.value.contains("https://appleid.apple.com")
                else { return Self.json(.unauthorized, #"{"error":"invalid_client"}"#) }
            } else if fields["client_secret"] != Self.clientSecret {
                return Self.json(.unauthorized, #"{"error":"invalid_client"}"#)
            }
            guard fields["grant_type"] == "authorization_code", fields["client_id"] == Self.clientID, let code = fields["code"],
                let verifier = fields["code_verifier"]
            else { return Self.json(.badRequest, #"{"error":"invalid_request"}"#) }
            let grant: Grant? = self.state.withLock { state in
                guard var grant = state.grants[code], !grant.used, grant.provider == provider else { return nil }
                grant.used = true
                state.grants[code] = grant
                return grant
            }
            guard let grant, grant.redirectURI == fields["redirect_uri"],
                Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncodedString() == grant.challenge
            else { return Self.json(.badRequest, #"{"error":"invalid_grant"}"#) }
            let access = UUID().uuidString
            let (wrongKey, wrongAudience) = self.state.withLock { state in
                state.accessTokens[access] = grant.person
                return (state.signWithWrongKey, state.wrongAudience)
            }
            var answer = #"{"access_token":"\#(access)","token_type":"Bearer","expires_in":3600"#
            if provider == .google || provider == .apple {
                let token = try await self.idToken(
                    for: grant.person, provider: provider, nonce: grant.nonce, audience: wrongAudience ? "someone-else" : Self.clientID,
                    wrongKey: wrongKey)
                answer += #","id_token":"\#(token)""#
            }
            return Self.json(.ok, answer + "}")
        }
        group.get("{provider}/userinfo") { request, context -> Response in
            guard let person = self.person(request) else { return Self.json(.unauthorized, #"{"error":"invalid_token"}"#) }
            let email = person.email.map { "\"\($0)\"" } ?? "null"
            switch try context.parameters.require("provider") {
            case "google":
                return Self.json(.ok, #"{"sub":"\#(person.subject)","email":\#(email),"email_verified":\#(person.emailVerified),"name":"\#(person.name)"}"#)
            case "github":
                // GitHub ids are numbers and the public email is often null.
                let id = Int(person.subject) ?? Int(person.subject.dropFirst(4), radix: 16) ?? 0
                return Self.json(.ok, #"{"id":\#(id),"login":"devperson","name":"\#(person.name)","email":null}"#)
            default:
                return Self.json(.ok, #"{"id":"\#(person.subject)","name":"\#(person.name)","email":\#(email)}"#)
            }
        }
        group.get("{provider}/userinfo/emails") { request, _ -> Response in
            guard let person = self.person(request) else { return Self.json(.unauthorized, #"{"message":"Bad credentials"}"#) }
            guard let email = person.email else { return Self.json(.ok, "[]") }
            return Self.json(
                .ok, #"[{"email":"other@example.com","primary":false,"verified":true},{"email":"\#(email)","primary":true,"verified":\#(person.emailVerified)}]"#)
        }
    }

    private func person(_ request: Request) -> Person? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return state.withLock { $0.accessTokens[String(header.dropFirst(7))] }
    }
}

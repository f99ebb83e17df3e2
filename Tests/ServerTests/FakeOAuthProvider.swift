import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import Models
import NIOCore
import NIOFoundationEssentialsCompat
import NIOHTTP1
import Server
import Synchronization

/// A local OAuth 2.0 / OpenID Connect provider that speaks each real provider's dialect, served over HTTP by the
/// test so the server's real callback code talks to it: `/{provider}/authorize`, `/{provider}/token`,
/// `/{provider}/userinfo` (GitHub: also `/userinfo/emails`), and `/jwks`.
///
/// It is strict where real providers are: codes work once, the redirect URI and PKCE verifier must match, the
/// client secret must be right (Apple's must be an ES256 JWT signed with the team key).
final class FakeOAuthProvider: Sendable {
    struct Person: Sendable {
        var subject: String
        var email: String?
        var emailVerified: Bool
        var name: String
    }

    struct Grant: Sendable {
        var person: Person
        var provider: OAuthProviderID
        var redirectURI: String
        var challenge: String
        var nonce: String?
        var used = false
    }

    struct State: Sendable {
        /// Who "signs in" at the next authorize.
        var person = Person(subject: "10001", email: "fake.person@example.com", emailVerified: true, name: "Fake Person")
        var grants: [String: Grant] = [:]
        var accessTokens: [String: (Person, OAuthProviderID)] = [:]
        /// Sign identity tokens with a key that is not in the published set.
        var signWithWrongKey = false
        /// Put another client's id in `aud`.
        var wrongAudience = false
        var tokenRequests = 0
    }

    static let clientID = "spendsense-fake-client"
    static let clientSecret = "fake-client-secret"
    static let appleTeamID = "TEAM123456"
    static let appleKeyID = "APPLEKEY01"

    let state = Mutex(State())
    let keys: JWTKeyCollection
    let wrongKeys: JWTKeyCollection
    let appleTeamKeys: JWTKeyCollection
    let jwks: String
    /// The team key Apple would give us (the server signs its client secret with it).
    let applePrivateKeyPEM: String

    private init(keys: JWTKeyCollection, wrongKeys: JWTKeyCollection, appleTeamKeys: JWTKeyCollection, jwks: String, applePEM: String) {
        self.keys = keys
        self.wrongKeys = wrongKeys
        self.appleTeamKeys = appleTeamKeys
        self.jwks = jwks
        self.applePrivateKeyPEM = applePEM
    }

    static func make() async throws -> FakeOAuthProvider {
        let good = try Insecure.RSA.PrivateKey(pem: try TokenService.generatePrivateKeyPEM())
        let bad = try Insecure.RSA.PrivateKey(pem: try TokenService.generatePrivateKeyPEM())
        let keys = JWTKeyCollection()
        await keys.add(rsa: good, digestAlgorithm: .sha256, kid: "fake-key")
        let wrongKeys = JWTKeyCollection()
        // Same key id, different key: what a forged token looks like.
        await wrongKeys.add(rsa: bad, digestAlgorithm: .sha256, kid: "fake-key")
        let primitives = try good.publicKey.getKeyPrimitives()
        func b64(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let jwks = #"{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"fake-key","n":"\#(b64(primitives.modulus))","e":"\#(b64(primitives.publicExponent))"}]}"#
        let team = P256.Signing.PrivateKey()
        let appleTeamKeys = JWTKeyCollection()
        await appleTeamKeys.add(ecdsa: try ES256PublicKey(pem: team.publicKey.pemRepresentation), kid: JWKIdentifier(string: appleKeyID))
        return FakeOAuthProvider(keys: keys, wrongKeys: wrongKeys, appleTeamKeys: appleTeamKeys, jwks: jwks, applePEM: team.pemRepresentation)
    }

    func setPerson(_ person: Person) { state.withLock { $0.person = person } }

    /// The server's settings for `provider` pointed at this fake (at `base`).
    func settings(_ provider: OAuthProviderID, base: URL) -> OAuthProviderSettings {
        let secret: OAuthProviderSettings.Secret =
            provider == .apple
            ? .appleKey(teamID: Self.appleTeamID, keyID: Self.appleKeyID, privateKeyPEM: applePrivateKeyPEM) : .plain(Self.clientSecret)
        var settings = OAuthProviderSettings.standard(provider, clientID: Self.clientID, secret: secret)
        settings.authorizeURL = base.appendingPathComponent("\(provider.rawValue)/authorize")
        settings.tokenURL = base.appendingPathComponent("\(provider.rawValue)/token")
        settings.userinfoURL = provider == .apple ? nil : base.appendingPathComponent("\(provider.rawValue)/userinfo")
        settings.jwksURL = settings.jwksURL == nil ? nil : base.appendingPathComponent("jwks")
        return settings
    }

    // MARK: Serving

    struct IDTokenClaims: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var email: String?
        var email_verified: String?
        var nonce: String?
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
    func idToken(for person: Person, provider: OAuthProviderID, nonce: String?, audience: String = FakeOAuthProvider.clientID, wrongKey: Bool = false)
        async throws -> String
    {
        let issuer = provider == .apple ? "https://appleid.apple.com" : "https://accounts.google.com"
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let claims = IDTokenClaims(
            iss: .init(value: issuer), sub: .init(value: person.subject), aud: .init(value: [audience]), exp: .init(value: now + 600),
            iat: .init(value: now), email: person.email, email_verified: person.emailVerified ? "true" : "false", nonce: nonce)
        return try await (wrongKey ? wrongKeys : keys).sign(claims, kid: "fake-key")
    }

    private static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func form(_ text: String) -> [String: String] {
        var components = URLComponents()
        components.percentEncodedQuery = text.replacingOccurrences(of: "+", with: "%20")
        return Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
    }

    private static func b64url(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("jwks") { _, _ in Self.json(.ok, self.jwks) }
        router.get("{provider}/authorize") { request, context -> Response in
            let provider = try OAuthProviderID(rawValue: context.parameters.require("provider")).orThrow()
            let query = request.uri.queryParameters
            guard query["client_id"].map(String.init) == Self.clientID, query["response_type"] == "code",
                query["code_challenge_method"] == "S256", let challenge = query["code_challenge"], !challenge.isEmpty,
                let redirect = query["redirect_uri"].map(String.init), let state = query["state"].map(String.init), !state.isEmpty
            else { return Self.json(.badRequest, #"{"error":"invalid_request"}"#) }
            let code = UUID().uuidString
            self.state.withLock {
                $0.grants[code] = Grant(
                    person: $0.person, provider: provider, redirectURI: redirect, challenge: String(challenge), nonce: query["nonce"].map(String.init))
            }
            return Response(status: .found, headers: [.location: "\(redirect)\(redirect.contains("?") ? "&" : "?")code=\(code)&state=\(state)"])
        }
        router.post("{provider}/token") { request, context -> Response in
            let provider = try OAuthProviderID(rawValue: context.parameters.require("provider")).orThrow()
            let fields = Self.form(String(buffer: try await request.body.collect(upTo: 65536)))
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
                Self.b64url(Data(SHA256.hash(data: Data(verifier.utf8)))) == grant.challenge
            else { return Self.json(.badRequest, #"{"error":"invalid_grant"}"#) }
            let access = UUID().uuidString
            let (wrongKey, wrongAudience) = self.state.withLock { state in
                state.accessTokens[access] = (grant.person, provider)
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
        router.get("{provider}/userinfo") { request, context -> Response in
            guard let person = self.person(request) else { return Self.json(.unauthorized, #"{"error":"invalid_token"}"#) }
            let email = person.email.map { "\"\($0)\"" } ?? "null"
            switch try context.parameters.require("provider") {
            case "google":
                return Self.json(.ok, #"{"sub":"\#(person.subject)","email":\#(email),"email_verified":\#(person.emailVerified),"name":"\#(person.name)"}"#)
            case "github":
                // GitHub ids are numbers and the public email is often null.
                return Self.json(.ok, #"{"id":\#(person.subject),"login":"fakeperson","name":"\#(person.name)","email":null}"#)
            default:
                return Self.json(.ok, #"{"id":"\#(person.subject)","name":"\#(person.name)","email":\#(email)}"#)
            }
        }
        router.get("{provider}/userinfo/emails") { request, _ -> Response in
            guard let person = self.person(request) else { return Self.json(.unauthorized, #"{"message":"Bad credentials"}"#) }
            guard let email = person.email else { return Self.json(.ok, "[]") }
            return Self.json(.ok, #"[{"email":"other@example.com","primary":false,"verified":true},{"email":"\#(email)","primary":true,"verified":\#(person.emailVerified)}]"#)
        }
        return router
    }

    private func person(_ request: Request) -> Person? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return state.withLock { $0.accessTokens[String(header.dropFirst(7))]?.0 }
    }
}

struct MissingValue: Error {}

extension Optional {
    func orThrow() throws -> Wrapped {
        guard let value = self else { throw MissingValue() }
        return value
    }
}

/// Serves `fake` on a free local port for the duration of `body`.
func withFakeProvider<T: Sendable>(_ fake: FakeOAuthProvider, _ body: @Sendable (URL) async throws -> T) async throws -> T {
    var logger = Logger(label: "fake-oauth")
    logger.logLevel = .critical
    let app = Application(router: fake.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
    return try await app.test(.live) { client in
        try await body(URL(string: "http://127.0.0.1:\(client.port!)")!)
    }
}

/// A browser that does not follow redirects: it shows where it was sent.
struct TestBrowser {
    let http: HTTPClient

    static func with<T>(_ body: (TestBrowser) async throws -> T) async throws -> T {
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            let result = try await body(TestBrowser(http: http))
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// Opens `url` (the provider's authorize page) and returns where the provider redirects: our callback.
    func approve(_ url: String) async throws -> URLComponents {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .found, let location = response.headers.first(name: "location"),
            let components = URLComponents(string: location)
        else { throw MissingValue() }
        return components
    }
}

extension URLComponents {
    /// Path and query, to replay on the router test client.
    var pathAndQuery: String { path + (percentEncodedQuery.map { "?\($0)" } ?? "") }

    func query(_ name: String) -> String? { queryItems?.first { $0.name == name }?.value }
}

import AsyncHTTPClient
import Crypto
import Foundation
import Storage
import HTTPTypes
import JWTKit
import Models
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// Where an OAuth provider lives and how this server identifies itself to it.
public struct OAuthProviderSettings: Sendable {
    public enum Secret: Sendable {
        case plain(String)
        /// Sign in with Apple: the client secret is a short-lived ES256 JWT signed with the team's key.
        case appleKey(teamID: String, keyID: String, privateKeyPEM: String)
    }

    public var id: OAuthProviderID
    public var clientID: String
    public var secret: Secret
    public var authorizeURL: URL
    public var tokenURL: URL
    /// Profile endpoint (Google, GitHub, Facebook); GitHub's email list is this URL plus `/emails`.
    public var userinfoURL: URL?
    /// Keys that sign the provider's identity tokens (Apple, Google).
    public var jwksURL: URL?
    public var scopes: [String]
    /// The `iss` an identity token must carry.
    public var issuer: String?

    /// The provider's public endpoints, scopes and token issuer.
    public static func standard(_ id: OAuthProviderID, clientID: String, secret: Secret) -> OAuthProviderSettings {
        func url(_ text: String) -> URL { URL(string: text)! }
        switch id {
        case .google:
            return .init(
                id: id, clientID: clientID, secret: secret, authorizeURL: url("https://accounts.google.com/o/oauth2/v2/auth"),
                tokenURL: url("https://oauth2.googleapis.com/token"), userinfoURL: url("https://openidconnect.googleapis.com/v1/userinfo"),
                jwksURL: url("https://www.googleapis.com/oauth2/v3/certs"), scopes: ["openid", "email", "profile"],
                issuer: "https://accounts.google.com")
        case .github:
            return .init(
                id: id, clientID: clientID, secret: secret, authorizeURL: url("https://github.com/login/oauth/authorize"),
                tokenURL: url("https://github.com/login/oauth/access_token"), userinfoURL: url("https://api.github.com/user"),
                jwksURL: nil, scopes: ["read:user", "user:email"], issuer: nil)
        case .facebook:
            return .init(
                id: id, clientID: clientID, secret: secret, authorizeURL: url("https://www.facebook.com/v19.0/dialog/oauth"),
                tokenURL: url("https://graph.facebook.com/v19.0/oauth/access_token"),
                userinfoURL: url("https://graph.facebook.com/v19.0/me?fields=id,name,email"), jwksURL: nil,
                scopes: ["email", "public_profile"], issuer: nil)
        case .apple:
            return .init(
                id: id, clientID: clientID, secret: secret, authorizeURL: url("https://appleid.apple.com/auth/authorize"),
                tokenURL: url("https://appleid.apple.com/auth/token"), userinfoURL: nil,
                jwksURL: url("https://appleid.apple.com/auth/keys"), scopes: ["name", "email"], issuer: "https://appleid.apple.com")
        }
    }

    /// Providers configured by `OAUTH_{PROVIDER}_CLIENT_ID` and `_CLIENT_SECRET` (Apple: `_TEAM_ID`, `_KEY_ID`,
    /// `_PRIVATE_KEY_FILE`), with `_AUTHORIZE_URL`, `_TOKEN_URL`, `_USERINFO_URL`, `_JWKS_URL`, `_SCOPES`, `_ISSUER`
    /// overriding the public endpoints (a private deployment, or a local fake).
    public static func fromEnvironment(_ env: [String: String]) throws -> [OAuthProviderSettings] {
        try OAuthProviderID.allCases.compactMap { id in
            let prefix = "OAUTH_\(id.rawValue.uppercased())_"
            func value(_ name: String) -> String? {
                guard let text = env[prefix + name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
                return text
            }
            func url(_ name: String) throws -> URL? {
                guard let text = value(name) else { return nil }
                guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http", url.host != nil else {
                    throw ConfigurationError("\(prefix)\(name) must be an http(s) URL, got \(text)")
                }
                return url
            }
            guard let clientID = value("CLIENT_ID") else { return nil }
            let secret: Secret
            if let plain = value("CLIENT_SECRET") {
                secret = .plain(plain)
            } else if id == .apple, let team = value("TEAM_ID"), let key = value("KEY_ID"), let file = value("PRIVATE_KEY_FILE") {
                guard let pem = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw ConfigurationError("cannot read \(prefix)PRIVATE_KEY_FILE \(file)")
                }
                _ = try ES256PrivateKey(pem: pem)
                secret = .appleKey(teamID: team, keyID: key, privateKeyPEM: pem)
            } else {
                throw ConfigurationError(
                    id == .apple
                        ? "\(prefix)CLIENT_ID needs \(prefix)CLIENT_SECRET, or \(prefix)TEAM_ID, \(prefix)KEY_ID and \(prefix)PRIVATE_KEY_FILE"
                        : "\(prefix)CLIENT_ID needs \(prefix)CLIENT_SECRET")
            }
            var settings = standard(id, clientID: clientID, secret: secret)
            settings.authorizeURL = try url("AUTHORIZE_URL") ?? settings.authorizeURL
            settings.tokenURL = try url("TOKEN_URL") ?? settings.tokenURL
            settings.userinfoURL = try url("USERINFO_URL") ?? settings.userinfoURL
            settings.jwksURL = try url("JWKS_URL") ?? settings.jwksURL
            settings.issuer = value("ISSUER") ?? settings.issuer
            if let scopes = value("SCOPES") { settings.scopes = scopes.split(separator: " ").map(String.init) }
            return settings
        }
    }
}

/// Who the provider says signed in.
struct ProviderIdentity: Sendable, Equatable {
    var provider: OAuthProviderID
    var subject: String
    var email: String?
    /// The provider vouches that the person controls `email`.
    var emailVerified: Bool
    var name: String?
}

/// Claims of a provider's OpenID identity token (Apple, Google).
struct ProviderIDToken: JWTIdentityToken {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var email: String?
    var emailVerified: BoolClaim?
    var nonce: String?
    var name: String?

    var audience: AudienceClaim { aud }

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, email, nonce, name
        case emailVerified = "email_verified"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// A failure talking to a provider, with the answer the client gets.
struct OAuthFailure: Error {
    var error: AppError

    static func refused(_ message: String) -> OAuthFailure {
        OAuthFailure(error: AppError.unauthorized(message, code: ErrorCode.oauthFailed))
    }
    static func unavailable(_ message: String) -> OAuthFailure {
        OAuthFailure(error: AppError(.badGateway, code: ErrorCode.providerUnavailable, message))
    }
    static func badIDToken(_ message: String) -> OAuthFailure {
        OAuthFailure(error: AppError.unauthorized(message, code: ErrorCode.idTokenInvalid))
    }
}

/// The HTTP side of OAuth for one provider: code exchange, profile, identity-token verification.
struct OAuthProviderClient: Sendable {
    let settings: OAuthProviderSettings
    let http: HTTPClient
    let keySets: JWKSCache
    /// Resolves provider URLs given as paths on this server (the development provider).
    let address: PublicAddress

    var id: OAuthProviderID { settings.id }

    /// The secret to send with a code exchange.
    func clientSecret(now: Date = Date()) async throws -> String {
        switch settings.secret {
        case .plain(let secret): return secret
        case .appleKey(let teamID, let keyID, let pem):
            struct AppleClientSecret: JWTPayload {
                var iss: IssuerClaim
                var iat: IssuedAtClaim
                var exp: ExpirationClaim
                var aud: AudienceClaim
                var sub: SubjectClaim
                func verify(using algorithm: some JWTAlgorithm) throws {}
            }
            let keys = JWTKeyCollection()
            await keys.add(ecdsa: try ES256PrivateKey(pem: pem), kid: JWKIdentifier(string: keyID))
            let issued = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
            return try await keys.sign(
                AppleClientSecret(
                    iss: .init(value: teamID), iat: .init(value: issued), exp: .init(value: issued + 300),
                    aud: .init(value: ["https://appleid.apple.com"]), sub: .init(value: settings.clientID)),
                kid: JWKIdentifier(string: keyID))
        }
    }

    struct TokenAnswer: Decodable {
        var accessToken: String?
        var idToken: String?
        var error: String?
        var errorDescription: String?

        enum CodingKeys: String, CodingKey {
            case error
            case accessToken = "access_token"
            case idToken = "id_token"
            case errorDescription = "error_description"
        }
    }

    /// Trades the authorization code (with the PKCE verifier) for the provider's tokens.
    func exchange(code: String, verifier: String, redirectURI: String) async throws -> TokenAnswer {
        let form = FormBody.encode([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("client_id", settings.clientID),
            ("client_secret", try await clientSecret()), ("code_verifier", verifier),
        ])
        let (status, body) = try await send(
            address.resolve(settings.tokenURL), method: .POST, headers: ["content-type": "application/x-www-form-urlencoded", "accept": "application/json"],
            body: Data(form.utf8))
        let answer = try? JSONDecoder().decode(TokenAnswer.self, from: body)
        guard (200..<300).contains(status), let answer, answer.error == nil, answer.accessToken != nil || answer.idToken != nil else {
            let reason = answer?.error.map { ": \($0)" } ?? (answer == nil ? " (status \(status))" : "")
            if status >= 500 || (answer == nil && status >= 300) {
                throw OAuthFailure.unavailable("\(id.displayName) did not complete the sign-in\(reason)")
            }
            throw OAuthFailure.refused("\(id.displayName) refused the sign-in code\(reason); start again")
        }
        return answer
    }

    /// The person behind the tokens: the verified identity token where there is one (Apple, Google), else the
    /// profile endpoint.
    func identity(from tokens: TokenAnswer, nonce: String?) async throws -> ProviderIdentity {
        // An identity token, when the provider signs one, is checked (keys, audience, nonce) and is the answer.
        if let idToken = tokens.idToken, settings.jwksURL != nil {
            return try await verifyIDToken(idToken, nonce: nonce)
        }
        if id == .apple || settings.userinfoURL == nil {
            throw OAuthFailure.badIDToken("\(id.displayName) sent no identity token")
        }
        guard let accessToken = tokens.accessToken, let userinfo = settings.userinfoURL.map(address.resolve) else {
            throw OAuthFailure.refused("\(id.displayName) sent no access token")
        }
        let profile = try await getJSON(userinfo, accessToken: accessToken)
        switch id {
        case .google:
            guard let subject = profile["sub"]?.text else { throw OAuthFailure.unavailable("Google's profile has no subject") }
            return ProviderIdentity(
                provider: id, subject: subject, email: profile["email"]?.text, emailVerified: profile["email_verified"]?.truth ?? false,
                name: profile["name"]?.text)
        case .github:
            guard let subject = profile["id"]?.text else { throw OAuthFailure.unavailable("GitHub's profile has no id") }
            var email = profile["email"]?.text
            var verified = false
            // The public profile email may be empty or unverified; the email list says which is primary and verified.
            if let list = try? await getJSONArray(userinfo.appendingPathComponent("emails"), accessToken: accessToken),
                let primary = list.first(where: { $0["primary"]?.truth == true })
            {
                email = primary["email"]?.text ?? email
                verified = primary["verified"]?.truth ?? false
            }
            return ProviderIdentity(
                provider: id, subject: subject, email: email, emailVerified: verified, name: profile["name"]?.text ?? profile["login"]?.text)
        case .facebook, .apple:
            guard let subject = profile["id"]?.text ?? profile["sub"]?.text else {
                throw OAuthFailure.unavailable("\(id.displayName)'s profile has no id")
            }
            // Facebook does not say whether the address was confirmed: never link by it.
            return ProviderIdentity(provider: id, subject: subject, email: profile["email"]?.text, emailVerified: false, name: profile["name"]?.text)
        }
    }

    /// Verifies an identity token against the provider's published keys, issuer, our client id, expiry and nonce.
    func verifyIDToken(_ token: String, nonce: String?) async throws -> ProviderIdentity {
        guard let jwksURL = settings.jwksURL.map(address.resolve) else { throw OAuthFailure.badIDToken("\(id.displayName) does not issue identity tokens here") }
        func verified(_ keys: JWTKeyCollection) async throws -> ProviderIDToken {
            try await keys.verify(token, as: ProviderIDToken.self, expectedAudience: settings.clientID)
        }
        var claims: ProviderIDToken
        do {
            claims = try await verified(try await keySets.keys(jwksURL, http: http, refresh: false))
        } catch let failure as OAuthFailure {
            throw failure
        } catch {
            // The provider may have rotated its keys since we fetched them.
            do {
                claims = try await verified(try await keySets.keys(jwksURL, http: http, refresh: true))
            } catch let failure as OAuthFailure {
                throw failure
            } catch {
                throw OAuthFailure.badIDToken("\(id.displayName)'s identity token did not verify")
            }
        }
        if let issuer = settings.issuer, claims.iss.value != issuer {
            throw OAuthFailure.badIDToken("The identity token was not issued by \(id.displayName)")
        }
        if let nonce, claims.nonce != nonce {
            throw OAuthFailure.badIDToken("The identity token belongs to another sign-in")
        }
        return ProviderIdentity(
            provider: id, subject: claims.sub.value, email: claims.email, emailVerified: claims.emailVerified?.value ?? false,
            name: claims.name)
    }

    // MARK: HTTP

    func send(_ url: URL, method: HTTPMethod, headers: [String: String], body: Data? = nil) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "user-agent", value: "SpendSense")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        do {
            let response = try await http.execute(request, timeout: .seconds(10))
            let answer = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Data(buffer: answer))
        } catch {
            throw OAuthFailure.unavailable("\(id.displayName) could not be reached")
        }
    }

    private func getJSON(_ url: URL, accessToken: String) async throws -> [String: JSONValue] {
        let (status, body) = try await send(url, method: .GET, headers: ["authorization": "Bearer \(accessToken)", "accept": "application/json"])
        guard (200..<300).contains(status), case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            throw OAuthFailure.unavailable("\(id.displayName)'s profile could not be read (status \(status))")
        }
        return object
    }

    private func getJSONArray(_ url: URL, accessToken: String) async throws -> [[String: JSONValue]] {
        let (status, body) = try await send(url, method: .GET, headers: ["authorization": "Bearer \(accessToken)", "accept": "application/json"])
        guard (200..<300).contains(status), case .array(let items)? = try? JSONDecoder().decode(JSONValue.self, from: body) else { return [] }
        return items.compactMap { if case .object(let object) = $0 { object } else { nil } }
    }
}

extension JSONValue {
    /// A string, or a number written as one (GitHub ids are numbers).
    fileprivate var text: String? {
        switch self {
        case .string(let value): value
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        default: nil
        }
    }

    /// A boolean, or `"true"` (Apple writes booleans as strings).
    fileprivate var truth: Bool? {
        switch self {
        case .bool(let value): value
        case .string(let value): value == "true"
        default: nil
        }
    }
}

/// Providers' published signing keys, fetched on first use and kept for an hour. A refresh (after a token did
/// not verify, in case the provider rotated) fetches again at most once a minute, so a stream of forged tokens
/// does not become a stream of requests to the provider.
final class JWKSCache: Sendable {
    private let entries = Mutex<[URL: (keys: JWTKeyCollection, fetched: Date)]>([:])

    func keys(_ url: URL, http: HTTPClient, refresh: Bool) async throws -> JWTKeyCollection {
        if let entry = entries.withLock({ $0[url] }) {
            let age = Date().timeIntervalSince(entry.fetched)
            if age < (refresh ? 60 : 3600) { return entry.keys }
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "accept", value: "application/json")
        let body: ByteBuffer
        let status: UInt
        do {
            let response = try await http.execute(request, timeout: .seconds(10))
            status = response.status.code
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw OAuthFailure.unavailable("The provider's signing keys could not be fetched")
        }
        let keys = JWTKeyCollection()
        guard (200..<300).contains(status), (try? await keys.add(jwksJSON: String(buffer: body))) != nil else {
            throw OAuthFailure.unavailable("The provider's signing keys could not be read (status \(status))")
        }
        entries.withLock { $0[url] = (keys, Date()) }
        return keys
    }
}

/// The address browsers and providers reach this server at: `PUBLIC_URL`, or the listening address once the
/// server is bound (a port of 0 is only known then).
public final class PublicAddress: Sendable {
    private let value: Mutex<URL>

    public init(_ url: URL) { value = Mutex(url) }

    public var url: URL { value.withLock { $0 } }

    public func set(_ url: URL) { value.withLock { $0 = url } }

    /// `url` as is when absolute; a path (`/dev/oauth/…`) on this server otherwise.
    func resolve(_ url: URL) -> URL {
        guard url.host == nil else { return url }
        return URL(string: url.relativeString, relativeTo: self.url)?.absoluteURL ?? url
    }
}

/// The configured providers and everything their flows share.
public struct OAuthRegistry: Sendable {
    let clients: [OAuthProviderID: OAuthProviderClient]
    /// Our public address, for the callback URL the providers redirect to.
    let address: PublicAddress

    public init(settings: [OAuthProviderSettings], address: PublicAddress, http: HTTPClient = .shared) {
        let keySets = JWKSCache()
        self.clients = Dictionary(
            settings.map { ($0.id, OAuthProviderClient(settings: $0, http: http, keySets: keySets, address: address)) }, uniquingKeysWith: { $1 })
        self.address = address
    }

    var configured: [OAuthProviderID] { OAuthProviderID.allCases.filter { clients[$0] != nil } }

    func client(_ name: String) throws -> OAuthProviderClient {
        guard let id = OAuthProviderID(rawValue: name.lowercased()) else {
            throw AppError(.notFound, code: ErrorCode.providerNotConfigured, "Unknown sign-in provider \(name); use google, github, facebook or apple")
        }
        guard let client = clients[id] else {
            throw AppError(
                .notFound, code: ErrorCode.providerNotConfigured,
                "Sign-in with \(id.displayName) is not configured on this server (OAUTH_\(id.rawValue.uppercased())_CLIENT_ID)")
        }
        return client
    }

    private var base: String {
        var base = address.url.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    func callbackURL(_ id: OAuthProviderID) -> String { "\(base)/api/v1/auth/oauth/\(id.rawValue)/callback" }

    func shortURL(_ code: String) -> String { "\(base)/api/v1/auth/oauth/go/\(code)" }
}

import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import NIOCore
import Storage

/// OAuth 2.0 sign-in (authorization code with PKCE and state), the device-and-poll flow for the console,
/// and sign-in with a provider's identity token.
///
/// State lives in the key-value store for ten minutes and is taken (read and deleted at once) by the callback,
/// so a state works once. The poll handle is a second random value the browser never sees.
extension AuthService {
    static let oauthLifetime: TimeInterval = 600
    static let pollInterval = 2

    /// What an authorization is for, kept with its state.
    struct PendingAuthorization: Codable {
        enum Purpose: String, Codable { case signIn, device, link }
        var provider: OAuthProviderID
        var verifier: String
        var nonce: String
        var purpose: Purpose
        var pollHandle: String?
        /// The account a link attaches to.
        var userID: UUID?
        /// The console's details, for the session a device sign-in opens.
        var userAgent: String?
        var ip: String?
        var deviceName: String?
    }

    /// A device or link flow's result, read by `POST /oauth/poll`.
    struct PollRecord: Codable {
        var status: String
        /// The JSON answer once done.
        var body: String?
        var code: String?
        var message: String?
        var httpStatus: Int?
    }

    func requireOAuth() throws -> OAuthRegistry {
        guard let oauth else { throw AppError(.notFound, code: ErrorCode.providerNotConfigured, "No sign-in providers are configured on this server") }
        return oauth
    }

    static func randomToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64URLEncodedString()
    }

    static func pkceChallenge(_ verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncodedString()
    }

    func oauthProviders() -> OAuthProviders { OAuthProviders(providers: oauth?.configured ?? []) }

    /// Stores a new authorization and returns where to send the browser.
    func beginOAuth(
        _ providerName: String, purpose: PendingAuthorization.Purpose, userID: UUID? = nil, client: ClientInfo
    ) async throws -> OAuthStart {
        let registry = try requireOAuth()
        let provider = try registry.client(providerName)
        let state = Self.randomToken()
        let pending = PendingAuthorization(
            provider: provider.id, verifier: Self.randomToken(), nonce: Self.randomToken(), purpose: purpose,
            pollHandle: purpose == .signIn ? nil : Self.randomToken(), userID: userID, userAgent: client.userAgent, ip: client.ip,
            deviceName: client.deviceName)
        try await keyValue.set("oauth-state:\(state)", value: try Self.encode(pending), ttl: Self.oauthLifetime)
        if let handle = pending.pollHandle {
            try await keyValue.set("oauth-poll:\(handle)", value: try Self.encode(PollRecord(status: "pending")), ttl: Self.oauthLifetime)
        }
        var query = [
            ("response_type", "code"), ("client_id", provider.settings.clientID), ("redirect_uri", registry.callbackURL(provider.id)),
            ("scope", provider.settings.scopes.joined(separator: " ")), ("state", state),
            ("code_challenge", Self.pkceChallenge(pending.verifier)), ("code_challenge_method", "S256"),
        ]
        if provider.settings.jwksURL != nil { query.append(("nonce", pending.nonce)) }
        // Apple posts the answer back when it shares the name or email.
        if provider.id == .apple { query.append(("response_mode", "form_post")) }
        let authorizeURL = FormBody.appending(query, to: registry.address.resolve(provider.settings.authorizeURL).absoluteString)
        var start = OAuthStart(
            provider: provider.id, authorizeURL: authorizeURL, expiresIn: Int(saturating: Self.oauthLifetime),
            pollHandle: pending.pollHandle, interval: pending.pollHandle == nil ? nil : Self.pollInterval)
        if pending.pollHandle != nil {
            // A short address to type on another device; it redirects to the provider for ten minutes.
            let code = Self.shortCode()
            try await keyValue.set("oauth-go:\(code)", value: start.authorizeURL, ttl: Self.oauthLifetime)
            start.openURL = registry.shortURL(code)
        }
        return start
    }

    /// Eight characters without look-alikes (no 0/O, 1/I/L).
    static func shortCode() -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<8).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }

    /// `GET /oauth/go/{code}`: where a short address leads.
    func shortLinkTarget(_ code: String) async throws -> String {
        guard let target = try await keyValue.get("oauth-go:\(code.uppercased())") else {
            throw AppError(.notFound, code: ErrorCode.pollExpired, "This sign-in link has expired; start again from the console")
        }
        return target
    }

    /// The provider sent the browser back. Browser sign-in answers with tokens; device and link flows record
    /// the result for the poller and show a page to close.
    func completeOAuth(
        _ providerName: String, parameters: [String: String], client: ClientInfo, context: AppRequestContext
    ) async throws -> OAuthCallbackAnswer {
        let registry = try requireOAuth()
        let provider = try registry.client(providerName)
        guard let state = parameters["state"], !state.isEmpty,
            let stored = try await keyValue.take("oauth-state:\(state)"),
            let pending = try? JSONDecoder().decode(PendingAuthorization.self, from: Data(stored.utf8)),
            pending.provider == provider.id
        else {
            await audit.record(AuditAction.oauthSignIn, outcome: "bad_state", actor: nil, targetType: "provider", targetID: provider.id.rawValue, context: context)
            throw AppError(.badRequest, code: ErrorCode.oauthStateInvalid, "This sign-in link is unknown, expired or already used; start again")
        }
        do {
            if let error = parameters["error"] {
                throw OAuthFailure.refused("\(provider.id.displayName) did not sign you in (\(error))")
            }
            guard let code = parameters["code"], !code.isEmpty else {
                throw OAuthFailure(error: AppError.validation("The provider sent no code", fields: ["code": "required"]))
            }
            let tokens = try await provider.exchange(code: code, verifier: pending.verifier, redirectURI: registry.callbackURL(provider.id))
            let identity = try await provider.identity(from: tokens, nonce: pending.nonce)
            switch pending.purpose {
            case .signIn:
                return .signIn(try await signIn(with: identity, client: client, context: context))
            case .device:
                let device = ClientInfo(userAgent: pending.userAgent, ip: pending.ip, deviceName: pending.deviceName)
                let outcome = try await signIn(with: identity, client: device, context: context)
                let body: Data = switch outcome {
                case .signedIn(let tokens): try JSONEncoder.spendSense.encode(tokens)
                case .challenge(let challenge): try JSONEncoder.spendSense.encode(challenge)
                }
                try await finishPoll(pending, PollRecord(status: "done", body: String(decoding: body, as: UTF8.self)))
                return .page(title: "Signed in", message: "You are signed in to SpendSense. Close this tab and go back to the terminal.")
            case .link:
                guard let userID = pending.userID, try await users.find(id: userID) != nil else {
                    throw OAuthFailure(error: AppError.unauthorized("The account to link to is gone", code: ErrorCode.invalidToken))
                }
                let result = try await link(identity, to: userID, context: context)
                try await finishPoll(pending, PollRecord(status: "done", body: String(decoding: try JSONEncoder.spendSense.encode(result), as: UTF8.self)))
                return .page(title: "Linked", message: "\(provider.id.displayName) is linked to your SpendSense account. Close this tab and go back to the terminal.")
            }
        } catch let failure as OAuthFailure {
            await recordFailure(pending, failure.error, context: context)
            throw failure.error
        } catch let error as AppError {
            await recordFailure(pending, error, context: context)
            throw error
        } catch {
            // Storage or anything else: the poller hears it too, instead of waiting out the ten minutes.
            await recordFailure(
                pending, AppError(.serviceUnavailable, code: ErrorCode.serviceUnavailable, "The sign-in could not be completed; try again"),
                context: context)
            throw error
        }
    }

    private func recordFailure(_ pending: PendingAuthorization, _ error: AppError, context: AppRequestContext) async {
        await audit.record(
            AuditAction.oauthSignIn, outcome: "failure", actor: pending.userID, targetType: "provider", targetID: pending.provider.rawValue,
            details: ["code": .string(error.code)], context: context)
        try? await finishPoll(
            pending, PollRecord(status: "failed", code: error.code, message: error.message, httpStatus: Int(error.status.code)))
    }

    private func finishPoll(_ pending: PendingAuthorization, _ record: PollRecord) async throws {
        guard let handle = pending.pollHandle else { return }
        let key = "oauth-poll:\(handle)"
        let left = try await keyValue.ttl(key) ?? Self.oauthLifetime
        try await keyValue.set(key, value: try Self.encode(record), ttl: max(1, left))
    }

    /// `POST /oauth/poll`: 202 while waiting, the stored answer once (then the handle is spent), or the failure.
    func poll(_ request: OAuthPollRequest) async throws -> OAuthPollAnswer {
        let key = "oauth-poll:\(request.pollHandle)"
        guard let text = try await keyValue.get(key), let record = try? JSONDecoder().decode(PollRecord.self, from: Data(text.utf8)) else {
            throw AppError(.notFound, code: ErrorCode.pollExpired, "This sign-in has expired or was already collected; start again")
        }
        switch record.status {
        case "pending":
            let left = try await keyValue.ttl(key) ?? 0
            return .pending(OAuthPending(interval: Self.pollInterval, expiresIn: Int(saturating: left)))
        case "done":
            guard try await keyValue.take(key) != nil, let body = record.body else {
                throw AppError(.notFound, code: ErrorCode.pollExpired, "This sign-in was already collected; start again")
            }
            return .done(json: body)
        default:
            try await keyValue.delete(key)
            throw AppError(
                HTTPResponse.Status(code: record.httpStatus ?? 401), code: record.code ?? ErrorCode.oauthFailed,
                record.message ?? "The sign-in did not complete")
        }
    }

    /// `POST /oauth/{provider}/token`: a native app's identity token (Apple, Google) for our tokens.
    func signIn(withIDToken request: OAuthTokenRequest, provider providerName: String, client: ClientInfo, context: AppRequestContext)
        async throws -> LoginOutcome
    {
        let provider = try requireOAuth().client(providerName)
        do {
            let identity = try await provider.verifyIDToken(request.idToken, nonce: nil)
            return try await signIn(with: identity, client: client, context: context)
        } catch let failure as OAuthFailure {
            await audit.record(
                AuditAction.oauthSignIn, outcome: "failure", actor: nil, targetType: "provider", targetID: provider.id.rawValue,
                details: ["code": .string(failure.error.code)], context: context)
            throw failure.error
        }
    }

    /// The account for a provider identity: the linked one; else the account with the same address when the
    /// provider vouches for it (and links it); else a new account (`is_new_user`).
    func signIn(with identity: ProviderIdentity, client: ClientInfo, context: AppRequestContext) async throws -> LoginOutcome {
        let identities = try requireIdentities()
        var isNew = false
        var user: UserRecord?
        if let linked = try await identities.find(provider: identity.provider.rawValue, subject: identity.subject) {
            user = try await users.find(id: linked.userID)
        }
        let email = identity.email.flatMap(EmailAddress.normalize)
        if user == nil, identity.emailVerified, let email, let owner = try await users.find(email: email) {
            // Staff accounts are never entered by address alone: their owner links the provider while signed in.
            guard owner.user.role == .user else {
                throw AppError(
                    .conflict, code: ErrorCode.linkRequired,
                    "A staff account uses this address: sign in with its password, then link \(identity.provider.displayName) from the sessions screen")
            }
            try await identities.link(userID: owner.id, provider: identity.provider.rawValue, subject: identity.subject, email: email, now: Date())
            await audit.record(
                AuditAction.identityLink, actor: owner.id, targetType: "provider", targetID: identity.provider.rawValue,
                details: ["by": .string("verified_email")], context: context)
            user = owner
        }
        if user == nil {
            let free = try await email.asyncFlatMap { try await users.find(email: $0) == nil ? $0 : nil }
            let created = try await users.create(email: free, passwordHash: nil, role: .user, name: identity.name, now: Date())
            do {
                try await identities.link(userID: created.id, provider: identity.provider.rawValue, subject: identity.subject, email: email, now: Date())
                user = created
                isNew = true
                await audit.record(AuditAction.register, actor: created.id, details: ["method": .string(identity.provider.rawValue)], context: context)
            } catch StorageError.conflict {
                // A parallel callback for the same person created theirs first.
                try await users.softDelete(id: created.id, now: Date())
                user = try await identities.find(provider: identity.provider.rawValue, subject: identity.subject)
                    .asyncFlatMap { try await users.find(id: $0.userID) }
            }
        }
        guard let user else { throw AppError.unauthorized("No account for this sign-in", code: ErrorCode.invalidCredentials) }
        return try await completeSignIn(user, method: identity.provider.rawValue, isNewUser: isNew, client: client, context: context)
    }

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.spendSense.encode(value), as: UTF8.self)
    }
}

/// What the callback answers: tokens (browser sign-in) or a page to close (device and link flows).
enum OAuthCallbackAnswer: ResponseGenerator {
    case signIn(AuthService.LoginOutcome)
    case page(title: String, message: String)

    func response(from request: Request, context: some RequestContext) throws -> Response {
        switch self {
        case .signIn(let outcome): return try outcome.response(from: request, context: context)
        case .page(let title, let message):
            let html = """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>SpendSense: \(title)</title>
                <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}</style>
                </head><body><h1>\(title)</h1><p>\(message)</p></body></html>
                """
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        }
    }
}

/// `POST /oauth/poll`: 202 and when to ask again, or 200 and the stored answer.
enum OAuthPollAnswer: ResponseGenerator {
    case pending(OAuthPending)
    case done(json: String)

    func response(from request: Request, context: some RequestContext) throws -> Response {
        switch self {
        case .pending(let pending):
            var response = try pending.response(from: request, context: context)
            response.status = .accepted
            return response
        case .done(let json):
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
    }
}

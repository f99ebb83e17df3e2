import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import Storage

/// Email/password accounts and token sessions: register, log in, refresh (with rotation and reuse
/// detection), log out.
public struct AuthService: Sendable {
    let users: any UserRepository
    let sessions: any SessionRepository
    let tokens: TokenService
    let passwords: PasswordHasher
    let limiter: RateLimiter
    let audit: AuditLogger
    let configuration: ServerConfiguration
    var mfa: (any MFARepository)? = nil
    /// Seals second-factor secrets at rest.
    var secrets: SecretBox? = nil
    /// Sends phone sign-in codes; nil: phone sign-in is off.
    var sms: (any SMSSender)? = nil
    /// Provider identities, linking and merging.
    var identities: (any IdentityRepository)? = nil
    /// Configured OAuth providers; nil: none.
    var oauth: OAuthRegistry? = nil
    /// Sends password reset tokens; nil: reset by email is off.
    var emailSender: (any EmailSender)? = nil
    /// Cached reads to drop when accounts merge.
    var cache: ResponseCache? = nil
    /// Admin-set rules (staff second factor).
    var settings: RuntimeSettings? = nil

    /// Client details recorded on a new session.
    struct ClientInfo {
        var userAgent: String?
        var ip: String?
        /// `X-Device-Name`, when the client names itself.
        var deviceName: String? = nil
    }

    /// Validated, normalized credentials, or a 400 naming every broken rule.
    static func validated(_ credentials: Credentials, checkPolicy: Bool) throws -> (email: String, password: String) {
        var fields: [String: String] = [:]
        let email = EmailAddress.normalize(credentials.email)
        if email == nil { fields["email"] = "must be a valid email address" }
        if checkPolicy {
            let problems = PasswordPolicy.violations(of: credentials.password)
            if !problems.isEmpty { fields["password"] = "must contain " + problems.joined(separator: ", ") }
        }
        guard let email, fields.isEmpty else {
            throw AppError.validation(fields.count == 1 ? "\(fields.first!.key) \(fields.first!.value)" : "Invalid registration", fields: fields)
        }
        return (email, credentials.password)
    }

    /// Creates a user with a password (also used by `create-user` and `seed`). 409 when the email is taken.
    public func createUser(email rawEmail: String, password: String, role: Role, name: String? = nil) async throws
        -> UserRecord
    {
        let (email, password) = try Self.validated(Credentials(email: rawEmail, password: password), checkPolicy: true)
        let hash = try await passwords.hash(password)
        do {
            return try await users.create(email: email, passwordHash: hash, role: role, name: name, now: Date())
        } catch StorageError.conflict {
            throw AppError(.conflict, code: ErrorCode.emailTaken, "An account with this email already exists")
        }
    }

    func register(_ credentials: Credentials, client: ClientInfo, context: AppRequestContext) async throws
        -> AuthResponse
    {
        try await limiter.consume(
            "register:\(client.ip ?? "unknown")", limit: configuration.registrationLimit,
            window: configuration.registrationWindow, message: "Too many registrations from this address")
        let user = try await createUser(email: credentials.email, password: credentials.password, role: .user)
        await audit.record(
            AuditAction.register, actor: user.id, targetType: "user", targetID: user.id.uuidString.lowercased(),
            context: context)
        return try await openSession(for: user, client: client)
    }

    /// Short-lived sign-in state (codes, challenges): the store the rate limits count in.
    var keyValue: any KeyValueStore { limiter.store }

    /// Tokens, or (for an account with an authenticator) a challenge to answer with a code.
    enum LoginOutcome: ResponseGenerator {
        case signedIn(AuthResponse)
        case challenge(MFAChallenge)

        func response(from request: Request, context: some RequestContext) throws -> Response {
            switch self {
            case .signedIn(let tokens): try tokens.response(from: request, context: context)
            case .challenge(let challenge): try challenge.response(from: request, context: context)
            }
        }
    }

    func login(_ credentials: Credentials, client: ClientInfo, context: AppRequestContext) async throws -> LoginOutcome {
        let limitKey = "login-fail:\(client.ip ?? "unknown")"
        try await limiter.ensureAllowed(
            limitKey, limit: configuration.loginFailureLimit, message: "Too many failed sign-in attempts; try later")
        let email = EmailAddress.normalize(credentials.email)
        let user = try await email.asyncFlatMap { try await users.find(email: $0) }
        let matches = try await passwords.verify(credentials.password, hash: user?.passwordHash)
        guard let user, matches else {
            try await limiter.hit(limitKey, window: configuration.loginFailureWindow)
            await audit.record(
                AuditAction.login, outcome: "failure", actor: user?.id,
                details: ["email": .string(email.map(EmailAddress.masked) ?? "invalid")], context: context)
            throw AppError.unauthorized("Email or password is incorrect", code: ErrorCode.invalidCredentials)
        }
        return try await completeSignIn(user, method: nil, client: client, context: context)
    }

    /// The end of every sign-in (password, phone, provider): a locked account is refused, an account with an
    /// authenticator gets a challenge, anyone else a session. Audited with the method (nil: email and password);
    /// `isNewUser` is reported for the methods that create accounts.
    func completeSignIn(
        _ user: UserRecord, method: String?, isNewUser: Bool? = nil, client: ClientInfo, context: AppRequestContext
    ) async throws -> LoginOutcome {
        let details: [String: JSONValue] = method.map { ["method": .string($0)] } ?? [:]
        guard !user.user.isLocked else {
            await audit.record(AuditAction.login, outcome: "locked", actor: user.id, details: details, context: context)
            throw AppError(.forbidden, code: ErrorCode.accountLocked, "This account is locked; contact an administrator")
        }
        if let mfa, try await mfa.totp(userID: user.id)?.isConfirmed == true {
            await audit.record(AuditAction.login, outcome: "mfa_challenge", actor: user.id, details: details, context: context)
            return .challenge(try await startChallenge(for: user, client: client))
        }
        await audit.record(AuditAction.login, actor: user.id, details: details, context: context)
        var response = try await openSession(for: user, client: client)
        response.isNewUser = isNewUser
        return .signedIn(response)
    }

    func refresh(_ request: RefreshRequest, context: AppRequestContext) async throws -> AuthResponse {
        let presented = TokenService.hashRefreshToken(request.refreshToken)
        let next = TokenService.newRefreshToken()
        switch try await sessions.refresh(tokenHash: presented, newTokenHash: next.hash, now: Date()) {
        case .rotated(let session, let user):
            await audit.record(
                AuditAction.refresh, actor: user.id, targetType: "session",
                targetID: session.id.uuidString.lowercased(), context: context)
            let access = try await tokens.accessToken(userID: user.id, role: user.user.role, sessionID: session.id)
            return response(user: user, access: access, refresh: next.token)
        case .reused(let session):
            await audit.record(
                AuditAction.refreshReuse, outcome: "session_revoked", actor: session.userID, targetType: "session",
                targetID: session.id.uuidString.lowercased(), context: context)
            throw AppError.unauthorized(
                "Refresh token was already used; the session has been revoked", code: ErrorCode.refreshTokenReused)
        case .invalid:
            throw AppError.unauthorized("Refresh token is invalid or expired", code: ErrorCode.invalidToken)
        }
    }

    func logout(_ identity: Identity, context: AppRequestContext) async throws {
        try await sessions.revoke(sessionID: identity.sessionID, reason: "logout", now: Date())
        await audit.record(
            AuditAction.logout, actor: identity.user.id, targetType: "session",
            targetID: identity.sessionID.uuidString.lowercased(), context: context)
    }

    /// The caller's signed-in devices.
    func sessions(_ identity: Identity) async throws -> [SessionInfo] {
        try await sessions.live(userID: identity.user.id, now: Date()).map { session in
            SessionInfo(
                id: session.id, deviceName: session.deviceName ?? SessionInfo.deviceName(userAgent: session.userAgent),
                userAgent: session.userAgent, ip: session.ip, createdAt: session.createdAt, lastUsedAt: session.lastUsedAt,
                expiresAt: session.expiresAt, current: session.id == identity.sessionID)
        }
    }

    /// Ends one of the caller's sessions (its tokens stop working at once); 404 for anyone else's.
    func revokeSession(_ sessionID: UUID, identity: Identity, context: AppRequestContext) async throws {
        let own = try await sessions.live(userID: identity.user.id, now: Date()).contains { $0.id == sessionID }
        guard own, try await sessions.revoke(sessionID: sessionID, reason: "revoked_by_user", now: Date()) else {
            throw AppError.notFound("No live session \(sessionID.uuidString.lowercased()) of yours")
        }
        await audit.record(
            AuditAction.sessionRevoke, actor: identity.user.id, targetType: "session", targetID: sessionID.uuidString.lowercased(),
            context: context)
    }

    /// "Log out everywhere": every session of the caller, this one included.
    func logoutEverywhere(_ identity: Identity, context: AppRequestContext) async throws -> LogoutAllResult {
        let count = try await sessions.revokeAll(userID: identity.user.id, reason: "logout_all", now: Date())
        await audit.record(
            AuditAction.logoutAll, actor: identity.user.id, targetType: "user", targetID: identity.user.id.uuidString.lowercased(),
            details: ["sessions": .number(Double(count))], context: context)
        return LogoutAllResult(revokedSessions: count)
    }

    func openSession(for user: UserRecord, client: ClientInfo) async throws -> AuthResponse {
        let refresh = TokenService.newRefreshToken()
        let session = try await sessions.create(
            userID: user.id, tokenHash: refresh.hash, userAgent: client.userAgent, ip: client.ip,
            deviceName: client.deviceName ?? SessionInfo.deviceName(userAgent: client.userAgent), now: Date(),
            lifetime: configuration.refreshTokenLifetime)
        let access = try await tokens.accessToken(userID: user.id, role: user.user.role, sessionID: session.id)
        return response(user: user, access: access, refresh: refresh.token)
    }

    private func response(user: UserRecord, access: String, refresh: String) -> AuthResponse {
        AuthResponse(
            userID: user.id, email: user.user.email, role: user.user.role, accessToken: access, refreshToken: refresh,
            expiresIn: Int(saturating: tokens.accessTokenLifetime))
    }
}

extension Optional {
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

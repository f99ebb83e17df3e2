import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import Logging
import Models
import Storage

/// Authenticates the bearer token: signature and expiry (RS256), then one query for the session and its
/// user, so logout, refresh-token reuse, locking and deletion take effect on the very next request.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenService
    let sessions: any SessionRepository
    /// Requests per user per window across the API (0: no limit).
    var limiter: RateLimiter? = nil
    var perUserLimit = 0
    var window: TimeInterval = 3600

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw AppError.unauthorized("Missing bearer token")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw AppError.unauthorized("Authorization header must be 'Bearer <token>'", code: ErrorCode.invalidToken)
        }
        let claims = try await tokens.verify(String(parts[1]))
        guard let sessionID = UUID(uuidString: claims.sid), let userID = UUID(uuidString: claims.sub.value) else {
            throw AppError.unauthorized("Invalid access token", code: ErrorCode.invalidToken)
        }
        guard let (session, user) = try await sessions.authenticate(sessionID: sessionID), session.userID == userID,
            session.isUsable(at: Date())
        else {
            throw AppError.unauthorized("Session has ended; sign in again", code: ErrorCode.invalidToken)
        }
        guard user.deletedAt == nil else {
            throw AppError.unauthorized("Account no longer exists", code: ErrorCode.invalidToken)
        }
        guard !user.user.isLocked else {
            throw AppError.unauthorized("Account is locked", code: ErrorCode.accountLocked)
        }
        // "Last used" for the sessions list, written at most once a minute per session.
        let now = Date()
        if now.timeIntervalSince(session.lastUsedAt) > 60 { try? await sessions.touch(sessionID: sessionID, now: now) }
        var context = context
        context.identity = Identity(user: user.user, sessionID: sessionID, tokenID: claims.jti.value)
        context.logger[metadataKey: "user.id"] = .string(user.id.uuidString.lowercased())
        guard let limiter, perUserLimit > 0 else { return try await next(request, context) }
        let window = try await limiter.take(
            "api-user:\(user.id.uuidString.lowercased())", limit: perUserLimit, window: window,
            message: "Too many requests for this account; try again later")
        var response = try await next(request, context)
        // The per-user window is the one that binds a signed-in caller; it replaces the per-IP figures.
        for field in window.headers { response.headers[field.name] = field.value }
        return response
    }
}

/// Requests per client IP per window across the API, signed in or not; adds the `X-RateLimit-*` headers.
struct IPRateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: RateLimiter
    let limit: Int
    let window: TimeInterval

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard limit > 0 else { return try await next(request, context) }
        let state = try await limiter.take(
            "api-ip:\(context.remoteIP ?? "unknown")", limit: limit, window: window, message: "Too many requests from this address; try again later")
        var response = try await next(request, context)
        for field in state.headers where response.headers[field.name] == nil { response.headers[field.name] = field.value }
        return response
    }
}

/// Requires at least `minimum` role; refusals are audited. Role comes from the database row, not the token,
/// so a demotion applies at once.
struct RoleMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let minimum: Role
    let audit: AuditLogger
    /// Checks the staff second-factor rule (`MFA_REQUIRED_FOR_STAFF`).
    var auth: AuthService? = nil

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let identity = try context.requireIdentity()
        guard identity.role >= minimum else {
            await audit.record(
                AuditAction.authorizationFailure, outcome: "denied", actor: identity.user.id, targetType: "route",
                targetID: "\(request.method.rawValue) \(context.endpointPath ?? request.uri.path)",
                details: ["required_role": .string(minimum.rawValue), "role": .string(identity.role.rawValue)],
                context: context)
            throw AppError.forbidden(
                "This needs the \(minimum.rawValue) role; you are \(identity.role.rawValue)",
                code: ErrorCode.insufficientRole)
        }
        try await auth?.ensureStaffMFA(identity)
        return try await next(request, context)
    }
}

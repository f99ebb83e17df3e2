import Foundation
import Hummingbird
import Models
import Storage

/// Admin-only extras: user list with search, lock/unlock, the audit log.
struct AdminExtrasController {
    let dependencies: AppDependencies

    /// Under `/operator/admin`.
    func addAdminRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("users", use: users)
        group.post("users/{user_id}/lock", use: lock)
        group.post("users/{user_id}/unlock", use: unlock)
        group.get("settings", use: settings)
        group.put("settings", use: updateSettings)
    }

    /// `/operator/audit` (admins).
    func addAuditRoute(to group: RouterGroup<AppRequestContext>) {
        group.get("audit", use: audit)
    }

    @Sendable func settings(_ request: Request, context: AppRequestContext) async throws -> ServerSettings {
        try await dependencies.settings.current()
    }

    /// Changes run-time settings; every instance applies them within five seconds.
    @Sendable func updateSettings(_ request: Request, context: AppRequestContext) async throws -> ServerSettings {
        let identity = try context.requireIdentity()
        let body = try await request.decodeJSON(ServerSettings.self, context: context)
        // Turning the rule on without an authenticator of one's own would lock this admin out of the setting.
        if body.mfaRequiredForStaff, try await dependencies.mfa.totp(userID: identity.user.id)?.isConfirmed != true {
            throw AppError(
                .conflict, code: ErrorCode.mfaRequired,
                "Set up your own authenticator (POST /api/v1/auth/mfa/totp/enroll) before requiring one for staff")
        }
        let before = try await dependencies.settings.current()
        let after = try await dependencies.settings.update(body, by: identity.user.id)
        await dependencies.audit.record(
            AuditAction.settingsChange, actor: identity.user.id, targetType: "settings", targetID: "mfa_required_for_staff",
            details: ["before": .bool(before.mfaRequiredForStaff), "after": .bool(after.mfaRequiredForStaff)], context: context)
        return after
    }

    @Sendable func users(_ request: Request, context: AppRequestContext) async throws -> Page<User> {
        let paging = try Paging(request)
        let search = request.uri.queryParameters["q"].map(String.init)
        var role: Role?
        if let text = request.uri.queryParameters["role"] {
            guard let parsed = Role(rawValue: String(text)) else { throw AppError.validation("role must be user, operator or admin", fields: ["role": "user|operator|admin"]) }
            role = parsed
        }
        return try await dependencies.users.search(text: search, role: role, skip: paging.skip, limit: paging.limit)
    }

    func setLocked(_ request: Request, context: AppRequestContext, locked: Bool) async throws -> User {
        let identity = try context.requireIdentity()
        let userID = try context.parameters.uuid("user_id")
        guard userID != identity.user.id else { throw AppError(.conflict, code: ErrorCode.conflict, "Admins cannot lock their own account") }
        let updated = try await dependencies.users.setLocked(id: userID, locked: locked, now: Date())
        if locked { try await dependencies.sessions.revokeAll(userID: userID, reason: "locked", now: Date()) }
        await dependencies.audit.record(
            locked ? "admin.lock" : "admin.unlock", actor: identity.user.id, targetType: "user", targetID: userID.uuidString.lowercased(), context: context)
        return updated.user
    }

    @Sendable func lock(_ request: Request, context: AppRequestContext) async throws -> User {
        try await setLocked(request, context: context, locked: true)
    }

    @Sendable func unlock(_ request: Request, context: AppRequestContext) async throws -> User {
        try await setLocked(request, context: context, locked: false)
    }

    @Sendable func audit(_ request: Request, context: AppRequestContext) async throws -> Page<AuditEntry> {
        let paging = try Paging(request, defaultLimit: 100, maxLimit: 1000)
        let q = request.uri.queryParameters
        var filter = AuditFilter()
        filter.actorID = try request.uuidQuery("actor_id")
        filter.action = q["action"].map(String.init)
        filter.outcome = q["outcome"].map(String.init)
        filter.targetID = q["target_id"].map(String.init)
        if let from = try request.dayQuery("from") { filter.from = Date(timeIntervalSince1970: Double(from.ordinal) * 86400) }
        if let to = try request.dayQuery("to") { filter.to = Date(timeIntervalSince1970: Double(to.ordinal) * 86400 + 86399.999) }
        return try await dependencies.auditLog.list(filter: filter, skip: paging.skip, limit: paging.limit)
    }
}

import Foundation
import Hummingbird
import Models
import Storage

/// `/api/v1/operator/admin`: administration (admins only).
struct AdminController {
    let users: any UserRepository
    let audit: AuditLogger

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.put("users/{user_id}/role", use: changeRole)
    }

    @Sendable func changeRole(_ request: Request, context: AppRequestContext) async throws -> User {
        let identity = try context.requireIdentity()
        let userID = try context.parameters.uuid("user_id")
        let body = try await request.decodeJSON(RoleChangeRequest.self, context: context)
        guard let target = try await users.find(id: userID) else {
            throw AppError.notFound("No user with id \(userID.uuidString.lowercased())")
        }
        if target.id == identity.user.id, body.role < .admin {
            throw AppError(
                .conflict, code: ErrorCode.conflict, "Admins cannot remove their own admin role; ask another admin")
        }
        let updated = try await users.setRole(id: userID, role: body.role, now: Date())
        await audit.record(
            AuditAction.roleChange, actor: identity.user.id, targetType: "user",
            targetID: userID.uuidString.lowercased(),
            details: ["from": .string(target.user.role.rawValue), "to": .string(body.role.rawValue)], context: context)
        return updated.user
    }
}

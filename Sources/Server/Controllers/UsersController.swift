import Foundation
import Hummingbird
import Models
import Storage

/// `/api/v1/users/me`: read, change and delete your own account.
struct UsersController {
    let users: any UserRepository
    let audit: AuditLogger

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("me", use: me)
        group.put("me", use: update)
        group.delete("me", use: delete)
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> User {
        try context.requireIdentity().user
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> User {
        let identity = try context.requireIdentity()
        let body = try await request.decodeJSON(UpdateUserRequest.self, context: context)
        var fields: [String: String] = [:]
        var changes = UserChanges()
        if let name = body.name {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.count > 100 || trimmed.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true }) {
                fields["name"] = "must be at most 100 characters on one line"
            }
            changes.name = .some(trimmed.isEmpty ? nil : trimmed)
        }
        if body.clearedFields.contains("email") {
            fields["email"] = "cannot be null: an account keeps its address (send a new one to change it)"
        }
        if body.clearedFields.contains("name") { changes.name = .some(nil) }
        if body.clearedFields.contains("phone_number") { changes.phoneNumber = .some(nil) }
        if body.clearedFields.contains("monthly_income") { changes.monthlyIncome = .some(nil) }
        if let email = body.email {
            if let normalized = EmailAddress.normalize(email) {
                changes.email = .some(normalized)
            } else {
                fields["email"] = "must be a valid email address"
            }
        }
        if let phone = body.phoneNumber {
            if phone.isEmpty {
                changes.phoneNumber = .some(nil)
            } else if let normalized = PhoneNumber.normalize(phone) {
                changes.phoneNumber = .some(normalized)
            } else {
                fields["phone_number"] = "must be an E.164 number such as +15551234567"
            }
        }
        if let income = body.monthlyIncome {
            if income.isFinite, income >= 0, income <= 10_000_000 {
                changes.monthlyIncome = .some(income)
            } else {
                fields["monthly_income"] = "must be a number between 0 and 10,000,000"
            }
        }
        guard fields.isEmpty else { throw AppError.validation("Invalid profile update", fields: fields) }
        do {
            let updated = try await users.update(id: identity.user.id, changes: changes, now: Date())
            await audit.record(
                AuditAction.userUpdate, actor: identity.user.id, targetType: "user",
                targetID: identity.user.id.uuidString.lowercased(),
                details: ["fields": .array(Self.changedFields(body).map { .string($0) })], context: context)
            return updated.user
        } catch StorageError.conflict {
            let field = changes.email != nil ? "email" : "phone_number"
            throw AppError(
                .conflict, code: field == "email" ? ErrorCode.emailTaken : ErrorCode.phoneTaken,
                "That \(field == "email" ? "email" : "phone number") belongs to another account",
                details: ["field": .string(field)])
        }
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let identity = try context.requireIdentity()
        try await users.softDelete(id: identity.user.id, now: Date())
        await audit.record(
            AuditAction.userDelete, actor: identity.user.id, targetType: "user",
            targetID: identity.user.id.uuidString.lowercased(), context: context)
        return .noContent
    }

    static func changedFields(_ body: UpdateUserRequest) -> [String] {
        var fields: [String] = []
        if body.name != nil { fields.append("name") }
        if body.email != nil { fields.append("email") }
        if body.phoneNumber != nil { fields.append("phone_number") }
        if body.monthlyIncome != nil { fields.append("monthly_income") }
        return fields
    }
}

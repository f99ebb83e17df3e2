import Foundation
import Models
import Storage

/// Who may read a user's data: the user, or an operator/admin while that user consents. Refusals are audited.
struct AccessPolicy: Sendable {
    let consents: any ConsentRepository
    let audit: AuditLogger

    /// Returns normally when `identity` may read `userID`'s data; otherwise 403 (`CONSENT_REQUIRED` for staff
    /// without consent, `FORBIDDEN` for other users).
    func ensureCanRead(_ userID: UUID, identity: Identity, what: String, context: AppRequestContext) async throws {
        if identity.user.id == userID { return }
        guard identity.role >= .operator else {
            await audit.record(
                AuditAction.authorizationFailure, outcome: "denied", actor: identity.user.id, targetType: "user",
                targetID: userID.uuidString.lowercased(), details: ["reason": "other_user", "resource": .string(what)], context: context)
            throw AppError.forbidden("You can only read your own data")
        }
        guard try await consents.isGranted(userID: userID) else {
            await audit.record(
                AuditAction.authorizationFailure, outcome: "denied", actor: identity.user.id, targetType: "user",
                targetID: userID.uuidString.lowercased(), details: ["reason": "consent_required", "resource": .string(what)], context: context)
            throw AppError.forbidden("This user has not granted consent to data processing", code: ErrorCode.consentRequired)
        }
        await audit.record(
            AuditAction.operatorRead, actor: identity.user.id, targetType: "user", targetID: userID.uuidString.lowercased(),
            details: ["resource": .string(what)], context: context)
    }

    /// The user's own consent, or 403 `CONSENT_REQUIRED`.
    func ensureOwnConsent(_ identity: Identity, context: AppRequestContext) async throws {
        guard try await consents.isGranted(userID: identity.user.id) else {
            await audit.record(
                AuditAction.authorizationFailure, outcome: "denied", actor: identity.user.id, targetType: "user",
                targetID: identity.user.id.uuidString.lowercased(), details: ["reason": "consent_required", "resource": "recommendations"],
                context: context)
            throw AppError.forbidden("Grant consent (POST /api/v1/consent) to see recommendations", code: ErrorCode.consentRequired)
        }
    }
}

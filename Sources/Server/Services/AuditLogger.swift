import Foundation
import Logging
import Models
import Storage

/// Writes audit rows with the request's id and peer address. A failed write is logged, never thrown:
/// the caller's outcome (a refused login, say) must not turn into a 500 because the audit insert failed.
public struct AuditLogger: Sendable {
    let repository: any AuditRepository
    let logger: Logger

    public init(repository: any AuditRepository, logger: Logger) {
        self.repository = repository
        self.logger = logger
    }

    func record(
        _ action: String, outcome: String = "success", actor: UUID?, targetType: String? = nil,
        targetID: String? = nil, details: [String: JSONValue] = [:], context: AppRequestContext?
    ) async {
        await record(
            AuditEntry(
                at: Date(), actorID: actor, action: action, outcome: outcome, targetType: targetType,
                targetID: targetID, ip: context?.remoteIP, requestID: context?.requestID, details: details
            ))
    }

    public func record(_ entry: AuditEntry) async {
        do {
            try await repository.record(entry)
        } catch {
            logger.error(
                "audit write failed",
                metadata: ["audit.action": "\(entry.action)", "error": "\(String(describing: error))"])
        }
    }
}

/// Audit action names, one place for all of them.
enum AuditAction {
    static let register = "auth.register"
    static let login = "auth.login"
    static let refresh = "auth.refresh"
    static let refreshReuse = "auth.refresh_reuse"
    static let logout = "auth.logout"
    static let logoutAll = "auth.logout_all"
    static let sessionRevoke = "auth.session_revoke"
    static let mfaEnroll = "auth.mfa_enroll"
    static let mfaEnable = "auth.mfa_enable"
    static let mfaDisable = "auth.mfa_disable"
    static let mfaVerify = "auth.mfa_verify"
    static let phoneCode = "auth.phone_code_sent"
    static let phoneVerify = "auth.phone_verify"
    static let phoneLink = "auth.phone_link"
    static let oauthSignIn = "auth.oauth"
    static let identityLink = "auth.identity_link"
    static let identityUnlink = "auth.identity_unlink"
    static let accountMerge = "auth.account_merge"
    static let passwordResetRequest = "auth.password_reset_request"
    static let passwordReset = "auth.password_reset"
    static let settingsChange = "admin.settings_change"
    static let userUpdate = "user.update"
    static let userDelete = "user.delete"
    static let userCreate = "user.create"
    static let roleChange = "admin.role_change"
    static let authorizationFailure = "authz.denied"
    static let operatorRead = "operator.read_user_data"
    static let upload = "data.upload"
    static let consentGrant = "consent.grant"
    static let consentRevoke = "consent.revoke"
    static let dataDelete = "data.delete"
    static let feedback = "recommendation.feedback"
}

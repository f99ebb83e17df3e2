import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Server
import Storage
import TestSupport
import Testing

/// The reset token in the newest outbox email to `address`.
func lastResetToken(_ client: any TestClientProtocol, _ address: String) async throws -> String? {
    let messages = try await client.call(.get, "/api/v1/dev/outbox?to=\(address)").decode([OutboxMessage].self)
    guard let body = messages.first(where: { $0.channel == "email" })?.body else { return nil }
    return body.split(separator: "\n").first { $0.hasPrefix("Your reset token: ") }.map { String($0.dropFirst("Your reset token: ".count)) }
}

@Suite("Password reset and run-time settings")
struct RecoveryAndSettingsTests {
    @Test("forgot → emailed token → reset once; every session ends; unknown addresses look the same", arguments: TestBackend.available)
    func passwordReset(backend: TestBackend) async throws {
        try await withApp(backend) { dependencies, client in
            let user = try await client.register("forgetful@example.com")
            let asked = try await client.call(.post, "/api/v1/auth/forgot-password", json: ForgotPasswordRequest(email: "Forgetful@Example.com"))
            #expect(asked.status == .accepted)
            let unknown = try await client.call(.post, "/api/v1/auth/forgot-password", json: ForgotPasswordRequest(email: "nobody@example.com"))
            #expect(unknown.status == .accepted && unknown.text == asked.text)
            #expect(try await lastResetToken(client, "nobody@example.com") == nil)
            let token = try #require(try await lastResetToken(client, "forgetful@example.com"))
            #expect(token.count >= 43)

            let weak = try await client.call(.post, "/api/v1/auth/reset-password", json: ResetPasswordRequest(token: token, password: "short"))
            #expect(weak.status == .badRequest)
            #expect(try weak.errorBody().error.code == ErrorCode.validationFailed)
            let bad = try await client.call(.post, "/api/v1/auth/reset-password", json: ResetPasswordRequest(token: "made-up", password: "New-horse-battery-7"))
            #expect(bad.status == .badRequest)
            #expect(try bad.errorBody().error.code == ErrorCode.resetTokenInvalid)
            // The weak attempt did not spend the token.
            let reset = try await client.call(.post, "/api/v1/auth/reset-password", json: ResetPasswordRequest(token: token, password: "New-horse-battery-7"))
            #expect(reset.status == .ok, "\(reset.text)")
            let again = try await client.call(.post, "/api/v1/auth/reset-password", json: ResetPasswordRequest(token: token, password: "Other-horse-battery-8"))
            #expect(again.status == .badRequest)
            #expect(try again.errorBody().error.code == ErrorCode.resetTokenInvalid)

            // Old sessions are over; the old password is not accepted, the new one is.
            #expect(try await client.call(.get, "/api/v1/users/me", token: user.accessToken).status == .unauthorized)
            #expect(try await client.call(.post, "/api/v1/auth/refresh", json: RefreshRequest(refreshToken: user.refreshToken)).status == .unauthorized)
            let old = try await client.call(.post, "/api/v1/auth/login", json: Credentials(email: "forgetful@example.com", password: "Correct-horse-9!"))
            #expect(old.status == .unauthorized)
            let new = try await client.call(.post, "/api/v1/auth/login", json: Credentials(email: "forgetful@example.com", password: "New-horse-battery-7"))
            #expect(new.status == .ok)
            let audit = try await dependencies.auditLog.list(filter: AuditFilter(action: "auth.password_reset"), skip: 0, limit: 5)
            #expect(audit.total == 1)

            // Three requests an hour per account.
            for _ in 0..<2 { _ = try await client.call(.post, "/api/v1/auth/forgot-password", json: ForgotPasswordRequest(email: "forgetful@example.com")) }
            let limited = try await client.call(.post, "/api/v1/auth/forgot-password", json: ForgotPasswordRequest(email: "forgetful@example.com"))
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
            let invalid = try await client.call(.post, "/api/v1/auth/forgot-password", json: ForgotPasswordRequest(email: "not an address"))
            #expect(invalid.status == .badRequest)
        }
    }

    @Test("an expired reset token is refused")
    func expiredToken() async throws {
        try await withApp { dependencies, client in
            _ = try await client.register("late@example.com")
            _ = try await client.call(.post, "/api/v1/auth/forgot-password", json: ForgotPasswordRequest(email: "late@example.com"))
            let token = try #require(try await lastResetToken(client, "late@example.com"))
            // The key-value entry carries the 30-minute lifetime.
            let ttl = try #require(try await dependencies.keyValue.ttl("password-reset:" + Hex.sha256(token)))
            #expect(ttl > 1790 && ttl <= 1800)
            try await dependencies.keyValue.delete("password-reset:" + Hex.sha256(token))
            let reply = try await client.call(.post, "/api/v1/auth/reset-password", json: ResetPasswordRequest(token: token, password: "New-horse-battery-7"))
            #expect(reply.status == .badRequest)
        }
    }

    @Test("an admin turns the staff second-factor rule on and off at run time")
    func staffMFASetting() async throws {
        try await withApp { dependencies, client in
            let admin = try await signIn(dependencies, client, email: "root@example.com", role: .admin)
            let op = try await signIn(dependencies, client, email: "op@example.com", role: .operator)
            let user = try await client.register("plain@example.com")
            let initial = try await client.call(.get, "/api/v1/operator/admin/settings", token: admin.accessToken).decode(ServerSettings.self)
            #expect(initial.mfaRequiredForStaff == false)
            #expect(try await client.call(.get, "/api/v1/operator/review", token: op.accessToken).status == .ok)

            let refused = try await client.call(.put, "/api/v1/operator/admin/settings", json: ServerSettings(mfaRequiredForStaff: true), token: op.accessToken)
            #expect(refused.status == .forbidden)
            // Not before the admin has an authenticator: the rule would lock them out.
            let early = try await client.call(.put, "/api/v1/operator/admin/settings", json: ServerSettings(mfaRequiredForStaff: true), token: admin.accessToken)
            #expect(early.status == .conflict)
            #expect(try early.errorBody().error.code == ErrorCode.mfaRequired)
            let enrollment = try await client.call(.post, "/api/v1/auth/mfa/totp/enroll", token: admin.accessToken).decode(TOTPEnrollment.self)
            let confirm = try await client.call(
                .post, "/api/v1/auth/mfa/totp/confirm", json: MFACodeRequest(code: authenticatorCode(enrollment)), token: admin.accessToken)
            #expect(confirm.status == .ok)
            let on = try await client.call(.put, "/api/v1/operator/admin/settings", json: ServerSettings(mfaRequiredForStaff: true), token: admin.accessToken)
            #expect(try on.decode(ServerSettings.self).mfaRequiredForStaff)
            let blocked = try await client.call(.get, "/api/v1/operator/review", token: op.accessToken)
            #expect(blocked.status == .forbidden)
            #expect(try blocked.errorBody().error.code == ErrorCode.mfaRequired)
            #expect(try await client.call(.get, "/api/v1/auth/mfa", token: op.accessToken).decode(MFAStatus.self).requiredForRole)
            // End users are not affected.
            #expect(try await client.call(.get, "/api/v1/users/me", token: user.accessToken).status == .ok)
            // Stored in the database: a fresh reader sees it.
            #expect(try await dependencies.settings.current().mfaRequiredForStaff)
            let audit = try await dependencies.auditLog.list(filter: AuditFilter(action: "admin.settings_change"), skip: 0, limit: 5)
            #expect(audit.total == 1)
            // The admin, with an authenticator, still reaches staff routes and turns the rule off again.
            let off = try await client.call(.put, "/api/v1/operator/admin/settings", json: ServerSettings(mfaRequiredForStaff: false), token: admin.accessToken)
            #expect(try off.decode(ServerSettings.self).mfaRequiredForStaff == false)
            #expect(try await client.call(.get, "/api/v1/operator/review", token: op.accessToken).status == .ok)
            let badBody = try await client.call(.put, "/api/v1/operator/admin/settings", raw: #"{"mfa_required_for_staff":"yes"}"#, token: admin.accessToken)
            #expect(badBody.status == .badRequest)
        }
    }
}

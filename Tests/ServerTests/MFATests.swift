import Foundation
import HTTPTypes
import HummingbirdOTP
import HummingbirdTesting
import Models
import Server
import Storage
import TestSupport
import Testing

/// Decodes RFC 4648 base32 (no padding), as authenticator apps read the enrollment secret.
func base32Decode(_ text: String) -> [UInt8] {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    var bits = 0
    var value = 0
    var bytes: [UInt8] = []
    for character in text.uppercased() where character != "=" {
        guard let index = alphabet.firstIndex(of: character) else { continue }
        value = (value << 5) | index
        bits += 5
        if bits >= 8 {
            bytes.append(UInt8((value >> (bits - 8)) & 0xFF))
            bits -= 8
        }
    }
    return bytes
}

/// The code an authenticator app shows for `enrollment` at `date`.
func authenticatorCode(_ enrollment: TOTPEnrollment, at date: Date = Date()) -> String {
    let secret = String(decoding: base32Decode(enrollment.secret), as: UTF8.self)
    return String(format: "%06d", TOTP(secret: secret).compute(date: date))
}

/// Waits, when needed, until the current 30-second step has at least 20 s left, so the codes a test computes
/// (the previous step's above all) are still in the server's ±1 window when they arrive on a busy machine.
func freshTOTPStep() async throws {
    let intoStep = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 30)
    if intoStep > 10 { try await Task.sleep(for: .milliseconds(Int((30 - intoStep) * 1000) + 200)) }
}

@Suite("Two-factor sign-in (TOTP)")
struct MFATests {
    @Test("enroll, confirm, then login needs the code; wrong and replayed codes fail; five misses end the challenge", arguments: TestBackend.available)
    func flow(backend: TestBackend) async throws {
        try await withApp(backend) { dependencies, client in
            let user = try await client.register("mia@example.com")
            let enrollment = try await client.call(.post, "/api/v1/auth/mfa/totp/enroll", token: user.accessToken).decode(TOTPEnrollment.self)
            #expect(enrollment.otpauthURI.hasPrefix("otpauth://totp/SpendSense:mia@example.com?secret=\(enrollment.secret)"))
            // Until confirmed, login still gives tokens.
            let before = try await client.call(.post, "/api/v1/auth/login", json: Credentials(email: "mia@example.com", password: "Correct-horse-9!"))
            #expect(try before.decode(AuthResponse.self).userID == user.userID)

            let wrong = try await client.call(.post, "/api/v1/auth/mfa/totp/confirm", json: MFACodeRequest(code: "000000"), token: user.accessToken)
            #expect(wrong.status == .badRequest || authenticatorCode(enrollment) == "000000")
            // A code from the previous 30-second step is accepted (clock drift).
            try await freshTOTPStep()
            let previous = authenticatorCode(enrollment, at: Date().addingTimeInterval(-30))
            let confirmed = try await client.call(.post, "/api/v1/auth/mfa/totp/confirm", json: MFACodeRequest(code: previous), token: user.accessToken)
            #expect(try confirmed.decode(MFAStatus.self).totpEnabled)
            // The secret is sealed at rest.
            let record = try #require(try await dependencies.mfa.totp(userID: user.userID))
            #expect(!record.sealedSecret.contains(enrollment.secret) && record.isConfirmed)

            // Login now answers with a challenge, no tokens.
            let login = try await client.call(.post, "/api/v1/auth/login", json: Credentials(email: "mia@example.com", password: "Correct-horse-9!"))
            #expect(login.status == .ok)
            let challenge = try login.decode(MFAChallenge.self)
            #expect(challenge.mfaRequired && challenge.methods == ["totp"])
            #expect(!login.text.contains("access_token"))
            let bad = try await client.call(.post, "/api/v1/auth/mfa/verify", json: MFAVerifyRequest(challengeID: challenge.challengeID, code: "12345x"))
            #expect(bad.status == .unauthorized)
            // The code of the current step: the one used to confirm was the previous step, so this is new.
            let code = authenticatorCode(enrollment)
            let verified = try await client.call(.post, "/api/v1/auth/mfa/verify", json: MFAVerifyRequest(challengeID: challenge.challengeID, code: code))
            #expect(verified.status == .ok)
            let tokens = try verified.decode(AuthResponse.self)
            #expect(try await client.call(.get, "/api/v1/users/me", token: tokens.accessToken).status == .ok)
            // The challenge is spent, and the same code cannot be replayed on a new challenge.
            #expect(try await client.call(.post, "/api/v1/auth/mfa/verify", json: MFAVerifyRequest(challengeID: challenge.challengeID, code: code)).status == .unauthorized)
            let again = try await client.call(.post, "/api/v1/auth/login", json: Credentials(email: "mia@example.com", password: "Correct-horse-9!")).decode(MFAChallenge.self)
            #expect(try await client.call(.post, "/api/v1/auth/mfa/verify", json: MFAVerifyRequest(challengeID: again.challengeID, code: code)).status == .unauthorized)
            // Five wrong codes end the challenge even for a right one afterwards.
            for _ in 0..<4 {
                _ = try await client.call(.post, "/api/v1/auth/mfa/verify", json: MFAVerifyRequest(challengeID: again.challengeID, code: "999999"))
            }
            let next = authenticatorCode(enrollment, at: Date().addingTimeInterval(30))
            #expect(try await client.call(.post, "/api/v1/auth/mfa/verify", json: MFAVerifyRequest(challengeID: again.challengeID, code: next)).status == .unauthorized)

            // Turning it off needs a valid, unused code.
            #expect(try await client.call(.delete, "/api/v1/auth/mfa/totp", json: MFACodeRequest(code: code), token: tokens.accessToken).status == .badRequest)
            #expect(try await client.call(.delete, "/api/v1/auth/mfa/totp", json: MFACodeRequest(code: next), token: tokens.accessToken).status == .noContent)
            let plain = try await client.call(.post, "/api/v1/auth/login", json: Credentials(email: "mia@example.com", password: "Correct-horse-9!"))
            #expect(try plain.decode(AuthResponse.self).userID == user.userID)
            let actions = try await dependencies.auditLog.list(filter: AuditFilter(actorID: user.userID), skip: 0, limit: 100).items.map(\.action)
            #expect(Set(actions).isSuperset(of: ["auth.mfa_enroll", "auth.mfa_enable", "auth.mfa_disable"]))
        }
    }

    @Test("with MFA_REQUIRED_FOR_STAFF, operators reach staff routes only after enrolling")
    func staffRequirement() async throws {
        try await withApp(configure: { $0.mfaRequiredForStaff = true }) { dependencies, client in
            let op = try await signIn(dependencies, client, email: "opal@example.com", role: .operator)
            let refused = try await client.call(.get, "/api/v1/operator/review", token: op.accessToken)
            #expect(refused.status == .forbidden)
            #expect(try refused.errorBody().error.code == "MFA_REQUIRED")
            #expect(try await client.call(.get, "/api/v1/auth/mfa", token: op.accessToken).decode(MFAStatus.self).requiredForRole)
            let enrollment = try await client.call(.post, "/api/v1/auth/mfa/totp/enroll", token: op.accessToken).decode(TOTPEnrollment.self)
            _ = try await client.call(.post, "/api/v1/auth/mfa/totp/confirm", json: MFACodeRequest(code: authenticatorCode(enrollment)), token: op.accessToken)
            #expect(try await client.call(.get, "/api/v1/operator/review", token: op.accessToken).status == .ok)
            // Plain users are not affected.
            let user = try await client.register("ulla@example.com")
            #expect(try await client.call(.get, "/api/v1/users/me", token: user.accessToken).status == .ok)
        }
    }
}

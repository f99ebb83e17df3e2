import Foundation
import Models
import Testing

/// Decodes `json` into `T`, checks it equals `expected`, re-encodes it and checks the JSON is unchanged
/// (key for key), so a renamed field or changed date format breaks here, not in a client.
func pin<T: Codable & Equatable>(_ json: String, as expected: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let decoded = try JSONDecoder.spendSense.decode(T.self, from: Data(json.utf8))
    #expect(decoded == expected, sourceLocation: sourceLocation)
    let reencoded = try JSONEncoder.spendSense.encode(decoded)
    let original = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
    let roundTripped = try JSONDecoder().decode(JSONValue.self, from: reencoded)
    #expect(original == roundTripped, "re-encoded: \(String(decoding: reencoded, as: UTF8.self))", sourceLocation: sourceLocation)
}

let userID = UUID(uuidString: "6F1C2B1A-8A55-4D1E-9C3B-2E4F5A6B7C8D")!
let created = Date(timeIntervalSince1970: 1_763_769_600)  // 2025-11-22T00:00:00Z

@Suite("Wire format")
struct WireFormatTests {
    @Test func errorBody() throws {
        try pin(
            """
            {"detail": "Email or password is incorrect",
             "error": {"code": "INVALID_CREDENTIALS", "message": "Email or password is incorrect",
                       "details": {"fields": {"email": "bad"}, "retry_after": 30, "ok": true, "list": [1, "a", null]}},
             "request_id": "req-1"}
            """,
            as: ErrorBody(
                code: "INVALID_CREDENTIALS", message: "Email or password is incorrect",
                details: ["fields": ["email": "bad"], "retry_after": 30, "ok": true, "list": [1, "a", .null]],
                requestID: "req-1"))
    }

    @Test func authResponse() throws {
        try pin(
            """
            {"user_id": "6F1C2B1A-8A55-4D1E-9C3B-2E4F5A6B7C8D", "email": "a@example.com", "role": "operator",
             "access_token": "a.b.c", "refresh_token": "r", "token_type": "bearer", "expires_in": 3600}
            """,
            as: AuthResponse(
                userID: userID, email: "a@example.com", role: .operator, accessToken: "a.b.c", refreshToken: "r",
                expiresIn: 3600))
    }

    @Test func user() throws {
        try pin(
            """
            {"user_id": "6F1C2B1A-8A55-4D1E-9C3B-2E4F5A6B7C8D", "email": "a@example.com", "name": "Ann",
             "phone_number": "+15551234567", "monthly_income": 4200.5, "role": "admin", "is_locked": false,
             "created_at": "2025-11-22T00:00:00Z", "updated_at": "2025-11-22T00:00:00Z"}
            """,
            as: User(
                id: userID, email: "a@example.com", name: "Ann", phoneNumber: "+15551234567", monthlyIncome: 4200.5,
                role: .admin, createdAt: created, updatedAt: created))
        // Optional fields may be absent; fractional seconds are accepted.
        let sparse = try JSONDecoder.spendSense.decode(
            User.self,
            from: Data(
                #"{"user_id":"6F1C2B1A-8A55-4D1E-9C3B-2E4F5A6B7C8D","role":"user","is_locked":true,"created_at":"2025-11-22T00:00:00.250Z","updated_at":"2025-11-22T00:00:00Z"}"#
                    .utf8))
        #expect(sparse.email == nil)
        #expect(sparse.isLocked)
        #expect(sparse.createdAt == created.addingTimeInterval(0.25))
    }

    @Test func requests() throws {
        try pin(#"{"email": "a@b.co", "password": "pw"}"#, as: Credentials(email: "a@b.co", password: "pw"))
        try pin(#"{"refresh_token": "r"}"#, as: RefreshRequest(refreshToken: "r"))
        try pin(
            #"{"name": "N", "email": "e@x.io", "phone_number": "+15550000000", "monthly_income": 10}"#,
            as: UpdateUserRequest(name: "N", email: "e@x.io", phoneNumber: "+15550000000", monthlyIncome: 10))
        try pin(#"{"role": "operator"}"#, as: RoleChangeRequest(role: .operator))
    }

    @Test func page() throws {
        try pin(
            #"{"items": [{"role": "user"}], "total": 3, "skip": 0, "limit": 1, "has_more": true}"#,
            as: Page(items: [RoleChangeRequest(role: .user)], total: 3, skip: 0, limit: 1))
        #expect(!Page(items: [RoleChangeRequest(role: .user)], total: 1, skip: 0, limit: 1).hasMore)
    }

    @Test func auditEntry() throws {
        try pin(
            """
            {"audit_id": "6F1C2B1A-8A55-4D1E-9C3B-2E4F5A6B7C8D", "at": "2025-11-22T00:00:00Z",
             "actor_id": "6F1C2B1A-8A55-4D1E-9C3B-2E4F5A6B7C8D", "action": "auth.login", "outcome": "failure",
             "ip": "127.0.0.1", "request_id": "r", "details": {"email": "a***@x.io"}}
            """,
            as: AuditEntry(
                id: userID, at: created, actorID: userID, action: "auth.login", outcome: "failure", ip: "127.0.0.1",
                requestID: "r", details: ["email": "a***@x.io"]))
    }

    @Test func unknownRoleIsAnError() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder.spendSense.decode(RoleChangeRequest.self, from: Data(#"{"role":"root"}"#.utf8))
        }
    }
}

@Suite("Validation rules")
struct ValidationRuleTests {
    @Test(arguments: [
        ("  Ann@Example.COM ", "ann@example.com"), ("a.b+tag@sub.example.org", "a.b+tag@sub.example.org"),
    ])
    func emailsNormalize(raw: String, normalized: String) {
        #expect(EmailAddress.normalize(raw) == normalized)
    }

    @Test(arguments: ["", "plain", "a@b", "@example.com", "a@.com", "a..b@example.com", "a b@example.com", "a@exa mple.com", "a@-x.com"])
    func emailsRejected(raw: String) {
        #expect(EmailAddress.normalize(raw) == nil)
    }

    @Test func emailMasking() {
        #expect(EmailAddress.masked("jane@example.com") == "j***@example.com")
        #expect(EmailAddress.masked("nope") == "***")
    }

    @Test func passwordPolicy() {
        #expect(PasswordPolicy.violations(of: "Correct-horse-9!").isEmpty)
        #expect(PasswordPolicy.violations(of: "short").count == 4)
        #expect(PasswordPolicy.violations(of: "alllowercase12!") == ["an uppercase letter"])
        #expect(PasswordPolicy.violations(of: "ALLUPPERCASE12!") == ["a lowercase letter"])
        #expect(PasswordPolicy.violations(of: "NoDigitsHere!!!") == ["a digit"])
        #expect(PasswordPolicy.violations(of: "NoSymbols12345") == ["a symbol"])
        #expect(PasswordPolicy.violations(of: "Aa1!" + String(repeating: "x", count: 80)) == ["at most 72 bytes"])
    }

    @Test func phoneNumbers() {
        #expect(PhoneNumber.normalize("+1 (555) 123-4567") == "+15551234567")
        #expect(PhoneNumber.normalize("+447911123456") == "+447911123456")
        #expect(PhoneNumber.normalize("5551234567") == nil)
        #expect(PhoneNumber.normalize("+0123456789") == nil)
        #expect(PhoneNumber.normalize("+1555abc4567") == nil)
        #expect(PhoneNumber.normalize("+1234567890123456") == nil)
    }

    @Test func rolesAreOrdered() {
        #expect(Role.user < .operator)
        #expect(Role.operator < .admin)
        #expect(Role.allCases.sorted() == [.user, .operator, .admin])
    }
}

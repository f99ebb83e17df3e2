import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Server
import Storage
import TestSupport
import Testing

@Suite("Users and roles")
struct UsersAndRolesTests {
    @Test("GET and PUT /users/me with validation", arguments: TestBackend.available)
    func profile(backend: TestBackend) async throws {
        try await withApp(backend) { _, client in
            let tokens = try await client.register("jo@example.com")
            let me = try await client.call(.get, "/api/v1/users/me", token: tokens.accessToken).decode(User.self)
            #expect(me.id == tokens.userID)
            #expect(me.email == "jo@example.com")

            let update = UpdateUserRequest(name: "Jo Doe", phoneNumber: "+1 (555) 123-4567", monthlyIncome: 5200)
            let updated = try await client.call(.put, "/api/v1/users/me", json: update, token: tokens.accessToken)
            #expect(updated.status == .ok)
            let user = try updated.decode(User.self)
            #expect(user.name == "Jo Doe")
            #expect(user.phoneNumber == "+15551234567")
            #expect(user.monthlyIncome == 5200)

            let bad = try await client.call(
                .put, "/api/v1/users/me", json: UpdateUserRequest(email: "nope", phoneNumber: "555", monthlyIncome: -1),
                token: tokens.accessToken)
            #expect(bad.status == .badRequest)
            guard case .object(let fields)? = try bad.errorBody().error.details["fields"] else {
                Issue.record("no field errors"); return
            }
            #expect(Set(fields.keys) == ["email", "phone_number", "monthly_income"])
            // Nothing was changed by the refused update.
            let after = try await client.call(.get, "/api/v1/users/me", token: tokens.accessToken).decode(User.self)
            #expect(after.phoneNumber == "+15551234567")

            let other = try await client.register("kim@example.com")
            let taken = try await client.call(
                .put, "/api/v1/users/me", json: UpdateUserRequest(email: "jo@example.com"), token: other.accessToken)
            #expect(taken.status == .conflict)
            #expect(try taken.errorBody().error.code == "EMAIL_TAKEN")
        }
    }

    @Test("a deleted user's token is 401 and the account cannot sign in", arguments: TestBackend.available)
    func deleteMe(backend: TestBackend) async throws {
        try await withApp(backend) { _, client in
            let tokens = try await client.register("lee@example.com")
            let second = try await client.call(
                .post, "/api/v1/auth/login", json: Credentials(email: "lee@example.com", password: "Correct-horse-9!"))
                .decode(AuthResponse.self)
            #expect(try await client.call(.delete, "/api/v1/users/me", token: tokens.accessToken).status == .noContent)
            for token in [tokens.accessToken, second.accessToken] {
                #expect(try await client.call(.get, "/api/v1/users/me", token: token).status == .unauthorized)
            }
            let refresh = try await client.call(.post, "/api/v1/auth/refresh", json: RefreshRequest(refreshToken: second.refreshToken))
            #expect(refresh.status == .unauthorized)
            let login = try await client.call(
                .post, "/api/v1/auth/login", json: Credentials(email: "lee@example.com", password: "Correct-horse-9!"))
            #expect(login.status == .unauthorized)
        }
    }

    @Test("only admins change roles; users and operators get 403 and are audited", arguments: TestBackend.available)
    func roleChanges(backend: TestBackend) async throws {
        try await withApp(backend) { dependencies, client in
            let user = try await client.register("max@example.com")
            let op = try await signIn(dependencies, client, email: "op@example.com", role: .operator)
            let admin = try await signIn(dependencies, client, email: "root@example.com", role: .admin)
            let path = "/api/v1/operator/admin/users/\(user.userID.uuidString.lowercased())/role"

            for token in [user.accessToken, op.accessToken] {
                let denied = try await client.call(.put, path, json: RoleChangeRequest(role: .admin), token: token)
                #expect(denied.status == .forbidden)
                #expect(try denied.errorBody().error.code == "INSUFFICIENT_ROLE")
            }
            let promoted = try await client.call(.put, path, json: RoleChangeRequest(role: .operator), token: admin.accessToken)
            #expect(promoted.status == .ok)
            #expect(try promoted.decode(User.self).role == .operator)
            // The new role applies to the user's existing token at once.
            let me = try await client.call(.get, "/api/v1/users/me", token: user.accessToken).decode(User.self)
            #expect(me.role == .operator)

            let missing = try await client.call(
                .put, "/api/v1/operator/admin/users/\(UUID().uuidString)/role", json: RoleChangeRequest(role: .user),
                token: admin.accessToken)
            #expect(missing.status == .notFound)
            let badID = try await client.call(
                .put, "/api/v1/operator/admin/users/not-a-uuid/role", json: RoleChangeRequest(role: .user), token: admin.accessToken)
            #expect(badID.status == .badRequest)
            _ = try badID.errorBody()
            let badRole = try await client.call(.put, path, raw: #"{"role":"superuser"}"#, token: admin.accessToken)
            #expect(badRole.status == .badRequest)
            let selfDemote = try await client.call(
                .put, "/api/v1/operator/admin/users/\(admin.userID.uuidString)/role", json: RoleChangeRequest(role: .user),
                token: admin.accessToken)
            #expect(selfDemote.status == .conflict)

            let log = try await dependencies.auditLog.list(filter: AuditFilter(), skip: 0, limit: 100)
            #expect(log.items.filter { $0.action == "authz.denied" }.count == 2)
            let change = try #require(log.items.first { $0.action == "admin.role_change" })
            #expect(change.actorID == admin.userID)
            #expect(change.details == ["from": "user", "to": "operator"])
        }
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import Models
import NIOCore
import NIOFoundationEssentialsCompat
@testable import Server
import Storage
import TestSupport
import Testing
import BodyParsing

/// Issue 12, "smaller contract faults found on the way": each one, fixed and pinned.
@Suite("Contract faults: tokens, JSON bodies, parameters, uploads")
struct ContractFaultTests {
    /// The server's own claims type, re-signed with its key so only what a test changes differs.
    typealias Claims = AccessClaims

    @Test("tokens: the key is chosen by kid; no kid, an unknown kid, iat or nbf in the future are refused")
    func tokenChecks() async throws {
        try await withApp { _, client in
            let tokens = try await client.register("kid@example.com")
            let jwks = try await client.call(.get, "/.well-known/jwks.json").decode([String: [PublicJWK]].self)
            let kid = try #require(jwks["keys"]?.first?.kid)
            let verifier = JWTKeyCollection()
            let pem = try String(contentsOfFile: sharedKeyFile, encoding: .utf8)
            let key = try Insecure.RSA.PrivateKey(pem: pem)
            await verifier.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            let original = try await verifier.verify(tokens.accessToken, as: Claims.self)

            func sign(_ claims: Claims, kid: String?) async throws -> String {
                let keys = JWTKeyCollection()
                await keys.add(rsa: key, digestAlgorithm: .sha256, kid: kid.map { JWKIdentifier(string: $0) })
                return try await keys.sign(claims, kid: kid.map { JWKIdentifier(string: $0) })
            }
            func status(_ token: String) async throws -> HTTPResponse.Status {
                try await client.call(.get, "/api/v1/users/me", token: token).status
            }
            // The control: the same claims re-signed with the right kid pass.
            #expect(try await status(try await sign(original, kid: kid)) == .ok)
            #expect(try await status(try await sign(original, kid: nil)) == .unauthorized)
            #expect(try await status(try await sign(original, kid: "someone-elses-key")) == .unauthorized)
            var future = original
            future.iat = .init(value: Date().addingTimeInterval(3600))
            #expect(try await status(try await sign(future, kid: kid)) == .unauthorized)
            var notYet = original
            notYet.nbf = .init(value: Date().addingTimeInterval(3600))
            #expect(try await status(try await sign(notYet, kid: kid)) == .unauthorized)
            var slightSkew = original
            slightSkew.iat = .init(value: Date().addingTimeInterval(20))
            #expect(try await status(try await sign(slightSkew, kid: kid)) == .ok)
        }
    }

    @Test("a JSON body with a repeated key is 400 naming it, at any depth")
    func duplicateKeys() async throws {
        try await withApp { _, client in
            let repeated = try await client.call(.post, "/api/v1/auth/login", raw: #"{"email": "a@b.co", "password": "x", "email": "c@d.co"}"#)
            #expect(repeated.status == .badRequest)
            let body = try repeated.errorBody()
            #expect(body.error.code == "INVALID_JSON")
            #expect(body.error.details["field"] == "email")
            let escaped = try await client.call(.post, "/api/v1/auth/login", raw: #"{"email": "a@b.co", "password": "x", "\u0065mail": "c"}"#)
            #expect(escaped.status == .badRequest)
            let fine = try await client.call(.post, "/api/v1/auth/login", raw: #"{"email": "a@b.co", "password": "x", "x": {"email": 1}, "y": [{"email": 2}, {"email": 3}]}"#)
            #expect(fine.status == .unauthorized)
        }
    }

    @Test("duplicate-key scanning: nested paths, strings that look like keys, malformed input")
    func duplicateScanner() {
        #expect(DuplicateKeysProbe.first(#"{"a": {"b": 1, "b": 2}}"#)?.path == "$.a")
        #expect(DuplicateKeysProbe.first(#"{"a": [{"k": 1}, {"k": 1, "k": 2}]}"#)?.path == "$.a[1]")
        #expect(DuplicateKeysProbe.first(#"{"a": "a", "b": "a"}"#) == nil)
        #expect(DuplicateKeysProbe.first(#"{"a": "\"a\": 1, ", "b": 2}"#) == nil)
        for odd in ["", "{", "}", "{\"", "[[[", "]]]", "{\"a\":", String(repeating: "[", count: 100_000)] {
            _ = DuplicateKeysProbe.first(odd)
        }
    }

    @Test("PUT /users/me: null email is refused, null clears the other fields, absent leaves them")
    func nullFields() async throws {
        try await withApp { _, client in
            let user = try await client.register("nul@example.com")
            let named = try await client.call(.put, "/api/v1/users/me", raw: #"{"name": "Nula", "monthly_income": 4000}"#, token: user.accessToken)
            #expect(named.status == .ok)
            let nullEmail = try await client.call(.put, "/api/v1/users/me", raw: #"{"email": null}"#, token: user.accessToken)
            #expect(nullEmail.status == .badRequest)
            #expect(try nullEmail.errorBody().error.code == "VALIDATION_FAILED")
            let untouched = try await client.call(.put, "/api/v1/users/me", raw: #"{}"#, token: user.accessToken).decode(User.self)
            #expect(untouched.name == "Nula")
            #expect(untouched.email == "nul@example.com")
            let cleared = try await client.call(.put, "/api/v1/users/me", raw: #"{"name": null, "monthly_income": null}"#, token: user.accessToken)
                .decode(User.self)
            #expect(cleared.name == nil)
            #expect(cleared.monthlyIncome == nil)
        }
    }

    @Test("a path parameter that is not a UUID is 400 VALIDATION_FAILED naming it")
    func pathParameters() async throws {
        try await withApp { dependencies, client in
            let op = try await signIn(dependencies, client, email: "pp@example.com", role: .operator)
            for path in ["/api/v1/operator/review/null%2Cnull", "/api/v1/users/nope/profile", "/api/v1/data/upload/1"] {
                let reply = try await client.call(.get, path, token: op.accessToken)
                #expect(reply.status == .badRequest, "\(path)")
                let body = try reply.errorBody()
                #expect(body.error.code == "VALIDATION_FAILED", "\(path)")
                guard case .object(let fields)? = body.error.details["fields"] else {
                    Issue.record("no fields for \(path)")
                    continue
                }
                #expect(fields.count == 1, "\(path)")
            }
        }
    }

    @Test("a JSON upload that is an array, null or deeply nested is reported as JSON, not CSV")
    func jsonShapes() async throws {
        try await withApp(configure: noWorker) { _, client in
            let user = try await client.register("shape@example.com")
            for (body, code) in [("[1, 2]", "INVALID_STRUCTURE"), ("null", "INVALID_STRUCTURE"), (String(repeating: "[", count: 100_000), "INVALID_JSON")] {
                let reply = try await client.upload(Data(body.utf8), name: "data.json", token: user.accessToken)
                #expect(reply.status == .badRequest)
                #expect(reply.text.contains(code), "\(body.prefix(10)): \(reply.text.prefix(300))")
                #expect(!reply.text.contains("UNRECOGNIZED_CSV"))
            }
            let unnamed = try await client.upload(Data("  [{}]".utf8), name: "upload", token: user.accessToken)
            #expect(unnamed.text.contains("INVALID_STRUCTURE"))
        }
    }
}

/// Reaches the server's scanner through its module.
enum DuplicateKeysProbe {
    static func first(_ text: String) -> (key: String, path: String)? { DuplicateKeys.first(in: Data(text.utf8)) }
}

@Suite("Response contract checker")
struct ResponseContractTests {
    @Test("it finds undocumented statuses, missing required fields, wrong types and enum values")
    func catchesProblems() {
        let json: HTTPFields = [.contentType: "application/json"]
        #expect(ResponseContract.problems(method: "GET", path: "/api/v1/users/me", status: 418, headers: json, body: Data("{}".utf8)).count == 1)
        let missing = ResponseContract.problems(method: "GET", path: "/api/v1/users/me", status: 200, headers: json, body: Data("{}".utf8))
        #expect(missing.contains { $0.contains("lacks required") })
        let wrongType = ResponseContract.problems(
            method: "GET", path: "/api/v1/health-not-a-route", status: 200, headers: json, body: Data("{}".utf8))
        #expect(wrongType.isEmpty)  // not in the document: nothing to hold it to
        let badRole = ResponseContract.problems(
            method: "GET", path: "/api/v1/users/me", status: 200, headers: json,
            body: Data(#"{"user_id": "x", "email": 5, "role": "emperor", "created_at": "2026-01-01T00:00:00Z"}"#.utf8))
        #expect(badRole.contains { $0.contains("not string") || $0.contains("not one of") })
        let fine = ResponseContract.problems(
            method: "POST", path: "/api/v1/auth/login", status: 401, headers: json,
            body: Data(#"{"detail": "x", "error": {"code": "A", "message": "x", "details": {}}, "request_id": "r"}"#.utf8))
        #expect(fine.isEmpty)
    }
}

import APIClient
import Foundation
import HummingbirdTesting
import Models
import Server
import TestSupport
import Testing

/// The real client against the real server on a loopback port.
@Suite("APIClient against a live server")
struct ClientLiveTests {
    @Test("register, me, update, transparent refresh, logout", arguments: TestBackend.available)
    func fullFlow(backend: TestBackend) async throws {
        try await withApp(backend, .live) { _, testClient in
            let port = try #require(testClient.port)
            let client = APIClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!)
            let registered = try await client.register(email: "zoe@example.com", password: "Correct-horse-9!")
            #expect(try await client.me().id == registered.userID)
            let updated = try await client.updateMe(UpdateUserRequest(name: "Zoe"))
            #expect(updated.name == "Zoe")

            // An access token the server refuses: the client refreshes once, retries, and stores the new pair.
            let before = try #require(await client.tokens.tokens)
            await client.tokens.set(.init(accessToken: "expired.or.bogus", refreshToken: before.refreshToken))
            #expect(try await client.me().name == "Zoe")
            let after = try #require(await client.tokens.tokens)
            #expect(after.refreshToken != before.refreshToken)

            try await client.logout()
            #expect(await client.tokens.tokens == nil)
            await #expect(throws: APIError.notSignedIn) { _ = try await client.me() }
        }
    }

    @Test("errors arrive decoded; a dead refresh token signs the client out")
    func decodedErrors() async throws {
        try await withApp(.sqlite, .live) { _, testClient in
            let port = try #require(testClient.port)
            let client = APIClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!)
            do {
                try await client.login(email: "nobody@example.com", password: "Wrong-horse-9!")
                Issue.record("login should fail")
            } catch let error as APIError {
                #expect(error.status == 401)
                #expect(error.code == "INVALID_CREDENTIALS")
            }
            _ = try await client.register(email: "yan@example.com", password: "Correct-horse-9!")
            await client.tokens.set(.init(accessToken: "bogus", refreshToken: "also-bogus"))
            do {
                _ = try await client.me()
                Issue.record("me should fail")
            } catch let error as APIError {
                #expect(error.status == 401)
            }
            #expect(await client.tokens.tokens == nil)
        }
    }

    @Test("concurrent 401s share one refresh")
    func singleFlightRefresh() async throws {
        try await withApp(.sqlite, .live) { _, testClient in
            let port = try #require(testClient.port)
            let client = APIClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!)
            let registered = try await client.register(email: "xia@example.com", password: "Correct-horse-9!")
            await client.tokens.set(.init(accessToken: "stale", refreshToken: registered.refreshToken))
            // Were the refreshes not shared, the second would present a rotated token and kill the session.
            try await withThrowingTaskGroup(of: User.self) { group in
                for _ in 0..<4 { group.addTask { try await client.me() } }
                for try await user in group { #expect(user.id == registered.userID) }
            }
            #expect(try await client.me().id == registered.userID)
        }
    }

    @Test("an unreachable server is a transport error, not a crash")
    func unreachable() async throws {
        let client = APIClient(baseURL: URL(string: "http://127.0.0.1:1")!, timeout: .seconds(2))
        await #expect(throws: APIError.self) { _ = try await client.health() }
    }
}

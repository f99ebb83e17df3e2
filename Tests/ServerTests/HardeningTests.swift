import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import NIOCore
import Server
import Storage
import TestSupport
import Testing

/// Issue 12: nothing a client sends can crash, stall or leak from the server.
@Suite("Hardening: hostile paging, crash loops, the outbox")
struct HardeningTests {
    /// Every list route that pages, with the id it needs filled in.
    static func listRoutes(user: UUID) -> [String] {
        [
            "/api/v1/users/\(user)/persona-history", "/api/v1/users/\(user)/transactions", "/api/v1/users/\(user)/recommendations",
            "/api/v1/recommendations", "/api/v1/data/uploads", "/api/v1/operator/review", "/api/v1/operator/users",
            "/api/v1/operator/users/\(user)/transactions", "/api/v1/operator/admin/users", "/api/v1/operator/audit",
        ]
    }

    @Test("skip and limit at Int.max, beyond it and negative get 400 VALIDATION_FAILED on every list route; the deepest skip works")
    func hostilePaging() async throws {
        try await withApp { dependencies, client in
            let admin = try await signIn(dependencies, client, email: "pager@example.com", role: .admin)
            let me = admin.userID
            #expect(try await client.call(.post, "/api/v1/consent", json: ConsentRequest(consentVersion: "2026-01", tosAccepted: true), token: admin.accessToken).status.code < 300)
            for route in Self.listRoutes(user: me) {
                for query in [
                    "skip=9223372036854775807", "limit=9223372036854775807", "skip=9223372036854775807&limit=9223372036854775807",
                    "skip=99999999999999999999", "skip=-1", "limit=0", "skip=1000001", "offset=9223372036854775807",
                ] {
                    let reply = try await client.call(.get, "\(route)?\(query)", token: admin.accessToken)
                    #expect(reply.status == .badRequest, "\(route)?\(query): \(reply.status)")
                    #expect(try reply.errorBody().error.code == "VALIDATION_FAILED", "\(route)?\(query)")
                }
                let deepest = try await client.call(.get, "\(route)?skip=1000000", token: admin.accessToken)
                #expect(deepest.status == .ok, "\(route)?skip=1000000: \(deepest.text)")
            }
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    @Test("persona-history reports the true total, so has_more is right")
    func personaHistoryTotal() async throws {
        try await withApp(configure: noWorker) { dependencies, client in
            let user = try await client.register("hist@example.com")
            #expect(try await client.call(.post, "/api/v1/consent", json: ConsentRequest(consentVersion: "2026-01", tosAccepted: true), token: user.accessToken).status.code < 300)
            for _ in 0..<3 {
                #expect(try await client.upload(try generatedUpload(.savingsBuilder), token: user.accessToken).status == .created)
                while try await JobWorker(dependencies: dependencies).runOnce() {}
            }
            let page = try await client.call(.get, "/api/v1/users/\(user.userID)/persona-history?limit=1", token: user.accessToken)
                .decode(Page<PersonaHistoryEntry>.self)
            #expect(page.total == 3)
            #expect(page.items.count == 1)
            #expect(page.hasMore)
            let last = try await client.call(.get, "/api/v1/users/\(user.userID)/persona-history?skip=2&limit=5", token: user.accessToken)
                .decode(Page<PersonaHistoryEntry>.self)
            #expect(last.items.count == 1)
            #expect(!last.hasMore)
        }
    }

    @Test("a status that is not one is refused on every recommendation list", arguments: ["bogus", "PENDING", ""])
    func statusValidated(status: String) async throws {
        try await withApp { dependencies, client in
            let op = try await signIn(dependencies, client, email: "st@example.com", role: .operator)
            #expect(try await client.call(.post, "/api/v1/consent", json: ConsentRequest(consentVersion: "2026-01", tosAccepted: true), token: op.accessToken).status.code < 300)
            for route in ["/api/v1/recommendations", "/api/v1/users/\(op.userID)/recommendations", "/api/v1/operator/review"] {
                let reply = try await client.call(.get, "\(route)?status=\(status)", token: op.accessToken)
                #expect(reply.status == .badRequest, "\(route)?status=\(status)")
                #expect(try reply.errorBody().error.code == "VALIDATION_FAILED")
            }
            #expect(try await client.call(.get, "/api/v1/recommendations?status=approved", token: op.accessToken).status == .ok)
            #expect(try await client.call(.get, "/api/v1/recommendations?status=all", token: op.accessToken).status == .ok)
        }
    }

    @Test("a job whose worker dies on every attempt is dead-lettered at the maximum, the reason on the upload", arguments: TestBackend.available)
    func crashLoop(backend: TestBackend) async throws {
        try await withApp(backend, configure: noWorker) { dependencies, client in
            let user = try await client.register("loop@example.com")
            let upload = try await client.upload(try generatedUpload(), token: user.accessToken).decode(Upload.self)
            var clock = Date()
            // Five workers each claim the job and die (never complete, never fail it).
            for attempt in 1...5 {
                let job = try #require(try await dependencies.uploads.claimJob(now: clock, lease: 60), "attempt \(attempt)")
                #expect(job.attempts == attempt)
                clock = clock.addingTimeInterval(61)
            }
            // The sixth look finds it abandoned at its maximum: dead, not claimed a sixth time.
            #expect(try await dependencies.uploads.claimJob(now: clock, lease: 60) == nil)
            #expect(try await dependencies.uploads.jobCounts()["dead"] == 1)
            #expect(try await dependencies.uploads.claimJob(now: clock.addingTimeInterval(10_000), lease: 60) == nil)
            let failed = try await client.call(.get, "/api/v1/data/upload/\(upload.id)", token: user.accessToken).decode(Upload.self)
            #expect(failed.status == .failed)
            #expect(failed.error?.contains("5 attempts") == true)
            #expect(failed.error?.contains("lease expired") == true)
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    @Test("an upload with a 1e-300 credit limit is refused with IMPLAUSIBLE_LIMIT and the server stays up")
    func absurdLimitUpload() async throws {
        try await withApp(configure: noWorker) { dependencies, client in
            let user = try await client.register("ratio@example.com")
            let body = #"""
                {"accounts":[{"account_id":"c","type":"credit","subtype":"credit card","balances":{"current":1e7,"limit":1e-300}}],
                 "transactions":[]}
                """#
            let reply = try await client.upload(Data(body.utf8), token: user.accessToken)
            #expect(reply.status == .badRequest)
            #expect(reply.text.contains("IMPLAUSIBLE_LIMIT"))
            #expect(try await !JobWorker(dependencies: dependencies).runOnce())
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }
}

@Suite("Hardening: the development outbox")
struct OutboxExposureTests {
    @Test("the outbox is absent in production")
    func absentInProduction() async throws {
        try await withApp(configure: { $0.environment = .production; $0.smsProvider = .off; $0.emailProvider = .off }) { _, client in
            let reply = try await client.call(.get, "/api/v1/dev/outbox")
            #expect(reply.status == .notFound)
        }
    }

    @Test("on a non-loopback bind the development outbox needs an admin token")
    func adminOffLoopback() async throws {
        try await withApp(configure: { $0.host = "0.0.0.0" }) { dependencies, client in
            #expect(try await client.call(.get, "/api/v1/dev/outbox").status == .unauthorized)
            let user = try await client.register("peek@example.com")
            #expect(try await client.call(.get, "/api/v1/dev/outbox", token: user.accessToken).status == .forbidden)
            let admin = try await signIn(dependencies, client, email: "root@example.com", role: .admin)
            #expect(try await client.call(.get, "/api/v1/dev/outbox", token: admin.accessToken).status == .ok)
        }
    }

    @Test("on loopback in development it stays open for local tools")
    func openOnLoopback() async throws {
        try await withApp { _, client in
            let reply = try await client.call(.get, "/api/v1/dev/outbox")
            #expect(reply.status == .ok)
        }
    }
}

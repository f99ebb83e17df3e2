import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import Server
import Storage
import TestSupport
import Testing

@Suite("Platform: errors, limits, observability, documents")
struct PlatformTests {
    @Test("unknown routes, wrong methods, bad JSON and missing fields all get the error body")
    func errorBodies() async throws {
        try await withApp { _, client in
            let unknown = try await client.call(.get, "/api/v1/nothing-here")
            #expect(unknown.status == .notFound)
            #expect(try unknown.errorBody().error.code == "NOT_FOUND")

            let wrongMethod = try await client.call(.delete, "/api/v1/auth/login")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "POST, OPTIONS")
            #expect(try wrongMethod.errorBody().error.code == "METHOD_NOT_ALLOWED")

            let parameterized = try await client.call(.get, "/api/v1/operator/admin/users/\(UUID())/role")
            #expect(parameterized.status == .methodNotAllowed)

            let malformed = try await client.call(.post, "/api/v1/auth/login", raw: #"{"email": "a@b.co", "password": "#)
            #expect(malformed.status == .badRequest)
            #expect(try malformed.errorBody().error.code == "INVALID_JSON")

            let missing = try await client.call(.post, "/api/v1/auth/login", raw: #"{"email": "a@b.co"}"#)
            #expect(missing.status == .badRequest)
            let body = try missing.errorBody()
            #expect(body.error.details["field"] == "password")
            #expect(body.detail == "Missing field 'password'")

            let wrongType = try await client.call(.post, "/api/v1/auth/login", raw: #"{"email": 5, "password": "x"}"#)
            #expect(wrongType.status == .badRequest)
            #expect(try wrongType.errorBody().detail == "Field 'email' must be a string")

            let empty = try await client.call(.post, "/api/v1/auth/register", headers: [.contentType: "application/json"])
            #expect(empty.status == .badRequest)
            _ = try empty.errorBody()
        }
    }

    @Test("a real 11 MB body over the wire gets 413, and the server keeps serving")
    func oversizeLive() async throws {
        try await withApp(.sqlite, .live) { _, client in
            let big = String(repeating: "a", count: 11 * 1024 * 1024)
            // The server answers 413 at once and then ends the connection (Connection: close); this test client
            // gives up its upload with "I/O on closed channel" when that happens before it has sent everything.
            // ConnectionTests reads the 413 itself from a client that writes the whole body first.
            do {
                let reply = try await client.call(.post, "/api/v1/auth/register", raw: big)
                #expect(reply.status == .contentTooLarge)
                #expect(reply.headers[.connection] == "close")
                _ = try reply.errorBody()
            } catch let error as ChannelError {
                #expect(error == .ioOnClosedChannel)
            }
            // That client does not reconnect: ask on a new connection whether the server still serves.
            #expect(try await RawConnection.health(port: try #require(client.port)))
        }
    }

    @Test("X-Request-ID is echoed when sent and generated when not")
    func requestIDs() async throws {
        try await withApp { _, client in
            let echoed = try await client.call(.get, "/health", headers: [.init("X-Request-ID")!: "abc-123"])
            #expect(echoed.headers[.init("X-Request-ID")!] == "abc-123")
            let generated = try await client.call(.get, "/health")
            #expect(UUID(uuidString: generated.headers[.init("X-Request-ID")!] ?? "") != nil)
            let hostile = try await client.call(.get, "/health", headers: [.init("X-Request-ID")!: String(repeating: "x", count: 500)])
            #expect(hostile.headers[.init("X-Request-ID")!]?.count == 36)
        }
    }

    @Test("CORS: allowed origins get headers and preflights; others do not")
    func cors() async throws {
        try await withApp(configure: { $0.corsOrigins = ["http://localhost:3000"] }) { _, client in
            let preflight = try await client.call(
                .options, "/api/v1/auth/login",
                headers: [.origin: "http://localhost:3000", .accessControlRequestMethod: "POST"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            let simple = try await client.call(.get, "/health", headers: [.origin: "http://localhost:3000"])
            #expect(simple.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            let foreign = try await client.call(.get, "/health", headers: [.origin: "http://evil.example"])
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("health, readiness, and 503 when the database is gone")
    func readiness() async throws {
        try await withApp { dependencies, client in
            #expect(try await client.call(.get, "/health").decode(HealthStatus.self).status == "ok")
            let ready = try await client.call(.get, "/ready")
            #expect(ready.status == .ok)
            #expect(try ready.decode(HealthStatus.self).checks["database"] == "ok")
            let tokens = try await client.register("nia@example.com")

            await dependencies.database.close()
            let down = try await client.call(.get, "/ready")
            #expect(down.status == .serviceUnavailable)
            let body = try down.errorBody()
            #expect(body.error.details["checks"] == ["database": "unavailable", "cache": "ok"])
            // Authenticated calls answer 503 too, not 500.
            let me = try await client.call(.get, "/api/v1/users/me", token: tokens.accessToken)
            #expect(me.status == .serviceUnavailable)
            #expect(try me.errorBody().error.code == "SERVICE_UNAVAILABLE")
        }
    }

    @Test("metrics count requests by route and status")
    func metrics() async throws {
        try await withApp { _, client in
            _ = try await client.call(.get, "/health")
            _ = try await client.call(.get, "/health")
            _ = try await client.call(.get, "/api/v1/users/me")
            let text = try await client.call(.get, "/metrics").text
            #expect(text.contains(#"http_requests_total{method="GET",route="/health",status="200"} 2"#))
            #expect(text.contains(#"http_requests_total{method="GET",route="/api/v1/users/me",status="401"} 1"#))
            #expect(text.contains(#"http_request_duration_seconds_bucket{method="GET",route="/health",status="200",le="+Inf"} 2"#))
            #expect(text.contains("# TYPE http_request_duration_seconds histogram"))
        }
    }

    @Test("the OpenAPI document lists exactly the routes the router serves")
    func openAPIMatchesRouter() async throws {
        let scratch = try await ScratchDatabase.make(.sqlite)
        var configuration = ServerConfiguration.testing(database: scratch.location)
        configuration.jwtPrivateKeyFiles = [sharedKeyFile]
        let dependencies = try await AppDependencies.make(configuration, logger: quietLogger())
        let router = buildRouter(dependencies)
        let served = Set(
            router.routes.map { route in
                let path = route.path.description.split(separator: "/").map { part in
                    part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
                }.joined(separator: "/")
                return "\(route.method.rawValue) /\(path)"
            })
        let documented = try OpenAPIDocument.operations()
        #expect(served.subtracting(documented).isEmpty, "served but undocumented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        #expect(served.count >= 14)
        await dependencies.shutdown()
    }

    @Test("documents are served: openapi.json and the HTML docs page")
    func documents() async throws {
        try await withApp { _, client in
            let openapi = try await client.call(.get, "/openapi.json")
            #expect(openapi.status == .ok)
            guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: openapi.body) else {
                Issue.record("not an object"); return
            }
            #expect(object["openapi"] == "3.0.3")
            let docs = try await client.call(.get, "/docs")
            #expect(docs.status == .ok)
            #expect(docs.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(docs.text.contains("/api/v1/auth/refresh"))
        }
    }
}

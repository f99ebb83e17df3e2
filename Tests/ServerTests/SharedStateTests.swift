import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import Server
import Storage
import TestSupport
import Testing

/// Two server instances on one Redis: what one counts or issues, the other sees.
@Suite("Instances share limits and codes through Redis")
struct SharedStateTests {
    @Test("the registration limit holds across instances; a code texted by one is accepted by the other")
    func twoInstances() async throws {
        guard let redis = TestKeyValue.redisURL else { return }  // CI sets it (checked by backendsAreConfigured).
        let prefix = "test-\(UUID().uuidString.prefix(8)):"
        func configuration() -> ServerConfiguration {
            var configuration = ServerConfiguration.testing()
            configuration.jwtPrivateKeyFiles = [sharedKeyFile]
            configuration.registrationLimit = 5
            configuration.redisURL = redis
            configuration.redisKeyPrefix = prefix
            configuration.runWorker = false
            return configuration
        }
        let first = try await AppDependencies.make(configuration(), logger: quietLogger())
        let second = try await AppDependencies.make(configuration(), logger: quietLogger())
        do {
            try await buildApplication(first).test(.router) { a in
                try await buildApplication(second).test(.router) { b in
                    for index in 0..<5 {
                        let client = index.isMultiple(of: 2) ? a : b
                        #expect(try await client.call(.post, "/api/v1/auth/register", json: Credentials(email: "r\(index)@example.com", password: "Correct-horse-9!")).status == .created)
                    }
                    let sixth = try await a.call(.post, "/api/v1/auth/register", json: Credentials(email: "r6@example.com", password: "Correct-horse-9!"))
                    #expect(sixth.status == .tooManyRequests)
                    #expect(sixth.headers[.retryAfter] != nil)

                    #expect(try await a.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "+15550109999")).status == .accepted)
                    let body = try #require(first.outbox?.list(to: "+15550109999").first?.body)
                    let code = String(body.split(whereSeparator: { !$0.isNumber }).first { $0.count == 6 } ?? "")
                    let verified = try await b.call(.post, "/api/v1/auth/phone/verify", json: PhoneVerifyRequest(phone: "+15550109999", code: code))
                    #expect(verified.status == .ok, "\(verified.text)")
                    // Used once, on either instance.
                    #expect(try await a.call(.post, "/api/v1/auth/phone/verify", json: PhoneVerifyRequest(phone: "+15550109999", code: code)).status == .unauthorized)
                    let ready = try await b.call(.get, "/ready")
                    #expect(ready.status == .ok && ready.text.contains("\"cache\":\"ok\""), "\(ready.text)")
                }
            }
        } catch {
            await first.shutdown()
            await second.shutdown()
            throw error
        }
        await first.shutdown()
        await second.shutdown()
    }

    @Test("with Redis down the API answers 503 with the error body, not a crash")
    func redisDown() async throws {
        try await withApp(configure: { $0.redisURL = URL(string: "redis://127.0.0.1:1/0") }) { _, client in
            let reply = try await client.call(.post, "/api/v1/auth/register", json: Credentials(email: "x@example.com", password: "Correct-horse-9!"))
            #expect(reply.status == .serviceUnavailable)
            #expect(try reply.errorBody().error.code == ErrorCode.serviceUnavailable)
            let ready = try await client.call(.get, "/ready")
            #expect(ready.status == .serviceUnavailable)
        }
    }
}

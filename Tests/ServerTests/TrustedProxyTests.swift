import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Server
import TestSupport
import Testing

/// Issue 13, fault 2: forwarded addresses cannot be spoofed.
@Suite("Trusted proxies and X-Forwarded-For")
struct TrustedProxyTests {
    static func proxies(_ text: String) throws -> TrustedProxies { try TrustedProxies.parse(text).get() }

    @Test("the client is the right-most address that is not a trusted proxy")
    func rightMostUntrusted() throws {
        let lb = try Self.proxies("10.0.0.0/16, 127.0.0.1, fd00::/8")
        // nginx/ALB append the address they saw; what the client wrote stands to its left.
        #expect(lb.clientAddress(peer: "10.0.3.4", forwardedFor: ["6.6.6.6, 203.0.113.9"]) == "203.0.113.9")
        #expect(lb.clientAddress(peer: "10.0.3.4", forwardedFor: ["203.0.113.9, 10.0.1.1"]) == "203.0.113.9")
        #expect(lb.clientAddress(peer: "10.0.3.4", forwardedFor: ["6.6.6.6", "203.0.113.9"]) == "203.0.113.9")
        #expect(lb.clientAddress(peer: "fd00::1", forwardedFor: ["2001:db8::7"]) == "2001:db8::7")
        // Not from a proxy: the peer, whatever the header says.
        #expect(lb.clientAddress(peer: "198.51.100.2", forwardedFor: ["1.1.1.1"]) == "198.51.100.2")
        // Nothing but proxies: the left-most; no header: the peer; garbage right-most: the peer.
        #expect(lb.clientAddress(peer: "10.0.3.4", forwardedFor: ["10.0.0.9, 127.0.0.1"]) == "10.0.0.9")
        #expect(lb.clientAddress(peer: "10.0.3.4", forwardedFor: []) == "10.0.3.4")
        #expect(lb.clientAddress(peer: "10.0.3.4", forwardedFor: ["not-an-address"]) == "10.0.3.4")
        // No proxies configured: the header is never read.
        #expect(TrustedProxies.none.clientAddress(peer: "127.0.0.1", forwardedFor: ["1.2.3.4"]) == "127.0.0.1")
        #expect(try Self.proxies("::ffff:10.0.0.1").clientAddress(peer: "10.0.0.1", forwardedFor: ["8.8.8.8"]) == "8.8.8.8")
    }

    @Test("bad entries are refused by name", arguments: ["10.0.0.0/33", "example.com", "10.0.0.0/x", "::1/129"])
    func badEntries(entry: String) {
        #expect(throws: (any Error).self) { try TrustedProxies.parse("127.0.0.1, \(entry)").get() }
    }

    @Test("a client that writes its own X-Forwarded-For cannot escape the per-address registration limit")
    func spoofedRegistrations() async throws {
        try await withApp(.sqlite, .live, configure: {
            $0.trustedProxies = try! Self.proxies("127.0.0.1")
            $0.registrationLimit = 2
        }) { _, client in
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<3 {
                // The test client is "the proxy" (127.0.0.1); the client part varies, the appended hop does not.
                let reply = try await client.call(
                    .post, "/api/v1/auth/register", json: Credentials(email: "spoof\(index)@example.com", password: "Correct-horse-9!"),
                    headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.\(index), 203.0.113.50"])
                statuses.append(reply.status)
            }
            #expect(statuses == [.created, .created, .tooManyRequests])
            // Another real client behind the same proxy has its own budget.
            let other = try await client.call(
                .post, "/api/v1/auth/register", json: Credentials(email: "other@example.com", password: "Correct-horse-9!"),
                headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.51"])
            #expect(other.status == .created)
        }
    }
}

import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Server
import Storage
import TestSupport
import Testing

/// Issue 12, stalls 6 and 7 and the 100 KB header: every connection-level fault gets an answer and an end.
@Suite("Connections: truncated, stalled and oversized requests")
struct ConnectionTests {
    static func head(_ path: String, length: Int, extra: String = "") -> String {
        "POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\n\(extra)\r\n"
    }

    @Test("a body shorter than its Content-Length, then closed, is a 400 BODY_INCOMPLETE and the server serves on")
    func truncatedBody() async throws {
        try await withApp(.sqlite, .live) { _, client in
            let port = try #require(client.port)
            let connection = try RawConnection(port: port)
            connection.send(Self.head("/api/v1/auth/login", length: 500) + #"{"email": "a@b.co", "pass"#)
            connection.shutdownWrite()
            let (text, closed) = await connection.read(timeout: 10)
            #expect(text.hasPrefix("HTTP/1.1 400"), "\(text.prefix(200))")
            #expect(text.contains("BODY_INCOMPLETE"))
            #expect(closed)
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    @Test("a body that stops arriving gets 408 after the read timeout, and the connection is closed")
    func stalledBody() async throws {
        try await withApp(.sqlite, .live, configure: { $0.requestReadTimeout = 1 }) { _, client in
            let port = try #require(client.port)
            let connection = try RawConnection(port: port)
            connection.send(Self.head("/api/v1/auth/login", length: 500) + #"{"email": "#)
            let started = Date()
            let (text, closed) = await connection.read(timeout: 15)
            #expect(text.hasPrefix("HTTP/1.1 408"), "\(text.prefix(200))")
            #expect(text.contains("REQUEST_TIMEOUT"))
            #expect(text.lowercased().contains("connection: close"))
            #expect(closed)
            #expect(Date().timeIntervalSince(started) < 10)
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    @Test("an upload whose client goes away mid-body stores nothing, and the server serves on")
    func uploadAbandoned() async throws {
        try await withApp(.sqlite, .live, configure: noWorker) { dependencies, client in
            let user = try await client.register("gone@example.com")
            let port = try #require(client.port)
            let connection = try RawConnection(port: port)
            let start = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n{\"accounts\": ["
            connection.send(
                "POST /api/v1/data/upload HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(user.accessToken)\r\n"
                    + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000000\r\n\r\n" + start)
            connection.shutdownWrite()
            let (text, closed) = await connection.read(timeout: 10)
            #expect(text.isEmpty || text.hasPrefix("HTTP/1.1 400"), "\(text.prefix(200))")
            #expect(closed)
            #expect(try await dependencies.uploads.list(userIDs: [user.userID], skip: 0, limit: 10).total == 0)
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    @Test("a stalled body on a route that does not read it is closed after the read timeout too")
    func stalledUnreadBody() async throws {
        try await withApp(.sqlite, .live, configure: { $0.requestReadTimeout = 1 }) { _, client in
            let port = try #require(client.port)
            let connection = try RawConnection(port: port)
            connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nabc")
            let (text, closed) = await connection.read(timeout: 15)
            #expect(text.hasPrefix("HTTP/1.1 200"))
            #expect(closed)
        }
    }

    @Test("413 for a declared 11 MB body: a client that writes all of it before reading still gets the answer, and the connection ends")
    func oversizeWrittenWhole() async throws {
        try await withApp(.sqlite, .live) { _, client in
            let port = try #require(client.port)
            let connection = try RawConnection(port: port)
            let size = 11 * 1024 * 1024
            connection.send(Self.head("/api/v1/auth/register", length: size))
            // Like urllib: the whole body first (the server may stop reading; that is fine), then read.
            await connection.sendOffPool(Data(repeating: 0x61, count: size))
            let (text, closed) = await connection.read(timeout: 15)
            #expect(text.hasPrefix("HTTP/1.1 413"), "\(text.prefix(200))")
            #expect(text.contains("PAYLOAD_TOO_LARGE"))
            #expect(closed)
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    @Test("a 100 KB Authorization header gets the error body and an X-Request-ID")
    func hugeHeader() async throws {
        try await withApp(.sqlite, .live) { _, client in
            let port = try #require(client.port)
            let connection = try RawConnection(port: port)
            connection.send("GET /api/v1/users/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(String(repeating: "x", count: 100_000))\r\n\r\n")
            let (text, _) = await connection.read(timeout: 10)
            #expect(text.hasPrefix("HTTP/1.1 400"), "\(text.prefix(200))")
            #expect(text.lowercased().contains("x-request-id:"))
            let body = try #require(text.components(separatedBy: "\r\n\r\n").last)
            let decoded = try JSONDecoder.spendSense.decode(ErrorBody.self, from: Data(body.utf8))
            #expect(decoded.error.code == "BAD_REQUEST")
            #expect(!decoded.requestID.isEmpty)
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }

    @Test("405 lists only the methods of the route that answers; OPTIONS answers with them")
    func methodsAndOptions() async throws {
        try await withApp { _, client in
            let wrong = try await client.call(.delete, "/api/v1/auth/login")
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow] == "POST, OPTIONS")
            let options = try await client.call(.options, "/api/v1/auth/login")
            #expect(options.status == .noContent)
            #expect(options.headers[.allow] == "POST, OPTIONS")
            let bulk = try await client.call(.delete, "/api/v1/operator/review/bulk")
            #expect(bulk.status == .methodNotAllowed)
            #expect(bulk.headers[.allow] == "POST, OPTIONS", "\(bulk.headers[.allow] ?? "")")
            #expect(try await client.call(.options, "/api/v1/no-such-thing").status == .notFound)
        }
    }
}

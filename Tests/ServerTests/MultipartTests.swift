import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import NIOCore
import NIOFoundationEssentialsCompat
import Testing

@testable import Server

@Suite("Multipart: a linear, bounded, streaming form reader")
struct MultipartTests {
    static let boundary = "b0undary"

    static func form(_ parts: [(disposition: String, body: String)]) -> Data {
        var text = ""
        for part in parts { text += "--\(boundary)\r\nContent-Disposition: \(part.disposition)\r\n\r\n\(part.body)\r\n" }
        return Data((text + "--\(boundary)--\r\n").utf8)
    }

    @Test("fields and a file, with quoted parameters that hold ; and escaped quotes")
    func reads() throws {
        let body = Self.form([
            (#"form-data; name="user_id""#, "abc"),
            (#"form-data; name="file"; filename="a;b \"c\".json""#, "{\"accounts\":[]}\r\nline two"),
        ])
        let parts = try MultipartForm.parse(body, boundary: Self.boundary)
        #expect(parts.map(\.name) == ["user_id", "file"])
        #expect(parts[1].fileName == #"a;b "c".json"#)
        #expect(String(decoding: parts[1].body, as: UTF8.self) == "{\"accounts\":[]}\r\nline two")
        #expect(String(decoding: parts[0].body, as: UTF8.self) == "abc")
    }

    @Test("the same form read in chunks of every size gives the same parts")
    func chunked() async throws {
        let body = Self.form([(#"form-data; name="file"; filename="x.csv""#, String(repeating: "a,b\r\n-", count: 50))])
        let whole = try MultipartForm.parse(body, boundary: Self.boundary)
        for size in [1, 2, 3, 7, 64, 4096] {
            let chunks = stride(from: 0, to: body.count, by: size).map { ByteBuffer(data: body[$0..<min(body.count, $0 + size)]) }
            let stream = AsyncStream<ByteBuffer> { continuation in
                for chunk in chunks { continuation.yield(chunk) }
                continuation.finish()
            }
            let parts = try await MultipartForm.read(stream, boundary: Self.boundary, maxFileBytes: 1 << 20)
            #expect(parts.map(\.body) == whole.map(\.body), "chunk size \(size)")
        }
    }

    @Test("more parts than allowed, an oversized field or file, and malformed bodies are refused")
    func limits() throws {
        let many = Self.form(Array(repeating: (#"form-data; name="x""#, ""), count: 17))
        #expect(throws: MultipartForm.Failure.tooManyParts(limit: 16)) { try MultipartForm.parse(many, boundary: Self.boundary) }
        let longField = Self.form([(#"form-data; name="user_id""#, String(repeating: "9", count: 5000))])
        #expect(throws: MultipartForm.Failure.partTooLarge(name: "user_id", limit: 4096)) { try MultipartForm.parse(longField, boundary: Self.boundary) }
        let bigFile = Self.form([(#"form-data; name="file"; filename="f""#, String(repeating: "z", count: 200))])
        #expect(throws: MultipartForm.Failure.partTooLarge(name: "file", limit: 100)) {
            try MultipartForm.parse(bigFile, boundary: Self.boundary, maxFileBytes: 100)
        }
        let unclosed = Data("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end".utf8)
        #expect(throws: MultipartForm.Failure.self) { try MultipartForm.parse(unclosed, boundary: Self.boundary) }
        #expect(throws: MultipartForm.Failure.self) { try MultipartForm.parse(Data("no boundary at all".utf8), boundary: Self.boundary) }
        #expect(throws: MultipartForm.Failure.self) { try MultipartForm.parse(Data(), boundary: Self.boundary) }
    }

    @Test("a megabyte of empty parts is refused at the seventeenth, at once")
    func emptyPartsFlood() throws {
        var body = Data()
        for _ in 0..<111_000 { body.append(Data("--\(Self.boundary)\r\n\r\n\r\n".utf8)) }
        body.append(Data("--\(Self.boundary)--\r\n".utf8))
        let started = ContinuousClock.now
        #expect(throws: MultipartForm.Failure.tooManyParts(limit: 16)) { try MultipartForm.parse(body, boundary: Self.boundary) }
        // Not a timing assertion on the result: a generous bound that only a super-linear parser would miss.
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test("Content-Type boundaries: quoted, unquoted, missing, too long, not a form")
    func boundaries() throws {
        #expect(try MultipartForm.boundary(fromContentType: #"multipart/form-data; boundary="a;b""#) == "a;b")
        #expect(try MultipartForm.boundary(fromContentType: "Multipart/Form-Data;boundary=xyz; charset=utf-8") == "xyz")
        #expect(throws: MultipartForm.Failure.missingBoundary) { try MultipartForm.boundary(fromContentType: "multipart/form-data") }
        #expect(throws: MultipartForm.Failure.missingBoundary) {
            try MultipartForm.boundary(fromContentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71))
        }
        #expect(throws: MultipartForm.Failure.notMultipart) { try MultipartForm.boundary(fromContentType: "application/json") }
        #expect(throws: MultipartForm.Failure.notMultipart) { try MultipartForm.boundary(fromContentType: nil) }
    }

    @Test("header parameters: odd inputs never trap", arguments: [
        "", ";", "a;", "a; =", "a; b=\"", "a; b=\"\\", "a; b=\"x\" junk; c=d", "a;;;b=1", "a; b", "\"",
    ])
    func parametersNeverTrap(header: String) {
        _ = HeaderParameters.parse(header)
    }

    @Test("the upload route answers a flood of parts with 400 TOO_MANY_PARTS and keeps serving")
    func uploadFlood() async throws {
        try await withApp(configure: noWorker) { _, client in
            let user = try await client.register("flood@example.com")
            var body = Data()
            for _ in 0..<50_000 { body.append(Data("--\(Self.boundary)\r\n\r\n\r\n".utf8)) }
            body.append(Data("--\(Self.boundary)--\r\n".utf8))
            let reply = try await client.execute(
                uri: "/api/v1/data/upload", method: .post,
                headers: [.authorization: "Bearer \(user.accessToken)", .contentType: "multipart/form-data; boundary=\(Self.boundary)"],
                body: ByteBuffer(data: body)
            ) { Reply(status: $0.status, headers: $0.headers, body: Data(buffer: $0.body)) }
            #expect(reply.status == .badRequest)
            #expect(try reply.errorBody().error.code == "TOO_MANY_PARTS")
            let fine = try await client.upload(try generatedUpload(), name: "a;b.json", token: user.accessToken)
            #expect(fine.status == .created)
            #expect(try fine.decode(Upload.self).fileName == "a;b.json")
        }
    }
}

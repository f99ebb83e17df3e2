import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import NIOCore
import NIOFoundationEssentialsCompat
import Testing
import BodyParsing

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
        let parts = try MultipartParser.parse(body, boundary: Self.boundary)
        #expect(parts.map(\.name) == ["user_id", "file"])
        #expect(parts[1].fileName == #"a;b "c".json"#)
        #expect(String(decoding: parts[1].body, as: UTF8.self) == "{\"accounts\":[]}\r\nline two")
        #expect(String(decoding: parts[0].body, as: UTF8.self) == "abc")
    }

    @Test("the same form read in chunks of every size gives the same parts")
    func chunked() async throws {
        let body = Self.form([(#"form-data; name="file"; filename="x.csv""#, String(repeating: "a,b\r\n-", count: 50))])
        let whole = try MultipartParser.parse(body, boundary: Self.boundary)
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
        #expect(throws: MultipartFailure.tooManyParts(limit: 16)) { try MultipartParser.parse(many, boundary: Self.boundary) }
        let longField = Self.form([(#"form-data; name="user_id""#, String(repeating: "9", count: 5000))])
        #expect(throws: MultipartFailure.partTooLarge(name: "user_id", limit: 4096)) { try MultipartParser.parse(longField, boundary: Self.boundary) }
        let bigFile = Self.form([(#"form-data; name="file"; filename="f""#, String(repeating: "z", count: 200))])
        #expect(throws: MultipartFailure.partTooLarge(name: "file", limit: 100)) {
            try MultipartParser.parse(bigFile, boundary: Self.boundary, maxFileBytes: 100)
        }
        let unclosed = Data("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end".utf8)
        #expect(throws: MultipartFailure.self) { try MultipartParser.parse(unclosed, boundary: Self.boundary) }
        #expect(throws: MultipartFailure.self) { try MultipartParser.parse(Data("no boundary at all".utf8), boundary: Self.boundary) }
        #expect(throws: MultipartFailure.self) { try MultipartParser.parse(Data(), boundary: Self.boundary) }
        let hugeHeaders = Data(("--\(Self.boundary)\r\nX: " + String(repeating: "h", count: 20_000)).utf8)
        #expect(throws: MultipartFailure.self) { try MultipartParser.parse(hugeHeaders, boundary: Self.boundary) }
    }

    @Test("a megabyte of empty parts is refused at the seventeenth, at once")
    func emptyPartsFlood() throws {
        var body = Data()
        for _ in 0..<111_000 { body.append(Data("--\(Self.boundary)\r\n\r\n\r\n".utf8)) }
        body.append(Data("--\(Self.boundary)--\r\n".utf8))
        let started = ContinuousClock.now
        #expect(throws: MultipartFailure.tooManyParts(limit: 16)) { try MultipartParser.parse(body, boundary: Self.boundary) }
        // Not a timing assertion on the result: a generous bound that only a super-linear parser would miss.
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test("Content-Type boundaries: quoted, unquoted, missing, too long, not a form")
    func boundaries() throws {
        #expect(try MultipartParser.boundary(fromContentType: #"multipart/form-data; boundary="a;b""#) == "a;b")
        #expect(try MultipartParser.boundary(fromContentType: "Multipart/Form-Data;boundary=xyz; charset=utf-8") == "xyz")
        #expect(throws: MultipartFailure.missingBoundary) { try MultipartParser.boundary(fromContentType: "multipart/form-data") }
        #expect(throws: MultipartFailure.missingBoundary) {
            try MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71))
        }
        #expect(throws: MultipartFailure.notMultipart) { try MultipartParser.boundary(fromContentType: "application/json") }
        #expect(throws: MultipartFailure.notMultipart) { try MultipartParser.boundary(fromContentType: nil) }
    }

    @Test("a preamble before the first boundary, a part without headers, spaces after a boundary, an empty form")
    func edges() throws {
        let preamble = Data("ignored text\r\n--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--\(Self.boundary)  \r\n\r\nx\r\n--\(Self.boundary)--".utf8)
        let parts = try MultipartParser.parse(preamble, boundary: Self.boundary)
        #expect(parts.map(\.name) == ["a", ""])
        #expect(parts.map { String(decoding: $0.body, as: UTF8.self) } == ["1", "x"])
        #expect(try MultipartParser.parse(Data("--\(Self.boundary)--\r\n".utf8), boundary: Self.boundary) == [])
    }

    @Test("bodies of CRs and of near-delimiters are read whole and exactly")
    func pathological() throws {
        let crs = String(repeating: "\r", count: 100_000) + "\r\n--\(Self.boundary.prefix(4))"
        let body = Self.form([(#"form-data; name="file"; filename="f""#, crs)])
        let parts = try MultipartParser.parse(body, boundary: Self.boundary)
        #expect(parts.first?.body == Data(crs.utf8))
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

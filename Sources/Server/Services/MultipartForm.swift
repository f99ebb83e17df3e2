import Foundation
import MultipartKit
import NIOCore
import NIOFoundationEssentialsCompat

/// One part of a `multipart/form-data` body.
struct MultipartPart: Sendable {
    var name: String
    var fileName: String?
    var contentType: String?
    var body: Data
}

/// Reads `multipart/form-data` (RFC 7578) as it arrives, with multipart-kit's streaming parser: linear in the
/// body, one copy of each part's bytes, and bounded: more than `maxParts` parts, a field over `maxFieldBytes`
/// or a file over `maxFileBytes` stops the read at once (the rest of the body is never looked at). A client that
/// goes away ends the read with the body stream's error.
enum MultipartForm {
    enum Failure: Error, Equatable {
        case notMultipart
        case missingBoundary
        case malformed(String)
        /// More parts than the form may have.
        case tooManyParts(limit: Int)
        /// A part larger than allowed: its name and the limit.
        case partTooLarge(name: String, limit: Int)
    }

    /// The upload form has a file and a user id; a little room for clients that add fields of their own.
    static let maxParts = 16
    /// Non-file fields (`user_id`, `format`, …) are short.
    static let maxFieldBytes = 4 * 1024

    /// The boundary named by a `multipart/form-data` Content-Type.
    static func boundary(fromContentType header: String?) throws -> String {
        guard let header else { throw Failure.notMultipart }
        let (value, parameters) = HeaderParameters.parse(header)
        guard value.lowercased() == "multipart/form-data" else { throw Failure.notMultipart }
        guard let boundary = parameters["boundary"], !boundary.isEmpty, boundary.utf8.count <= 70 else { throw Failure.missingBoundary }
        return boundary
    }

    /// Reads the parts of `body` as it arrives.
    static func read<Body: AsyncSequence>(
        _ body: Body, boundary: String, maxParts: Int = maxParts, maxFieldBytes: Int = maxFieldBytes, maxFileBytes: Int
    ) async throws -> [MultipartPart] where Body.Element == ByteBuffer {
        let collector = Collector(boundary: boundary, maxParts: maxParts, maxFieldBytes: maxFieldBytes, maxFileBytes: maxFileBytes)
        // The envelope (boundaries, part headers, short fields) gets 64 KB beside the file: a body without a
        // Content-Length cannot grow without bound in part headers either.
        let maxTotal = maxFileBytes + 64 * 1024
        var total = 0
        for try await chunk in body {
            total += chunk.readableBytes
            guard total <= maxTotal else { throw Failure.partTooLarge(name: "file", limit: maxFileBytes) }
            try collector.feed(chunk)
        }
        return try collector.finish()
    }

    /// Reads the parts of a body held whole (tests and the fuzz target).
    static func parse(_ body: Data, boundary: String, maxFileBytes: Int = 16 * 1024 * 1024) throws -> [MultipartPart] {
        let collector = Collector(boundary: boundary, maxParts: maxParts, maxFieldBytes: maxFieldBytes, maxFileBytes: maxFileBytes)
        try collector.feed(ByteBuffer(data: body))
        return try collector.finish()
    }

    /// Drives one `MultipartParser` and keeps what it reports. Lives inside one request's task.
    private final class Collector {
        let parser: MultipartParser
        let maxParts: Int
        let maxFieldBytes: Int
        let maxFileBytes: Int
        var parts: [MultipartPart] = []
        var headers: [(String, String)] = []
        var current = Data()
        var inPart = false
        var failure: Failure?

        init(boundary: String, maxParts: Int, maxFieldBytes: Int, maxFileBytes: Int) {
            self.parser = MultipartParser(boundary: boundary)
            self.maxParts = maxParts
            self.maxFieldBytes = maxFieldBytes
            self.maxFileBytes = maxFileBytes
            parser.onHeader = { [unowned self] name, value in
                self.begin()
                self.headers.append((name, value))
            }
            parser.onBody = { [unowned self] buffer in
                self.begin()
                guard self.failure == nil else { return }
                let limit = self.isFile ? self.maxFileBytes : self.maxFieldBytes
                guard self.current.count + buffer.readableBytes <= limit else {
                    self.failure = .partTooLarge(name: self.disposition["name"] ?? "", limit: limit)
                    return
                }
                self.current.append(contentsOf: buffer.readableBytesView)
            }
            parser.onPartComplete = { [unowned self] in
                self.begin()
                guard self.failure == nil else { return }
                let disposition = self.disposition
                let contentType = self.headers.last { $0.0.lowercased() == "content-type" }?.1
                self.parts.append(
                    MultipartPart(name: disposition["name"] ?? "", fileName: disposition["filename"], contentType: contentType, body: self.current))
                self.headers = []
                self.current = Data()
                self.inPart = false
            }
        }

        /// A part starts with its first header or byte; past the limit the form is refused.
        private func begin() {
            guard !inPart else { return }
            inPart = true
            if parts.count >= maxParts, failure == nil { failure = .tooManyParts(limit: maxParts) }
        }

        var disposition: [String: String] {
            guard let header = headers.last(where: { $0.0.lowercased() == "content-disposition" })?.1 else { return [:] }
            return HeaderParameters.parse(header).parameters
        }

        var isFile: Bool { disposition["filename"] != nil }

        func feed(_ chunk: ByteBuffer) throws {
            do {
                try parser.execute(chunk)
            } catch {
                throw Failure.malformed("the multipart body is not well formed")
            }
            if let failure { throw failure }
        }

        func finish() throws -> [MultipartPart] {
            if let failure { throw failure }
            guard !inPart else { throw Failure.malformed("the last part is not closed by the boundary") }
            guard !parts.isEmpty else { throw Failure.malformed("no part in the body (is the boundary right?)") }
            return parts
        }
    }
}

/// `value; name=token; name="quoted ; string"`: the value and its parameters (RFC 9110 §5.6.6, RFC 7578),
/// parameter names lower-cased. Quoted strings may hold `;` and `\"`.
enum HeaderParameters {
    static func parse(_ header: String) -> (value: String, parameters: [String: String]) {
        let bytes = Array(header.utf8)
        var index = 0
        func skipSpace() { while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 } }
        func token(until stops: Set<UInt8>) -> String {
            let start = index
            while index < bytes.count, !stops.contains(bytes[index]) { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
        let value = token(until: [0x3B])
        var parameters: [String: String] = [:]
        while index < bytes.count {
            index += 1  // the ';'
            skipSpace()
            let name = token(until: [0x3D, 0x3B]).lowercased()
            guard index < bytes.count, bytes[index] == 0x3D else { continue }
            index += 1  // the '='
            skipSpace()
            var text: String
            if index < bytes.count, bytes[index] == 0x22 {
                index += 1
                var raw: [UInt8] = []
                while index < bytes.count, bytes[index] != 0x22 {
                    if bytes[index] == 0x5C, index + 1 < bytes.count { index += 1 }
                    raw.append(bytes[index])
                    index += 1
                }
                if index < bytes.count { index += 1 }  // the closing quote
                text = String(decoding: raw, as: UTF8.self)
                _ = token(until: [0x3B])  // anything after the quote up to the next parameter
            } else {
                text = token(until: [0x3B])
            }
            if !name.isEmpty, parameters[name] == nil { parameters[name] = text }
        }
        return (value, parameters)
    }
}

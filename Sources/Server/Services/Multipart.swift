import Foundation
import Hummingbird
import NIOCore
import Storage

/// One part of a `multipart/form-data` body.
struct MultipartPart {
    var name: String
    var fileName: String?
    var contentType: String?
    var body: Data
}

/// A small `multipart/form-data` reader (RFC 7578) for the upload endpoint: finds the boundary in the
/// Content-Type, splits the body, and reads each part's Content-Disposition.
enum Multipart {
    enum Failure: Error, Equatable {
        case notMultipart
        case missingBoundary
        case malformed(String)
    }

    static func boundary(fromContentType header: String?) throws -> String {
        guard let header, header.lowercased().hasPrefix("multipart/form-data") else { throw Failure.notMultipart }
        for parameter in header.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                guard !value.isEmpty, value.count <= 70 else { throw Failure.missingBoundary }
                return value
            }
        }
        throw Failure.missingBoundary
    }

    static func parse(_ body: Data, boundary: String) throws -> [MultipartPart] {
        let delimiter = Data("--\(boundary)".utf8)
        let crlf = Data("\r\n".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        var parts: [MultipartPart] = []
        guard var cursor = body.range(of: delimiter)?.upperBound else { throw Failure.malformed("no boundary in the body") }
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: crlf) else { throw Failure.malformed("expected a line break after the boundary") }
            cursor += 2
            guard let headersRange = body.range(of: headerEnd, in: cursor..<body.endIndex) else {
                throw Failure.malformed("part headers never end")
            }
            let headerText = String(decoding: body[cursor..<headersRange.lowerBound], as: UTF8.self)
            let contentStart = headersRange.upperBound
            guard let next = body.range(of: crlf + delimiter, in: contentStart..<body.endIndex) else {
                throw Failure.malformed("the last part is not closed by the boundary")
            }
            var part = MultipartPart(name: "", fileName: nil, contentType: nil, body: body[contentStart..<next.lowerBound])
            for line in headerText.components(separatedBy: "\r\n") {
                let pieces = line.split(separator: ":", maxSplits: 1)
                guard pieces.count == 2 else { continue }
                let field = pieces[0].trimmingCharacters(in: .whitespaces).lowercased()
                let value = pieces[1].trimmingCharacters(in: .whitespaces)
                if field == "content-disposition" {
                    part.name = parameter("name", in: value) ?? ""
                    part.fileName = parameter("filename", in: value)
                } else if field == "content-type" {
                    part.contentType = value
                }
            }
            parts.append(part)
            cursor = next.upperBound
        }
        return parts
    }

    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.replacingOccurrences(of: "\\\"", with: "\"")
        }
        return nil
    }
}

/// `application/x-www-form-urlencoded`: OAuth token requests and Apple's `form_post` callbacks.
enum FormBody {
    /// Field names to values (`+` is a space; a repeated name keeps its last value).
    static func fields(_ text: String) -> [String: String] {
        var components = URLComponents()
        components.percentEncodedQuery = text.replacingOccurrences(of: "+", with: "%20")
        return Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
    }

    /// `name=value&…`, percent-encoded as RFC 3986 asks (what AWS signs, and what OAuth providers read).
    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(SigV4.encode($0.0))=\(SigV4.encode($0.1))" }.joined(separator: "&")
    }

    /// `url` with `fields` added to its query.
    static func appending(_ fields: [(String, String)], to url: String) -> String {
        url + (url.contains("?") ? "&" : "?") + encode(fields)
    }

    /// Reads a form body of at most 64 KB.
    static func fields(of request: Request) async throws -> [String: String] {
        fields(String(buffer: try await request.body.collect(upTo: 64 * 1024)))
    }
}

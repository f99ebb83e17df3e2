import Foundation
import Hummingbird
import Storage

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

import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

// AWS without the SDK: credentials, Signature Version 4, and one signed-request helper. SNS and SES (Server) and
// S3 (the blob store here) all go through it; the SDK would be the only reason to depend on a large AWS package.

/// AWS credentials and where to send (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`; `endpoint` for a local or private service: `SNS_ENDPOINT`, `SES_ENDPOINT`, `S3_ENDPOINT`).
public struct AWSConfiguration: Sendable, Equatable {
    public var region: String
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var endpoint: URL?

    public init(region: String, accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, endpoint: URL? = nil) {
        self.region = region
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.endpoint = endpoint
    }
}

/// AWS Signature Version 4 for a request with a body (headers `host`, `x-amz-date`, the given ones).
public struct SigV4: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var region: String
    public var service: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, region: String, service: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }

    /// RFC 3986 unreserved characters stay; everything else is percent-encoded (what AWS expects).
    public static func encode(_ text: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }


    /// The signing key for a day (`yyyyMMdd`).
    func signingKey(day: String) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)))
        }
        let date = hmac(SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8)), day)
        return hmac(hmac(hmac(date, region), service), "aws4_request")
    }

    public func signingKeyHex(day: String) -> String { signingKey(day: day).withUnsafeBytes { Hex.string($0) } }

    /// The headers to add: `host`, `x-amz-date`, `x-amz-security-token` (with a session token),
    /// `authorization`, and the given ones.
    public func sign(method: String, url: URL, headers: [String: String], body: Data, date: Date) -> [String: String] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let amzDate = formatter.string(from: date)
        let day = String(amzDate.prefix(8))
        var all = headers.reduce(into: [String: String]()) { $0[$1.key.lowercased()] = $1.value.trimmingCharacters(in: .whitespaces) }
        let host = url.host ?? ""
        all["host"] = url.port.map { "\(host):\($0)" } ?? host
        all["x-amz-date"] = amzDate
        if let sessionToken { all["x-amz-security-token"] = sessionToken }
        let names = all.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(all[$0]!)\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let path = url.path.isEmpty ? "/" : url.path
        let canonicalQuery = (URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? [])
            .map { (Self.encode($0.name), Self.encode($0.value ?? "")) }.sorted { $0 < $1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let canonicalRequest = [method, path, canonicalQuery, canonicalHeaders, signedHeaders, Hex.string(SHA256.hash(data: body))]
            .joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Hex.string(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
        let signature = Hex.string(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(day: day)))
        all["authorization"] = "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return all
    }
}

/// A signed request to an AWS service; the status and the body (at most 12 MB) of the answer.
public enum AWSRequest {
    public static func send(
        _ method: String, _ url: URL, headers: [String: String] = [:], body: Data = Data(), service: String, aws: AWSConfiguration,
        http: HTTPClient = .shared, timeout: TimeAmount = .seconds(15)
    ) async throws -> (status: Int, body: Data) {
        let signer = SigV4(accessKeyID: aws.accessKeyID, secretAccessKey: aws.secretAccessKey, sessionToken: aws.sessionToken, region: aws.region, service: service)
        var unsigned = headers
        // S3 wants the payload hash as a header too (it is part of the signature either way).
        if service == "s3" { unsigned["x-amz-content-sha256"] = Hex.string(SHA256.hash(data: body)) }
        let signed = signer.sign(method: method, url: url, headers: unsigned, body: body, date: Date())
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in signed { request.headers.add(name: name, value: value) }
        if !body.isEmpty || method == "PUT" || method == "POST" { request.body = .bytes(ByteBuffer(data: body)) }
        let response = try await http.execute(request, timeout: timeout)
        let answer = try await response.body.collect(upTo: 12 << 20)
        return (Int(response.status.code), Data(buffer: answer))
    }
}

import AsyncHTTPClient
import Crypto
import Foundation
import Models
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// Sends text messages (sign-in codes).
public protocol SMSSender: Sendable {
    func send(to phone: String, body: String) async throws
}

/// Development and tests: texts and emails are kept in memory (the last 200) and readable at
/// `GET /api/v1/dev/outbox`, which exists only outside production mode. Codes are also logged at debug level.
public final class DevOutbox: SMSSender, EmailSender {
    private let messages = Mutex<[OutboxMessage]>([])

    public init() {}

    private func keep(_ message: OutboxMessage) {
        messages.withLock { list in
            list.append(message)
            if list.count > 200 { list.removeFirst(list.count - 200) }
        }
    }

    public func send(to phone: String, body: String) async throws {
        keep(OutboxMessage(to: phone, body: body, at: Date()))
    }

    public func send(to address: String, subject: String, body: String) async throws {
        keep(OutboxMessage(to: address, body: body, at: Date(), channel: "email", subject: subject))
    }

    /// Newest first, optionally for one number or address.
    public func list(to recipient: String? = nil) -> [OutboxMessage] {
        messages.withLock { list in list.filter { recipient == nil || $0.to == recipient }.reversed() }
    }
}

/// AWS credentials and where to send (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`, `SNS_ENDPOINT` for a local or private endpoint).
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

/// Amazon SNS `Publish` to a phone number, signed with Signature Version 4 (a small signer: the SDK would be
/// the only reason to depend on a large AWS package).
public struct SNSSender: SMSSender {
    let aws: AWSConfiguration
    let http: HTTPClient

    public init(aws: AWSConfiguration, http: HTTPClient = .shared) {
        self.aws = aws
        self.http = http
    }

    var url: URL { aws.endpoint ?? URL(string: "https://sns.\(aws.region).amazonaws.com/")! }

    /// Sends a SigV4-signed POST; throws `SMSError.rejected` for a non-2xx answer.
    static func post(_ payload: Data, to url: URL, contentType: String, service: String, aws: AWSConfiguration, http: HTTPClient) async throws {
        let signer = SigV4(accessKeyID: aws.accessKeyID, secretAccessKey: aws.secretAccessKey, sessionToken: aws.sessionToken, region: aws.region, service: service)
        let headers = signer.sign(method: "POST", url: url, headers: ["content-type": contentType], body: payload, date: Date())
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: payload))
        let response = try await http.execute(request, timeout: .seconds(10))
        let answer = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw SMSError.rejected(status: Int(response.status.code), body: String(buffer: answer).prefix(300).description)
        }
    }

    public func send(to phone: String, body: String) async throws {
        let form = [
            ("Action", "Publish"), ("Version", "2010-03-31"), ("PhoneNumber", phone), ("Message", body),
            ("MessageAttributes.entry.1.Name", "AWS.SNS.SMS.SMSType"), ("MessageAttributes.entry.1.Value.DataType", "String"),
            ("MessageAttributes.entry.1.Value.StringValue", "Transactional"),
        ].map { "\(SigV4.encode($0.0))=\(SigV4.encode($0.1))" }.joined(separator: "&")
        try await Self.post(
            Data(form.utf8), to: url, contentType: "application/x-www-form-urlencoded; charset=utf-8", service: "sns", aws: aws, http: http)
    }
}

public enum SMSError: Error, Equatable {
    case rejected(status: Int, body: String)
}

/// AWS Signature Version 4 for a request with a body (headers `host`, `x-amz-date`, the given ones).
struct SigV4 {
    var accessKeyID: String
    var secretAccessKey: String
    var sessionToken: String?
    var region: String
    var service: String

    /// RFC 3986 unreserved characters stay; everything else is percent-encoded (what AWS expects).
    static func encode(_ text: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// The signing key for a day (`yyyyMMdd`).
    func signingKey(day: String) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)))
        }
        let date = hmac(SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8)), day)
        return hmac(hmac(hmac(date, region), service), "aws4_request")
    }

    func signingKeyHex(day: String) -> String { signingKey(day: day).withUnsafeBytes { Self.hex($0) } }

    /// The headers to add: `host`, `x-amz-date`, `x-amz-security-token` (with a session token),
    /// `authorization`, and the given ones.
    func sign(method: String, url: URL, headers: [String: String], body: Data, date: Date) -> [String: String] {
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
        let canonicalRequest = [method, path, canonicalQuery, canonicalHeaders, signedHeaders, Self.hex(SHA256.hash(data: body))]
            .joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(day: day)))
        all["authorization"] = "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return all
    }
}

import AsyncHTTPClient
import Crypto
import Foundation
import Storage
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

    public func send(to phone: String, body: String) async throws {
        let form = FormBody.encode([
            ("Action", "Publish"), ("Version", "2010-03-31"), ("PhoneNumber", phone), ("Message", body),
            ("MessageAttributes.entry.1.Name", "AWS.SNS.SMS.SMSType"), ("MessageAttributes.entry.1.Value.DataType", "String"),
            ("MessageAttributes.entry.1.Value.StringValue", "Transactional"),
        ])
        let (status, answer) = try await AWSRequest.send(
            "POST", url, headers: ["content-type": "application/x-www-form-urlencoded; charset=utf-8"], body: Data(form.utf8), service: "sns",
            aws: aws, http: http)
        guard (200..<300).contains(status) else { throw SMSError.rejected(status: status, body: String(decoding: answer.prefix(300), as: UTF8.self)) }
    }
}

public enum SMSError: Error, Equatable {
    case rejected(status: Int, body: String)
}


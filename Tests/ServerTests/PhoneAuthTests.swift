import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Foundation
import HTTPTypes
import HummingbirdTesting
import Models
import Storage
import TestSupport
import Testing

@testable import Server

/// The code in the newest outbox text to `phone`.
func lastCode(_ client: any TestClientProtocol, _ phone: String) async throws -> String {
    let messages = try await client.call(.get, "/api/v1/dev/outbox?phone=\(phone.replacingOccurrences(of: "+", with: "%2B"))").decode([OutboxMessage].self)
    let body = try #require(messages.first?.body)
    let words = body.split(whereSeparator: { !$0.isNumber })
    return String(words.first { $0.count == 6 } ?? "")
}

@Suite("Phone sign-in")
struct PhoneAuthTests {
    @Test("request, verify (creates the account once), E.164, attempts, hourly limit", arguments: TestBackend.available)
    func flow(backend: TestBackend) async throws {
        try await withApp(backend) { dependencies, client in
            let bad = try await client.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "555-1234"))
            #expect(bad.status == .badRequest)
            let sent = try await client.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "+1 (555) 010-2030"))
            #expect(sent.status == .accepted)
            #expect(try sent.decode(PhoneCodeSent.self) == PhoneCodeSent(phone: "+15550102030", expiresIn: 600))
            let code = try await lastCode(client, "+15550102030")
            #expect(code.count == 6)

            let first = try await client.call(.post, "/api/v1/auth/phone/verify", json: PhoneVerifyRequest(phone: "+15550102030", code: code))
            #expect(first.status == .ok)
            let signedIn = try first.decode(AuthResponse.self)
            #expect(signedIn.isNewUser == true)
            let me = try await client.call(.get, "/api/v1/users/me", token: signedIn.accessToken).decode(User.self)
            #expect(me.phoneNumber == "+15550102030" && me.email == nil)
            // A code is good once.
            #expect(try await client.call(.post, "/api/v1/auth/phone/verify", json: PhoneVerifyRequest(phone: "+15550102030", code: code)).status == .unauthorized)

            // The next sign-in finds the same account.
            _ = try await client.call(.post, "/api/v1/auth/phone/resend", json: PhoneRequest(phone: "+15550102030"))
            let again = try await client.call(
                .post, "/api/v1/auth/phone/verify", json: PhoneVerifyRequest(phone: "+15550102030", code: try await lastCode(client, "+15550102030"))
            ).decode(AuthResponse.self)
            #expect(again.userID == signedIn.userID && again.isNewUser == false)

            // Three wrong attempts use the code up, even for the right code afterwards.
            _ = try await client.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "+15550102030"))
            let right = try await lastCode(client, "+15550102030")
            let wrong = right == "000000" ? "111111" : "000000"
            for _ in 0..<3 {
                #expect(try await client.call(.post, "/api/v1/auth/phone/verify", json: PhoneVerifyRequest(phone: "+15550102030", code: wrong)).status == .unauthorized)
            }
            let late = try await client.call(.post, "/api/v1/auth/phone/verify", json: PhoneVerifyRequest(phone: "+15550102030", code: right))
            #expect(late.status == .unauthorized)
            #expect(try late.errorBody().error.code == "CODE_EXPIRED")

            // Three texts so far this hour; the fourth and fifth are allowed, the sixth is 429 with Retry-After.
            for _ in 0..<2 {
                #expect(try await client.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "+15550102030")).status == .accepted)
            }
            let limited = try await client.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "+15550102030"))
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)
            // Another number is not affected.
            #expect(try await client.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "+447700900123")).status == .accepted)
            #expect(dependencies.outbox?.list(to: "+15550102030").count == 5)
        }
    }

    @Test("the daily limit holds across hours")
    func dailyLimit() async throws {
        try await withApp(configure: { $0.smsPerHour = 100 }) { _, client async throws in
            for _ in 0..<10 {
                #expect(try await client.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "+15550109999")).status == .accepted)
            }
            #expect(try await client.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "+15550109999")).status == .tooManyRequests)
        }
    }

    @Test("production mode has no outbox route; with phone sign-in off the endpoints say so")
    func production() async throws {
        try await withApp(configure: { $0.environment = .production; $0.smsProvider = .off }) { _, client in
            #expect(try await client.call(.get, "/api/v1/dev/outbox").status == .notFound)
            let off = try await client.call(.post, "/api/v1/auth/phone/request", json: PhoneRequest(phone: "+15550102030"))
            #expect(off.status == .notFound)
            #expect(try off.errorBody().error.message.contains("not available"))
        }
    }

    @Test("SigV4 derives AWS's documented signing key")
    func signingKey() {
        // From AWS's "Examples of how to derive a signing key for Signature Version 4".
        let signer = SigV4(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: nil, region: "us-east-1",
            service: "iam")
        let key = signer.signingKeyHex(day: "20150830")
        #expect(key == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
        let headers = signer.sign(
            method: "POST", url: URL(string: "https://sns.us-east-1.amazonaws.com/")!, headers: ["content-type": "application/x-www-form-urlencoded"],
            body: Data("Action=Publish".utf8), date: Date(timeIntervalSince1970: 1_440_938_160))
        #expect(headers["x-amz-date"] == "20150830T123600Z")
        #expect(headers["authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=") == true)
    }

    @Test("SNS Publish is accepted by a local SNS (moto_server), which records the text")
    func snsPublish() async throws {
        guard let moto = await MotoServer.shared() else {
            // CI installs moto (.ci/run) and must run this; elsewhere it needs `pip install 'moto[server]'`.
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("moto_server is not installed or did not start") }
            return
        }
        let sender = SNSSender(aws: AWSConfiguration(region: "us-east-1", accessKeyID: "testing", secretAccessKey: "testing", endpoint: moto.url))
        try await sender.send(to: "+15550102030", body: "Your SpendSense code is 123456.")
        // moto keeps what was published; its state endpoint shows the text. That endpoint dumps every service's
        // state, and answers 500 while another test (S3, SES) changes it mid-dump: ask again then.
        var body = ""
        for _ in 0..<10 {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: moto.url.absoluteString + "moto-api/data.json"), timeout: .seconds(10))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 22))
            if response.status.code == 200 {
                body = text
                break
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(body.contains("+15550102030"), "moto did not record the text")
    }
}

extension PhoneAuthTests {
    @Test("SES SendEmail (reset emails) is accepted by a local SES (moto_server) from a verified sender")
    func sesSendEmail() async throws {
        guard let moto = await MotoServer.shared() else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("moto_server is not installed or did not start") }
            return
        }
        let aws = AWSConfiguration(region: "us-east-1", accessKeyID: "testing", secretAccessKey: "testing", endpoint: moto.url)
        let sender = SESSender(aws: aws, from: "SpendSense <no-reply@spendsense.test>")
        // SES refuses a sender it has not verified...
        await #expect(throws: SMSError.self) {
            try await sender.send(to: "someone@example.com", subject: "Reset your SpendSense password", body: "token")
        }
        // ...and accepts it once the identity exists.
        let created = try await AWSRequest.send(
            "POST", moto.url.appendingPathComponent("v2/email/identities"), headers: ["content-type": "application/json"],
            body: Data(#"{"EmailIdentity":"no-reply@spendsense.test"}"#.utf8), service: "ses", aws: aws)
        #expect(created.status == 200)
        try await sender.send(to: "someone@example.com", subject: "Reset your SpendSense password", body: "Your reset token: abc")
    }
}

/// The pid of the shared `moto_server`, killed when the test process exits.
nonisolated(unsafe) var sharedMotoPID: pid_t = 0

/// Starts the shared `moto_server` once, however many tests ask at the same time.
actor MotoLauncher {
    static let instance = MotoLauncher()
    private var starting: Task<MotoServer?, Never>?

    func server() async -> MotoServer? {
        if let starting { return await starting.value }
        let task = Task { await MotoServer.start() }
        starting = task
        return await task.value
    }
}

/// A `moto_server` on a free port for the SNS, SES and S3 tests: one per test process (several Python servers
/// starting at once on a busy machine could miss their start-up deadline), each test with its own resources.
final class MotoServer: @unchecked Sendable {
    static func shared() async -> MotoServer? {
        guard let server = await MotoLauncher.instance.server() else { return nil }
        if sharedMotoPID == 0 {
            sharedMotoPID = server.process.processIdentifier
            // A signal, not `waitUntilExit`: that spins a run loop, which never returned on a task's thread.
            atexit { kill(sharedMotoPID, SIGKILL) }
        }
        return server
    }

    let process: Process
    let url: URL

    private init(process: Process, url: URL) {
        self.process = process
        self.url = url
    }

    static func start() async -> MotoServer? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/root/.pyenv/shims", "/usr/local/bin"]
        guard let binary = paths.map({ "\($0)/moto_server" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let port = 40_000 + Int.random(in: 0..<20_000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let url = URL(string: "http://127.0.0.1:\(port)/")!
        // Wait until the port accepts connections.
        for _ in 0..<600 {
            if portOpen(port) { return MotoServer(process: process, url: url) }
            try? await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        return nil
    }

    private static func portOpen(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

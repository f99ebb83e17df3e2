import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import NIOCore
import NIOFoundationEssentialsCompat
import Server
import Storage
import TestSupport
import Testing

/// One RSA key for the whole test run (generating 2048-bit keys per test is slow).
let sharedKeyFile: String = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("spendsense-test-key-\(getpid()).pem")
    if !FileManager.default.fileExists(atPath: url.path) {
        let pem = try! TokenService.generatePrivateKeyPEM()
        precondition(
            FileManager.default.createFile(atPath: url.path, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]),
            "cannot write the test key")
    }
    return url.path
}()

/// Builds the app on a scratch database (PostgreSQL runs also put the key-value store on Redis when
/// `SPENDSENSE_TEST_REDIS_URL` is set), runs `body` with a router test client, then tears everything down.
func withApp<T: Sendable>(
    _ backend: TestBackend = .sqlite,
    _ setup: TestingSetup = .router,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (AppDependencies, any TestClientProtocol) async throws -> T
) async throws -> T {
    let scratch = try await ScratchDatabase.make(backend)
    var configuration = ServerConfiguration.testing(database: scratch.location)
    configuration.jwtPrivateKeyFiles = [sharedKeyFile]
    configuration.maxDatabaseConnections = 2
    // The PostgreSQL runs are the production shape: the key-value store on Redis too, when one is configured.
    if backend == .postgres, let redis = TestKeyValue.redisURL {
        configuration.redisURL = redis
        configuration.redisKeyPrefix = "test-\(UUID().uuidString.prefix(8)):"
    }
    configure(&configuration)
    let dependencies = try await AppDependencies.make(configuration, logger: quietLogger())
    let app = buildApplication(dependencies)
    do {
        let result = try await app.test(setup) { client in try await body(dependencies, client) }
        await dependencies.shutdown()
        await scratch.drop()
        try? FileManager.default.removeItem(at: configuration.dataDirectory)
        return result
    } catch {
        await dependencies.shutdown()
        await scratch.drop()
        throw error
    }
}

/// A decoded response.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: Data

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder.spendSense.decode(T.self, from: body)
    }

    /// The error body every non-2xx response must carry; records an issue when it does not.
    func errorBody(sourceLocation: SourceLocation = #_sourceLocation) throws -> ErrorBody {
        let body = try decode(ErrorBody.self)
        #expect(body.detail == body.error.message, sourceLocation: sourceLocation)
        #expect(!body.requestID.isEmpty, sourceLocation: sourceLocation)
        #expect(headers[.init("X-Request-ID")!] == body.requestID, sourceLocation: sourceLocation)
        return body
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

extension TestClientProtocol {
    /// Sends `body` as JSON (or raw text) with an optional bearer token.
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json body: (any Encodable)? = nil, raw: String? = nil,
        token: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(data: try JSONEncoder.spendSense.encode(body))
        } else if let raw {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(string: raw)
        }
        let reply = try await execute(uri: uri, method: method, headers: headers, body: buffer) { response in
            Reply(status: response.status, headers: response.headers, body: Data(buffer: response.body))
        }
        // Every response a suite sees is held to the OpenAPI document.
        for problem in ResponseContract.problems(
            method: method.rawValue, path: uri, status: reply.status.code, headers: reply.headers, body: reply.body)
        {
            Issue.record("contract: \(problem)")
        }
        return reply
    }

    /// Registers a user and returns the token response.
    func register(_ email: String, password: String = "Correct-horse-9!") async throws -> AuthResponse {
        let reply = try await call(.post, "/api/v1/auth/register", json: Credentials(email: email, password: password))
        #expect(reply.status == .created, "register \(email): \(reply.text)")
        return try reply.decode(AuthResponse.self)
    }
}

/// Creates a user of `role` directly (as `create-user` does) and signs them in.
func signIn(
    _ dependencies: AppDependencies, _ client: any TestClientProtocol, email: String, role: Role,
    password: String = "Correct-horse-9!"
) async throws -> AuthResponse {
    _ = try await dependencies.auth.createUser(email: email, password: password, role: role)
    let reply = try await client.call(.post, "/api/v1/auth/login", json: Credentials(email: email, password: password))
    #expect(reply.status == .ok, "login \(email): \(reply.text)")
    return try reply.decode(AuthResponse.self)
}

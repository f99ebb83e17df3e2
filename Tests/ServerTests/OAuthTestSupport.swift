import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import NIOCore
import NIOHTTP1
import Server

/// The development provider, approving at once, is the fake provider the tests talk to.
typealias FakeOAuthProvider = DevOAuthProvider

/// A second RSA key for the whole run: what the fake provider "forges" with.
let sharedForgeryKeyPEM: String = { try! TokenService.generatePrivateKeyPEM() }()

extension DevOAuthProvider {
    static func make() async throws -> DevOAuthProvider {
        try await make(
            autoApprove: true, signingKeyPEM: try String(contentsOfFile: sharedKeyFile, encoding: .utf8), forgeryKeyPEM: sharedForgeryKeyPEM)
    }

    func settings(_ provider: OAuthProviderID, base: URL) -> OAuthProviderSettings { settings(provider, base: base.absoluteString) }
}

struct MissingValue: Error {}

/// Serves `fake` on a free local port for the duration of `body`.
func withFakeProvider<T: Sendable>(_ fake: FakeOAuthProvider, _ body: @Sendable (URL) async throws -> T) async throws -> T {
    let router = Router()
    fake.addRoutes(to: router.group())
    var logger = Logger(label: "fake-oauth")
    logger.logLevel = .critical
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
    return try await app.test(.live) { client in
        try await body(URL(string: "http://127.0.0.1:\(client.port!)")!)
    }
}

/// A browser that does not follow redirects: it shows where it was sent.
struct TestBrowser {
    let http: HTTPClient

    static func with<T>(_ body: (TestBrowser) async throws -> T) async throws -> T {
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            let result = try await body(TestBrowser(http: http))
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// Opens `url` (the provider's authorize page) and returns where the provider redirects: our callback.
    func approve(_ url: String) async throws -> URLComponents {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .found, let location = response.headers.first(name: "location"),
            let components = URLComponents(string: location)
        else { throw MissingValue() }
        return components
    }
}

extension URLComponents {
    /// Path and query, to replay on the router test client.
    var pathAndQuery: String { path + (percentEncodedQuery.map { "?\($0)" } ?? "") }

    func query(_ name: String) -> String? { queryItems?.first { $0.name == name }?.value }
}

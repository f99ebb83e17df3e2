import Engine
import Foundation
import Hummingbird
import Models
import NIOFoundationEssentialsCompat
import Storage

/// Health, readiness, metrics, the OpenAPI document and its HTML rendering, and the JWKS.
struct SystemController {
    let database: Database
    let keyValue: any KeyValueStore
    let metrics: MetricsRegistry
    let tokens: TokenService

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("health", use: health)
        router.get("ready", use: ready)
        router.get("metrics", use: metricsText)
        router.get("openapi.json", use: openAPI)
        router.get("docs", use: docs)
        router.get(".well-known/jwks.json", use: jwks)
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> HealthStatus {
        HealthStatus(status: "ok", version: SpendSenseVersion.current)
    }

    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> HealthStatus {
        var checks: [String: String] = [:]
        do {
            try await database.ping()
            checks["database"] = "ok"
        } catch {
            checks["database"] = "unavailable"
        }
        checks["cache"] = await keyValue.ping() ? "ok" : "unavailable"
        guard checks.values.allSatisfy({ $0 == "ok" }) else {
            throw AppError(
                .serviceUnavailable, code: ErrorCode.serviceUnavailable, "Not ready",
                details: ["checks": .object(checks.mapValues { .string($0) })])
        }
        return HealthStatus(status: "ready", checks: checks, version: SpendSenseVersion.current)
    }

    @Sendable func metricsText(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: .init(string: metrics.render())))
    }

    @Sendable func openAPI(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: .init(data: try OpenAPIDocument.data())))
    }

    @Sendable func docs(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: .init(string: try OpenAPIDocument.html())))
    }

    @Sendable func jwks(_ request: Request, context: AppRequestContext) async throws -> Response {
        struct Keys: Encodable { let keys: [PublicJWK] }
        let data = try JSONEncoder.spendSense.encode(Keys(keys: tokens.publicKeys))
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: .init(data: data)))
    }
}

/// The OpenAPI document shipped with the server (`Sources/Server/Resources/openapi.json`).
public enum OpenAPIDocument {
    /// The raw document.
    public static func data() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw AppError(.internalServerError, code: ErrorCode.internalError, "OpenAPI document is missing")
        }
        return try Data(contentsOf: url)
    }

    /// The document as a JSON value (decoded with Codable, not JSONSerialization).
    static func value() throws -> [String: JSONValue] {
        guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: data()) else { return [:] }
        return object
    }

    static let methods = ["get", "post", "put", "patch", "delete"]

    /// Every (method, path) the document describes, methods upper-cased.
    public static func operations() throws -> Set<String> {
        guard case .object(let paths)? = try value()["paths"] else { return [] }
        var result: Set<String> = []
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for method in operations.keys where methods.contains(method) {
                result.insert("\(method.uppercased()) \(path)")
            }
        }
        return result
    }

    /// A self-contained HTML page listing every operation (no scripts, no CDN: it works offline).
    static func html() throws -> String {
        let object = try value()
        func text(_ value: JSONValue?) -> String { if case .string(let s)? = value { s } else { "" } }
        func fields(_ value: JSONValue?) -> [String: JSONValue] { if case .object(let o)? = value { o } else { [:] } }
        let info = fields(object["info"])
        let paths = fields(object["paths"])
        var rows = ""
        for path in paths.keys.sorted() {
            let item = fields(paths[path])
            for method in methods {
                guard case .object(let operation)? = item[method] else { continue }
                let security: String
                if case .array(let list)? = operation["security"] { security = list.isEmpty ? "public" : "bearer" } else { security = "bearer" }
                let responses = fields(operation["responses"]).keys.sorted().joined(separator: " ")
                rows += """
                    <tr><td class="m \(method)">\(method.uppercased())</td><td><code>\(escape(path))</code></td>\
                    <td><b>\(escape(text(operation["summary"])))</b><br>\(escape(text(operation["description"])))</td><td>\(security)</td><td>\(responses)</td></tr>

                    """
            }
        }
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>\(escape(text(info["title"])))</title>
            <style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}
            td,th{border-bottom:1px solid #ddd;padding:.4rem;vertical-align:top;text-align:left}
            .m{font-weight:bold;font-family:monospace}.get{color:#1565c0}.post{color:#2e7d32}.put{color:#ef6c00}
            .delete{color:#c62828}</style></head><body>
            <h1>\(escape(text(info["title"]))) <small>\(escape(text(info["version"])))</small></h1>
            <p>\(escape(text(info["description"])))</p>
            <p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
            <table><tr><th>Method</th><th>Path</th><th>What it does</th><th>Auth</th><th>Responses</th></tr>
            \(rows)</table></body></html>
            """
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

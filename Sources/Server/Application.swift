import Foundation
import Hummingbird
import Logging
import Models
import NIOCore
import ServiceLifecycle
import Storage

/// Builds the router with every middleware and controller. Tests use it with `app.test(.router)`.
public func buildRouter(_ dependencies: AppDependencies) -> Router<AppRequestContext> {
    let configuration = dependencies.configuration
    let router = Router(context: AppRequestContext.self)
    let routeTable = RouteTable()
    router.middlewares.add(
        ObservabilityMiddleware(
            metrics: dependencies.metrics, accessLogger: dependencies.logger,
            trustedProxies: configuration.trustedProxies))
    router.middlewares.add(ErrorMiddleware(routeTable: routeTable))
    router.middlewares.add(CORSMiddleware(allowedOrigins: Set(configuration.corsOrigins)))
    // Room for a multipart envelope around a 10 MB file; JSON bodies are held to 10 MB when they are read.
    router.middlewares.add(BodyLimitMiddleware(maxBytes: ServerConfiguration.maxBodyBytes + 64 * 1024))

    let limiter = RateLimiter(store: dependencies.keyValue)
    let authenticator = AuthMiddleware(
        tokens: dependencies.tokens, sessions: dependencies.sessions, limiter: limiter, perUserLimit: configuration.apiRateLimitPerUser,
        window: configuration.apiRateLimitWindow)
    let audit = dependencies.audit

    SystemController(
        database: dependencies.database, keyValue: dependencies.keyValue, metrics: dependencies.metrics,
        tokens: dependencies.tokens
    ).addRoutes(to: router)

    let api = router.group("api/v1")
        .add(middleware: IPRateLimitMiddleware(limiter: limiter, limit: configuration.apiRateLimitPerIP, window: configuration.apiRateLimitWindow))
    AuthController(auth: dependencies.auth, authenticator: authenticator).addRoutes(to: api.group("auth"))
    UsersController(users: dependencies.users, audit: audit)
        .addRoutes(to: api.group("users").add(middleware: authenticator))
    ProfileController(dependencies: dependencies).addRoutes(to: api.group("users").add(middleware: authenticator))
    DataController(dependencies: dependencies).addRoutes(to: api.group("data").add(middleware: authenticator))
    ConsentController(dependencies: dependencies).addRoutes(to: api.group("consent").add(middleware: authenticator))
    RecommendationsController(dependencies: dependencies).addRoutes(to: api.group("recommendations").add(middleware: authenticator))
    let admin = api.group("operator/admin").add(middleware: authenticator).add(middleware: RoleMiddleware(minimum: .admin, audit: audit, auth: dependencies.auth))
    AdminController(users: dependencies.users, audit: audit).addRoutes(to: admin)
    let adminExtras = AdminExtrasController(dependencies: dependencies)
    adminExtras.addAdminRoutes(to: admin)
    adminExtras.addAuditRoute(
        to: api.group("operator").add(middleware: authenticator).add(middleware: RoleMiddleware(minimum: .admin, audit: audit, auth: dependencies.auth)))
    let operatorGroup = api.group("operator").add(middleware: authenticator).add(middleware: RoleMiddleware(minimum: .operator, audit: audit, auth: dependencies.auth))
    OperatorController(dependencies: dependencies).addRoutes(to: operatorGroup)
    AnalyticsController(dependencies: dependencies).addRoutes(to: operatorGroup)

    // Development only: the texts and emails the outbox "sent" (sign-in codes, reset tokens). The route does
    // not exist in production; on a non-loopback bind only admins may read it.
    if configuration.environment == .development, let outbox = dependencies.outbox {
        let group =
            configuration.bindsLoopbackOnly
            ? api.group("dev")
            : api.group("dev").add(middleware: authenticator).add(middleware: RoleMiddleware(minimum: .admin, audit: audit, auth: dependencies.auth))
        group.get("outbox") { request, _ -> [OutboxMessage] in
            if let phone = request.uri.queryParameters["phone"] { return outbox.list(to: PhoneNumber.normalize(String(phone))) }
            return outbox.list(to: request.uri.queryParameters["to"].map { EmailAddress.normalize(String($0)) ?? String($0) })
        }
    }

    // Development only: the stand-in OAuth provider (its sign-in page, token, profile and key endpoints).
    if configuration.environment == .development, let dev = dependencies.devOAuth {
        dev.addRoutes(to: router.group("dev/oauth"))
    }

    routeTable.set(router.routes.map { ($0.method.rawValue, $0.path.description) })
    return router
}

/// Closes the database once the HTTP server has shut down (SQLite must not be freed while open).
struct DatabaseShutdownService: Service {
    let dependencies: AppDependencies

    func run() async throws {
        try? await gracefulShutdown()
        await dependencies.shutdown()
    }
}

/// The whole server: router, HTTP server on `host:port`, a ready line on stdout, clean shutdown.
public func buildApplication(
    _ dependencies: AppDependencies, onReady: (@Sendable (String, Int) -> Void)? = nil
) -> some ApplicationProtocol {
    let configuration = dependencies.configuration
    let readTimeout = TimeAmount.milliseconds(Int64(saturating: configuration.requestReadTimeout * 1000))
    var app = Application(
        router: buildRouter(dependencies),
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [ConnectionGuard(readTimeout: readTimeout)],
                idleTimeout: .milliseconds(Int64(saturating: configuration.idleConnectionTimeout * 1000)))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "spendsense"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            if configuration.publicURL == nil, let bound = URL(string: "http://\(configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host):\(port)") {
                dependencies.publicAddress.set(bound)
            }
            onReady?(configuration.host, port)
        },
        logger: dependencies.logger
    )
    // Services stop in reverse order: the worker first, the database last.
    app.addServices(DatabaseShutdownService(dependencies: dependencies))
    if configuration.runWorker { app.addServices(JobWorker(dependencies: dependencies)) }
    return app
}

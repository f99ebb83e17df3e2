import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Models
import Server
import Storage

@main
struct SpendSenseServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spendsense-server",
        abstract: "The SpendSense backend: REST API under /api/v1.",
        subcommands: [Serve.self, Migrate.self, Seed.self, CreateUser.self, RotateKeys.self, BenchSeed.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand shares; each flag falls back to an environment variable.
struct CommonOptions: ParsableArguments {
    @Option(help: "Directory for the SQLite database, dev keys and blobs (env SPENDSENSE_DATA_DIR).")
    var dataDir: String?

    @Option(help: "PostgreSQL URL; SQLite in the data dir when absent (env DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "trace, debug, info, notice, warning, error, critical (env LOG_LEVEL).")
    var logLevel: String?

    func serverConfiguration(host: String? = nil, port: Int? = nil) throws -> ServerConfiguration {
        let env = ProcessInfo.processInfo.environment
        func value(_ flag: String?, _ name: String) -> String? {
            if let flag, !flag.isEmpty { return flag }
            if let text = env[name], !text.isEmpty { return text }
            return nil
        }
        let dataDir = URL(fileURLWithPath: value(dataDir, "SPENDSENSE_DATA_DIR") ?? "./.spendsense")
        var database: DatabaseLocation?
        if let url = value(databaseURL, "DATABASE_URL") {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ValidationError("DATABASE_URL must start with postgres:// (got \(url.prefix(12))…)")
            }
            database = .postgres(url: url)
        }
        let levelText = value(logLevel, "LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("unknown log level \(levelText)")
        }
        func integer(_ name: String, default fallback: Int) throws -> Int {
            guard let text = env[name], !text.isEmpty else { return fallback }
            guard let number = Int(text) else { throw ValidationError("\(name) must be an integer, got \(text)") }
            return number
        }
        let portValue = try port ?? integer("PORT", default: 8000)
        let bcryptCost = try integer("BCRYPT_COST", default: 12)
        guard (4...31).contains(bcryptCost) else { throw ValidationError("BCRYPT_COST must be 4…31") }
        // Production unless development is chosen explicitly (`spendsense demo` and `make demo` choose it): the
        // development outbox shows sign-in codes and reset tokens, so it must never be on by accident.
        let environment = ServerConfiguration.Environment(rawValue: env["SPENDSENSE_ENV"].flatMap { $0.isEmpty ? nil : $0 } ?? "production")
        guard let environment else { throw ValidationError("SPENDSENSE_ENV must be development or production") }
        if environment == .production, bcryptCost < 12 {
            throw ValidationError("BCRYPT_COST below 12 is for tests only; refused in production")
        }
        var configuration = ServerConfiguration(
            host: host ?? env["HOST"] ?? "127.0.0.1",
            port: portValue,
            dataDirectory: dataDir,
            database: database,
            environment: environment,
            logLevel: level,
            bcryptCost: UInt8(bcryptCost),
            corsOrigins: (env["CORS_ORIGINS"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            },
            jwtPrivateKeyFiles: (env["JWT_PRIVATE_KEY_FILE"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            },
            jwtIssuer: env["JWT_ISSUER"] ?? "spendsense",
            accessTokenLifetime: TimeInterval(try integer("ACCESS_TOKEN_TTL_SECONDS", default: 3600)),
            refreshTokenLifetime: TimeInterval(try integer("REFRESH_TOKEN_TTL_SECONDS", default: 30 * 86400)),
            loginFailureLimit: try integer("LOGIN_FAILURE_LIMIT", default: 5),
            loginFailureWindow: TimeInterval(try integer("LOGIN_FAILURE_WINDOW_SECONDS", default: 3600)),
            registrationLimit: try integer("REGISTRATION_LIMIT", default: 5),
            registrationWindow: TimeInterval(try integer("REGISTRATION_WINDOW_SECONDS", default: 3600)),
            maxDatabaseConnections: try integer("DATABASE_MAX_CONNECTIONS", default: 8)
        )
        if let old = env["TRUST_FORWARDED_FOR"], !old.isEmpty {
            throw ValidationError(
                "TRUST_FORWARDED_FOR is gone (it believed the client-chosen first X-Forwarded-For entry): set TRUSTED_PROXIES to your load balancers' addresses or CIDRs")
        }
        switch TrustedProxies.parse(env["TRUSTED_PROXIES"] ?? "") {
        case .success(let proxies): configuration.trustedProxies = proxies
        case .failure(let error): throw ValidationError(error.description)
        }
        configuration.requestReadTimeout = TimeInterval(try integer("REQUEST_READ_TIMEOUT_SECONDS", default: 30))
        configuration.jobLease = TimeInterval(try integer("JOB_LEASE_SECONDS", default: 120))
        guard configuration.jobLease >= 5 else { throw ValidationError("JOB_LEASE_SECONDS must be at least 5") }
        configuration.idleConnectionTimeout = TimeInterval(try integer("HTTP_IDLE_TIMEOUT_SECONDS", default: 120))
        guard configuration.requestReadTimeout >= 1, configuration.idleConnectionTimeout >= 1 else {
            throw ValidationError("REQUEST_READ_TIMEOUT_SECONDS and HTTP_IDLE_TIMEOUT_SECONDS must be at least 1")
        }
        configuration.blobEncryptionKey = env["BLOB_ENCRYPTION_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.responseCacheTTL = TimeInterval(try integer("RESPONSE_CACHE_TTL_SECONDS", default: 300))
        configuration.jobRetryBaseSeconds = Double(try integer("JOB_RETRY_BASE_SECONDS", default: 2))
        configuration.apiRateLimitPerUser = try integer("API_RATE_LIMIT_PER_USER", default: 1000)
        configuration.apiRateLimitPerIP = try integer("API_RATE_LIMIT_PER_IP", default: 3000)
        configuration.apiRateLimitWindow = TimeInterval(try integer("API_RATE_LIMIT_WINDOW_SECONDS", default: 3600))
        configuration.mfaRequiredForStaff = ["1", "true", "yes"].contains(env["MFA_REQUIRED_FOR_STAFF"]?.lowercased() ?? "")
        /// How texts or emails go out: the development outbox by default in development, nothing in production
        /// unless the real service is set up (the outbox is refused there).
        func sender<Provider: RawRepresentable<String> & CaseIterable>(_ name: String, real: String) throws -> Provider {
            let production = configuration.environment == .production
            let text = env[name].flatMap { $0.isEmpty ? nil : $0 } ?? (production ? "off" : "outbox")
            guard let provider = Provider(rawValue: text) else {
                throw ValidationError("\(name) must be \(Provider.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if text == "outbox", production { throw ValidationError("\(name)=outbox is for development; use \(real) (or off) in production") }
            return provider
        }
        configuration.smsProvider = try sender("SMS_PROVIDER", real: "sns")
        if let region = env["AWS_REGION"], let key = env["AWS_ACCESS_KEY_ID"], let secret = env["AWS_SECRET_ACCESS_KEY"] {
            configuration.aws = AWSConfiguration(
                region: region, accessKeyID: key, secretAccessKey: secret, sessionToken: env["AWS_SESSION_TOKEN"],
                endpoint: env["SNS_ENDPOINT"].flatMap { $0.isEmpty ? nil : URL(string: $0) })
        }
        configuration.smsPerHour = try integer("SMS_PER_HOUR", default: 5)
        configuration.smsPerDay = try integer("SMS_PER_DAY", default: 10)
        configuration.emailProvider = try sender("EMAIL_PROVIDER", real: "ses")
        if let from = env["EMAIL_FROM"], !from.isEmpty { configuration.emailFrom = from }
        configuration.sesEndpoint = env["SES_ENDPOINT"].flatMap { $0.isEmpty ? nil : URL(string: $0) }
        configuration.passwordResetPerHour = try integer("PASSWORD_RESET_PER_HOUR", default: 3)
        do {
            configuration.oauthProviders = try OAuthProviderSettings.fromEnvironment(env)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        let blobStore = env["BLOB_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? "file"
        guard let blobBackend = ServerConfiguration.BlobBackend(rawValue: blobStore) else {
            throw ValidationError("BLOB_STORE must be file or s3")
        }
        configuration.blobBackend = blobBackend
        configuration.s3Bucket = env["S3_BUCKET"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.s3Prefix = env["S3_PREFIX"] ?? ""
        configuration.s3Endpoint = env["S3_ENDPOINT"].flatMap { $0.isEmpty ? nil : URL(string: $0) }
        if blobBackend == .s3, configuration.s3Bucket == nil || configuration.aws == nil {
            throw ValidationError("BLOB_STORE=s3 needs S3_BUCKET and AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY")
        }
        if let text = env["REDIS_URL"], !text.isEmpty {
            guard let url = URL(string: text), url.scheme == "redis" else {
                throw ValidationError("REDIS_URL must look like redis://[:password@]host[:port][/db]")
            }
            configuration.redisURL = url
        }
        if let prefix = env["REDIS_KEY_PREFIX"], !prefix.isEmpty { configuration.redisKeyPrefix = prefix }
        configuration.devOAuthProvider = ["1", "true", "yes"].contains(env["OAUTH_DEV_PROVIDER"]?.lowercased() ?? "")
        if configuration.devOAuthProvider, configuration.environment == .production {
            throw ValidationError("OAUTH_DEV_PROVIDER is for development; configure OAUTH_<PROVIDER>_* in production")
        }
        if let text = env["PUBLIC_URL"], !text.isEmpty {
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
                throw ValidationError("PUBLIC_URL must be an http(s) URL such as https://spendsense.example.com")
            }
            configuration.publicURL = url
        }
        return configuration
    }

    func bootstrap(_ configuration: ServerConfiguration) -> Logger {
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        return Logger(label: "spendsense")
    }

    func dependencies() async throws -> (AppDependencies, ServerConfiguration) {
        let configuration = try serverConfiguration()
        let logger = bootstrap(configuration)
        return (try await AppDependencies.make(configuration, logger: logger), configuration)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server (migrations run first).")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to bind (env HOST).") var host: String?
    @Option(help: "Port to bind; 0 picks a free one (env PORT).") var port: Int?

    func run() async throws {
        let configuration = try common.serverConfiguration(host: host, port: port)
        let logger = common.bootstrap(configuration)
        if configuration.environment == .development, !configuration.bindsLoopbackOnly {
            let warning =
                "DEVELOPMENT MODE ON A NON-LOOPBACK ADDRESS (\(configuration.host)): development helpers are reachable from other machines; the outbox needs an admin token. Use SPENDSENSE_ENV=production for anything but local work."
            logger.critical("\(warning)")
            FileHandle.standardError.write(Data("WARNING: \(warning)\n".utf8))
        }
        let dependencies = try await AppDependencies.make(configuration, logger: logger)
        let app = buildApplication(dependencies) { host, port in
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
        }
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (dependencies, _) = try await common.dependencies()
        let version = try await dependencies.database.schemaVersion()
        await dependencies.shutdown()
        print("database schema at version \(version)")
    }
}

struct RotateKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-keys",
        abstract: "Add a new JWT signing key to the data directory's key ring (it signs after the next start; older keys keep verifying until removed).")
    @OptionGroup var common: CommonOptions
    @Flag(help: "Only list the keys (the last one signs).") var list = false
    @Option(help: "Remove the key with this kid: tokens it signed stop working.") var remove: String?

    func run() async throws {
        let configuration = try common.serverConfiguration()
        guard configuration.jwtPrivateKeyFiles.isEmpty else {
            throw ValidationError(
                "JWT_PRIVATE_KEY_FILE is set: the first file listed signs and all of them verify, so rotate by putting a new key first and removing old ones when their tokens have expired")
        }
        let ring = KeyRing(dataDirectory: configuration.dataDirectory)
        if let kid = remove {
            try ring.remove(kid: kid)
            print("removed \(kid); restart the server for it to take effect")
        } else if !list {
            let entry = try ring.rotate(legacyKey: configuration.dataDirectory.appendingPathComponent("jwt-dev-key.pem"))
            print("added \(entry.kid) (\(entry.file.path)); it signs new tokens after the next start")
        }
        let entries = try ring.entries()
        for (index, entry) in entries.enumerated() {
            print("\(entry.kid)\t\(entry.file.lastPathComponent)\t\(index == entries.count - 1 ? "signs and verifies" : "verifies")")
        }
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the demo accounts (idempotent).",
        discussion: "Accounts: admin@example.com, operator@example.com, user@example.com, password \(DemoSeeder.password)"
    )
    @OptionGroup var common: CommonOptions
    @Flag(help: "Create the demo accounts and generated users with processed data.") var demo = false
    @Option(help: "How many generated users (besides user@example.com).") var users = 50

    func run() async throws {
        guard demo else { throw ValidationError("nothing to seed; pass --demo") }
        let (dependencies, _) = try await common.dependencies()
        do {
            for line in try await DemoSeeder(dependencies: dependencies).seed(generatedUsers: users) { print(line) }
        } catch {
            await dependencies.shutdown()
            throw error
        }
        await dependencies.shutdown()
        print("demo password: \(DemoSeeder.password)")
    }
}

/// A command that could not do its job; printed as `Error: …` without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create an account; the password is read from stdin.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Email address of the new account.") var email: String
    @Option(help: "user, operator or admin.") var role: String = "user"
    @Flag(help: "Read the password from standard input (required).") var passwordStdin = false

    func run() async throws {
        guard passwordStdin else { throw ValidationError("pass --password-stdin and pipe the password in") }
        guard let role = Role(rawValue: role) else { throw ValidationError("role must be user, operator or admin") }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("no password on standard input")
        }
        let (dependencies, _) = try await common.dependencies()
        do {
            let user = try await dependencies.auth.createUser(email: email, password: line, role: role)
            await dependencies.audit.record(
                AuditEntry(
                    at: Date(), actorID: nil, action: "user.create", targetType: "user",
                    targetID: user.id.uuidString.lowercased(), details: ["via": "cli", "role": .string(role.rawValue)]))
            await dependencies.shutdown()
            print("created \(role.rawValue) \(user.user.email ?? email) \(user.id.uuidString.lowercased())")
        } catch let error as AppError {
            await dependencies.shutdown()
            throw CommandFailure(error.message)
        } catch {
            await dependencies.shutdown()
            throw error
        }
    }
}

struct BenchSeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-seed", abstract: "Fill the review queue with synthetic rows for benchmarks (not for real data).")
    @OptionGroup var common: CommonOptions
    @Option(help: "How many pending recommendations to create (8 per synthetic user).") var recommendations = 100_000

    func run() async throws {
        let (dependencies, _) = try await common.dependencies()
        do {
            let written = try await BenchmarkSeeder(database: dependencies.database).seedReviewQueue(users: max(1, recommendations / 8), perUser: 8)
            print("wrote \(written) recommendations")
        } catch {
            await dependencies.shutdown()
            throw error
        }
        await dependencies.shutdown()
    }
}

import Crypto
import Foundation
import Logging
import Models
import Storage

/// Everything the routes use, built once from the configuration. The same value backs `serve`,
/// the CLI subcommands (`seed`, `create-user`) and the tests.
public struct AppDependencies: Sendable {
    public let configuration: ServerConfiguration
    public let database: Database
    public let users: any UserRepository
    public let sessions: any SessionRepository
    public let auditLog: any AuditRepository
    public let uploads: any UploadRepository
    public let insights: any InsightRepository
    public let consents: any ConsentRepository
    public let recommendations: any RecommendationRepository
    public let reviews: any ReviewRepository
    public let analytics: any AnalyticsRepository
    public let blobs: any BlobStore
    public let keyValue: any KeyValueStore
    public let mfa: any MFARepository
    public let identities: any IdentityRepository
    /// Admin-set rules, shared by every instance through the database.
    public let settings: RuntimeSettings
    /// Emails password reset tokens (nil: reset by email off).
    public let email: (any EmailSender)?
    /// Configured OAuth providers (nil: none).
    public let oauth: OAuthRegistry?
    /// Where browsers reach this server (OAuth callbacks); set to the bound address at start without `PUBLIC_URL`.
    public let publicAddress: PublicAddress
    /// The development stand-in provider, mounted at `/dev/oauth` (development with `OAUTH_DEV_PROVIDER=1`).
    public let devOAuth: DevOAuthProvider?
    /// Texts phone sign-in codes (nil: phone sign-in off).
    public let sms: (any SMSSender)?
    /// The development outbox, when texts or emails go to it (readable at `GET /api/v1/dev/outbox`).
    public let outbox: DevOutbox?
    /// Seals second-factor secrets (a key derived from the data key).
    public let secrets: SecretBox
    public let tokens: TokenService
    public let passwords: PasswordHasher
    public let metrics: MetricsRegistry
    public let logger: Logger

    /// Opens the database (running migrations) and loads the signing keys.
    public static func make(_ configuration: ServerConfiguration, logger: Logger) async throws -> AppDependencies {
        try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
        let database = try Database(
            location: configuration.database, maxConnections: configuration.maxDatabaseConnections, logger: logger)
        do {
            try await database.migrate()
            let tokens = try await TokenService.load(
                keyFiles: configuration.jwtPrivateKeyFiles, dataDirectory: configuration.dataDirectory,
                issuer: configuration.jwtIssuer, accessTokenLifetime: configuration.accessTokenLifetime, logger: logger)
            let blobKey: SymmetricKey
            if let text = configuration.blobEncryptionKey {
                guard let data = Data(base64Encoded: text), data.count == 32 else {
                    throw ConfigurationError("BLOB_ENCRYPTION_KEY must be 32 bytes, base64-encoded")
                }
                blobKey = SymmetricKey(data: data)
            } else {
                blobKey = try FileBlobStore.loadOrCreateKey(at: configuration.dataDirectory.appendingPathComponent("blob.key"))
            }
            let outbox: DevOutbox? =
                configuration.smsProvider == .outbox || configuration.emailProvider == .outbox ? DevOutbox() : nil
            let sms: (any SMSSender)?
            switch configuration.smsProvider {
            case .outbox: sms = outbox
            case .off: sms = nil
            case .sns:
                guard let aws = configuration.aws else {
                    throw ConfigurationError("SMS_PROVIDER=sns needs AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
                }
                sms = SNSSender(aws: aws)
            }
            let email: (any EmailSender)?
            switch configuration.emailProvider {
            case .outbox: email = outbox
            case .off: email = nil
            case .ses:
                guard var aws = configuration.aws else {
                    throw ConfigurationError("EMAIL_PROVIDER=ses needs AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
                }
                aws.endpoint = configuration.sesEndpoint
                email = SESSender(aws: aws, from: configuration.emailFrom)
            }
            let blobs: any BlobStore
            switch configuration.blobBackend {
            case .file:
                blobs = try FileBlobStore(directory: configuration.dataDirectory.appendingPathComponent("blobs"), key: blobKey)
            case .s3:
                guard var aws = configuration.aws, let bucket = configuration.s3Bucket else {
                    throw ConfigurationError("BLOB_STORE=s3 needs S3_BUCKET and AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY")
                }
                aws.endpoint = configuration.s3Endpoint
                blobs = S3BlobStore(aws: aws, bucket: bucket, prefix: configuration.s3Prefix, key: blobKey)
            }
            let publicAddress = PublicAddress(configuration.resolvedPublicURL)
            var providers = configuration.oauthProviders
            var devOAuth: DevOAuthProvider?
            if configuration.devOAuthProvider {
                guard configuration.environment == .development else {
                    throw ConfigurationError("OAUTH_DEV_PROVIDER is for development; configure real providers in production")
                }
                let dev = try await DevOAuthProvider.make(autoApprove: false)
                let real = Set(providers.map(\.id))
                providers += OAuthProviderID.allCases.filter { !real.contains($0) }.map { dev.settings($0, base: "/dev/oauth") }
                devOAuth = dev
            }
            return AppDependencies(
                configuration: configuration,
                database: database,
                users: SQLUserRepository(database: database),
                sessions: SQLSessionRepository(database: database),
                auditLog: SQLAuditRepository(database: database),
                uploads: SQLUploadRepository(database: database),
                insights: SQLInsightRepository(database: database),
                consents: SQLConsentRepository(database: database),
                recommendations: SQLRecommendationRepository(database: database),
                reviews: SQLReviewRepository(database: database),
                analytics: SQLAnalyticsRepository(database: database),
                blobs: blobs,
                keyValue: try configuration.redisURL.map { try RedisKeyValueStore(url: $0, prefix: configuration.redisKeyPrefix) }
                    ?? MemoryKeyValueStore(),
                mfa: SQLMFARepository(database: database),
                identities: SQLIdentityRepository(database: database),
                settings: RuntimeSettings(
                    repository: SQLSettingsRepository(database: database),
                    defaults: ServerSettings(mfaRequiredForStaff: configuration.mfaRequiredForStaff)),
                email: email,
                oauth: providers.isEmpty ? nil : OAuthRegistry(settings: providers, address: publicAddress),
                publicAddress: publicAddress,
                devOAuth: devOAuth,
                sms: sms,
                outbox: outbox,
                secrets: SecretBox(root: blobKey, purpose: "spendsense mfa secrets v1"),
                tokens: tokens,
                passwords: PasswordHasher(cost: configuration.bcryptCost),
                metrics: MetricsRegistry(),
                logger: logger
            )
        } catch {
            await database.close()
            throw error
        }
    }

    public var audit: AuditLogger { AuditLogger(repository: auditLog, logger: logger) }

    public var auth: AuthService {
        AuthService(
            users: users, sessions: sessions, tokens: tokens, passwords: passwords,
            limiter: RateLimiter(store: keyValue), audit: audit, configuration: configuration, mfa: mfa, secrets: secrets, sms: sms,
            identities: identities, oauth: oauth, emailSender: email, cache: cache, settings: settings)
    }

    var cache: ResponseCache { ResponseCache(store: keyValue, metrics: metrics, ttl: configuration.responseCacheTTL) }

    var access: AccessPolicy { AccessPolicy(consents: consents, audit: audit) }

    /// Closes database connections. Call once the server has stopped.
    public func shutdown() async {
        if let redis = keyValue as? RedisKeyValueStore { await redis.close() }
        await database.close()
    }
}

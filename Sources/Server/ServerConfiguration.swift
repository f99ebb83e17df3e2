import Foundation
import Logging
import Storage

/// Everything the server needs to start. `spendsense-server` fills it from flags and environment;
/// tests build it directly (`ServerConfiguration.testing()`).
public struct ServerConfiguration: Sendable {
    /// Largest request body accepted anywhere (uploads included): 10 MB.
    public static let maxBodyBytes = 10 * 1024 * 1024

    public enum Environment: String, Sendable {
        case development
        case production
    }

    public var host: String
    public var port: Int
    /// Holds the SQLite file, the dev JWT key and (later) blobs.
    public var dataDirectory: URL
    public var database: DatabaseLocation
    public var environment: Environment
    public var logLevel: Logger.Level
    public var bcryptCost: UInt8
    /// Allowed CORS origins; `["*"]` allows any origin, empty disables CORS headers.
    public var corsOrigins: [String]
    /// PEM files of RSA private keys; the first signs, all verify. Empty: a dev key in the data dir.
    public var jwtPrivateKeyFiles: [String]
    public var jwtIssuer: String
    public var accessTokenLifetime: TimeInterval
    public var refreshTokenLifetime: TimeInterval
    /// Failed logins allowed per IP per window before 429.
    public var loginFailureLimit: Int
    public var loginFailureWindow: TimeInterval
    /// Registrations allowed per IP per window before 429.
    public var registrationLimit: Int
    public var registrationWindow: TimeInterval
    /// The proxies (load balancers) whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`); none by default.
    public var trustedProxies: TrustedProxies = .none
    public var maxDatabaseConnections: Int
    /// A request body that stops arriving for this long is answered 408 and its connection closed
    /// (`REQUEST_READ_TIMEOUT_SECONDS`).
    public var requestReadTimeout: TimeInterval = 30
    /// How long a claimed job belongs to its worker before another instance may take it (`JOB_LEASE_SECONDS`).
    public var jobLease: TimeInterval = 120
    /// An idle keep-alive connection is closed after this long (`HTTP_IDLE_TIMEOUT_SECONDS`); longer than a
    /// load balancer's own idle timeout (60 s on an ALB), so the balancer never reuses a connection we closed.
    public var idleConnectionTimeout: TimeInterval = 120
    /// AES-256 key for stored uploads (base64); generated into the data dir when absent.
    public var blobEncryptionKey: String?
    /// First retry delay of a failed job; doubles per attempt, capped at 5 minutes.
    public var jobRetryBaseSeconds: Double = 2
    /// How long profile and recommendation reads stay cached; 0 turns the cache off.
    public var responseCacheTTL: TimeInterval = 300
    /// Run the job worker inside `serve` (tests drive it by hand instead).
    public var runWorker = true
    /// Requests per signed-in user per `apiRateLimitWindow` across the whole API; 0 turns the limit off.
    public var apiRateLimitPerUser = 1000
    /// Requests per client IP per window across the whole API (signed in or not); 0 turns it off.
    public var apiRateLimitPerIP = 3000
    public var apiRateLimitWindow: TimeInterval = 3600
    /// Operators and admins must have an authenticator (TOTP) to use staff routes.
    public var mfaRequiredForStaff = false
    /// How sign-in codes are texted: the development outbox, or Amazon SNS with `aws`.
    public enum SMSProvider: String, Sendable, CaseIterable { case outbox, sns, off }
    public var smsProvider: SMSProvider = .outbox
    public var aws: AWSConfiguration?
    public var smsPerHour = 5
    public var smsPerDay = 10
    /// How password reset tokens are emailed: the development outbox, or Amazon SES with `aws`.
    public enum EmailProvider: String, Sendable, CaseIterable { case outbox, ses, off }
    public var emailProvider: EmailProvider = .outbox
    /// The sender address for SES (`EMAIL_FROM`).
    public var emailFrom = "SpendSense <no-reply@spendsense.local>"
    /// `SES_ENDPOINT`: a local or private SES endpoint.
    public var sesEndpoint: URL?
    /// Reset emails per account per hour (per client address: four times as many).
    public var passwordResetPerHour = 3
    /// OAuth providers (`OAUTH_{PROVIDER}_*`); the ones listed are the ones offered.
    public var oauthProviders: [OAuthProviderSettings] = []
    /// Where uploads are kept (`BLOB_STORE`): files under the data directory, or an S3 bucket (`S3_BUCKET`,
    /// `S3_PREFIX`, `S3_ENDPOINT`, with the `AWS_*` credentials). Sealed with AES-256-GCM either way.
    public enum BlobBackend: String, Sendable { case file, s3 }
    public var blobBackend: BlobBackend = .file
    public var s3Bucket: String?
    public var s3Prefix = ""
    public var s3Endpoint: URL?
    /// `REDIS_URL`: the key-value store (rate limits, one-time codes, OAuth state, cached reads) on Redis, shared
    /// by every instance; nil keeps it in this process.
    public var redisURL: URL?
    /// Prefix of every Redis key (several deployments, or test runs, can share one Redis).
    public var redisKeyPrefix = "spendsense:"
    /// Development only (`OAUTH_DEV_PROVIDER=1`): a local stand-in for the providers at `/dev/oauth`, used by every
    /// provider without real credentials.
    public var devOAuthProvider = false
    /// The address browsers and providers reach this server at (`PUBLIC_URL`), for OAuth callback URLs.
    /// Default: `http://host:port`.
    public var publicURL: URL?

    /// `publicURL`, or the listening address.
    public var resolvedPublicURL: URL {
        publicURL ?? URL(string: "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)")!
    }

    public init(
        host: String = "127.0.0.1", port: Int = 8000, dataDirectory: URL, database: DatabaseLocation? = nil,
        environment: Environment = .production, logLevel: Logger.Level = .info, bcryptCost: UInt8 = 12,
        corsOrigins: [String] = [], jwtPrivateKeyFiles: [String] = [], jwtIssuer: String = "spendsense",
        accessTokenLifetime: TimeInterval = 3600, refreshTokenLifetime: TimeInterval = 30 * 86400,
        loginFailureLimit: Int = 5, loginFailureWindow: TimeInterval = 3600,
        registrationLimit: Int = 5, registrationWindow: TimeInterval = 3600,
        maxDatabaseConnections: Int = 8
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.database =
            database ?? .sqliteFile(path: dataDirectory.appendingPathComponent("spendsense.sqlite").path)
        self.environment = environment
        self.logLevel = logLevel
        self.bcryptCost = bcryptCost
        self.corsOrigins = corsOrigins
        self.jwtPrivateKeyFiles = jwtPrivateKeyFiles
        self.jwtIssuer = jwtIssuer
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.loginFailureLimit = loginFailureLimit
        self.loginFailureWindow = loginFailureWindow
        self.registrationLimit = registrationLimit
        self.registrationWindow = registrationWindow
        self.maxDatabaseConnections = maxDatabaseConnections
    }

    /// A throwaway configuration for tests: in-memory SQLite (or `database`), bcrypt cost 4, a temp data dir.
    /// True when the server listens on a loopback address only (127.0.0.0/8, ::1, localhost): nobody on
    /// another machine can reach it.
    public var bindsLoopbackOnly: Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    public static func testing(database: DatabaseLocation = .sqliteMemory) -> ServerConfiguration {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("spendsense-test-\(UUID().uuidString)")
        // Tests register many accounts from one address; the registration limit has its own test.
        return ServerConfiguration(
            port: 0, dataDirectory: directory, database: database, environment: .development, logLevel: .warning, bcryptCost: 4,
            corsOrigins: ["http://localhost:3000"], registrationLimit: 1000
        )
    }
}

import APIClient
import Foundation
import Models
import TerminalUI

/// A screen of the console; the page stack holds these (breadcrumbs are their titles).
enum Route: Equatable, Hashable, Sendable {
    case login
    case queue
    case detail(UUID)
    case analytics
    case users
    case user(UUID)
    case me
    case admin
    case sessions

    var title: String {
        switch self {
        case .login: "Sign in"
        case .queue: "Review queue"
        case .detail: "Recommendation"
        case .analytics: "Analytics"
        case .users: "Users"
        case .user: "User"
        case .me: "Me"
        case .admin: "Admin"
        case .sessions: "Sessions"
        }
    }
}

/// Everything the console shows, as a value. Views draw it; `reduce` changes it.
struct AppState: Equatable {
    struct LoginForm: Equatable {
        var server = TextField(label: "Server")
        var email = TextField(label: "Email")
        var password = TextField(label: "Password", isSecret: true)
        /// 0 server, 1 email, 2 password.
        var focus = 1
        var error: String?
        /// Set when the password was right and the account asks for an authenticator code.
        var challengeID: String?
        var code = TextField(label: "Code")
        /// Sign in with a phone number and a texted code instead of email and password (Ctrl-P).
        var usePhone = false
        var phone = TextField(label: "Phone")
        /// The number a code was texted to (then the form asks for it).
        var codeSentTo: String?
        /// Sign-in with a provider (Ctrl-O): pick one, then wait while the browser side completes.
        var oauth: OAuthStep?

        var fields: [TextField] { usePhone ? [server, phone] : [server, email, password] }

        mutating func withFocused(_ change: (inout TextField) -> Void) {
            switch (focus, usePhone) {
            case (0, _): change(&server)
            case (_, true): change(&phone)
            case (1, false): change(&email)
            default: change(&password)
            }
        }
    }

    /// The provider step of the login screen (the device flow: a URL to open anywhere, then polling).
    struct OAuthStep: Equatable {
        var providers: [OAuthProviderID]
        var selected = 0
        /// Set once the server answered the start.
        var wait: BrowserWait?

        var provider: OAuthProviderID { providers[selected] }
    }

    struct Toast: Equatable {
        var text: String
        var isError: Bool
    }

    /// A one-line editor at the bottom: the `/` filter, the `:` palette, a search or a file path.
    struct InputLine: Equatable {
        enum Purpose: Equatable {
            case filter, palette, userSearch, adminSearch, uploadPath
        }

        var purpose: Purpose
        var field: TextField
        /// Palette completions for what is typed.
        var completions: [String] = []
    }

    var stack: [Route] = [.login]
    var page: Route { stack.last ?? .login }
    var login = LoginForm()
    /// The signed-in user, once loaded.
    var me: User?
    var server: String
    var showHelp = false
    var busy: String?
    var toast: Toast?
    var shouldQuit = false
    var input: InputLine?
    var dialog: Dialog?
    /// Seconds between automatic refreshes of the current list (0: never).
    var refreshInterval: Int = 30
    var paused = false
    /// The server could not be reached on the last call.
    var offline: String?
    /// Animation tick for the spinner (advanced by the loop).
    var tick = 0
    /// ASCII-only symbols (`--ascii`).
    var ascii = false
    /// `[keys]` of config.toml: command name → keys.
    var keyOverrides: [String: [Key]] = [:]
    /// `[views.NAME]` of config.toml.
    var views: [String: ConsoleConfig.View] = [:]

    var queue = QueueScreen()
    var detail = DetailScreen()
    var analytics = AnalyticsScreen()
    var users = UsersScreen()
    var user = UserScreen()
    var mine = MeScreen()
    var admin = AdminScreen()
    var sessions = SessionsScreen()

    /// Applies the config file's settings (refresh interval, page size, keys, views, the startup view).
    mutating func configure(_ config: ConsoleConfig) {
        refreshInterval = config.refreshSeconds
        queue.pageSize = config.pageSize
        keyOverrides = config.keys
        views = config.views
        if let name = config.startupView, let view = config.views[name] { applyView(view, to: &self) }
    }

    init(server: String, email: String = "") {
        self.server = server
        self.login.server = TextField(label: "Server", text: server)
        self.login.email = TextField(label: "Email", text: email)
        self.login.focus = email.isEmpty ? 1 : 2
    }

    var isStaff: Bool { (me?.role ?? .user) >= .operator }
    var isAdmin: Bool { me?.role == .admin }

    /// The page a signed-in user starts on.
    var homePage: Route { isStaff ? .queue : .me }

    /// Breadcrumbs: `Review queue › Recommendation`.
    var breadcrumbs: String { stack.map(\.title).joined(separator: " › ") }
}

// MARK: - Screens

/// Status tabs of the queue.
enum QueueTab: Int, CaseIterable, Equatable {
    case pending, approved, rejected, all

    var title: String {
        switch self {
        case .pending: "Pending"
        case .approved: "Approved"
        case .rejected: "Rejected"
        case .all: "All"
        }
    }

    var status: RecommendationStatus? {
        switch self {
        case .pending: .pending
        case .approved: .approved
        case .rejected: .rejected
        case .all: nil
        }
    }
}

struct QueueScreen: Equatable {
    static let columns = [
        TableColumn("Status", key: "status", width: .fixed(10)),
        TableColumn("Type", key: "type", width: .fixed(9)),
        TableColumn("Persona", key: "persona", width: .flex(min: 10)),
        TableColumn("User", key: "user", width: .flex(min: 10)),
        TableColumn("Title", key: "title", width: .flex(min: 16), priority: 1),
        TableColumn("Created", key: "created", width: .fixed(16)),
    ]
    /// Column index → the server's sort field (so a sort also reorders what is fetched).
    static let serverSort: [ReviewQueueQuery.SortField?] = [.status, .type, .persona, .user, nil, .createdAt]

    var tab: QueueTab = .pending
    var table = TableModel(columns: QueueScreen.columns, sortColumn: 5, descending: true)
    var items: [UUID: ReviewItem] = [:]
    var total = 0
    var loading = false
    var lastUpdated: Date?
    /// How many rows one fetch asks for.
    var pageSize = 500

    var query: ReviewQueueQuery {
        var query = ReviewQueueQuery(status: tab.status, limit: pageSize)
        if let field = Self.serverSort[table.sortColumn] {
            query.sort = field
            query.descending = table.descending
        }
        return query
    }

    var markedIDs: [UUID] { table.markedRows.compactMap { UUID(uuidString: $0.id) } }
}

struct DetailScreen: Equatable {
    enum Pane: Int, Equatable {
        case content, trace, history
    }

    var id: UUID?
    var detail: ReviewDetail?
    var pane: Pane = .content
    var text = TextViewModel()
    var tree = TreeModel()
    var loading = false
}

struct AnalyticsScreen: Equatable {
    /// Days back from today; cycles with `d`.
    static let ranges = [7, 30, 90, 365]
    var rangeIndex = 1
    var report: AnalyticsReport?
    var loading = false
    var lastUpdated: Date?

    var days: Int { Self.ranges[rangeIndex] }
}

struct UsersScreen: Equatable {
    static let columns = [
        TableColumn("Name", key: "name", width: .flex(min: 10)),
        TableColumn("Email", key: "email", width: .flex(min: 14), priority: 1),
        TableColumn("Role", key: "role", width: .fixed(8)),
        TableColumn("Persona", key: "persona", width: .flex(min: 10)),
        TableColumn("Consent", key: "consent", width: .fixed(7)),
    ]
    var table = TableModel(columns: UsersScreen.columns)
    var search = ""
    var loading = false
    var rows: [UUID: OperatorUserRow] = [:]
}

struct UserScreen: Equatable {
    enum Tab: Int, CaseIterable, Equatable {
        case overview, signals, history, uploads, recommendations

        var title: String {
            switch self {
            case .overview: "Overview"
            case .signals: "Signals 30d/180d"
            case .history: "Persona history"
            case .uploads: "Uploads"
            case .recommendations: "Recommendations"
            }
        }
    }

    var id: UUID?
    var tab: Tab = .overview
    var detail: OperatorUserDetail?
    var profile: Profile?
    var history: [PersonaHistoryEntry] = []
    var recommendations: [Recommendation] = []
    var text = TextViewModel()
    var loading = false
    var ascii = false
}

struct MeScreen: Equatable {
    static let columns = [
        TableColumn("Type", key: "type", width: .fixed(9)),
        TableColumn("Title", key: "title", width: .flex(min: 20), priority: 1),
        TableColumn("Since", key: "since", width: .fixed(11)),
    ]
    var profile: Profile?
    var consent: ConsentStatus?
    var uploads: [Upload] = []
    var recommendations: [UUID: Recommendation] = [:]
    var table: TableModel = {
        var table = TableModel(columns: MeScreen.columns)
        table.emptyText = "None yet. Recommendations appear here after an operator has reviewed them."
        return table
    }()
    var loading = false
    var uploading: String?
}

struct AdminScreen: Equatable {
    enum Tab: Int, CaseIterable, Equatable {
        case users, audit
        var title: String { self == .users ? "Users and roles" : "Audit log" }
    }

    static let userColumns = [
        TableColumn("Email", key: "email", width: .flex(min: 16)),
        TableColumn("Name", key: "name", width: .flex(min: 8)),
        TableColumn("Role", key: "role", width: .fixed(8)),
        TableColumn("Locked", key: "locked", width: .fixed(6)),
        TableColumn("Created", key: "created", width: .fixed(10)),
    ]
    static let auditColumns = [
        TableColumn("At", key: "at", width: .fixed(19)),
        TableColumn("Action", key: "action", width: .flex(min: 16)),
        TableColumn("Outcome", key: "outcome", width: .fixed(9)),
        TableColumn("Actor", key: "actor", width: .fixed(8)),
        TableColumn("Target", key: "target", width: .flex(min: 10)),
    ]
    var tab: Tab = .users
    var users = TableModel(columns: AdminScreen.userColumns)
    var audit = TableModel(columns: AdminScreen.auditColumns, sortColumn: 0, descending: true)
    var userRows: [UUID: User] = [:]
    var search = ""
    var loading = false
}

struct SessionsScreen: Equatable {
    static let columns = [
        TableColumn("Device", key: "device", width: .flex(min: 14), priority: 1),
        TableColumn("IP", key: "ip", width: .flex(min: 9)),
        TableColumn("Last used", key: "last_used", width: .fixed(16)),
        TableColumn("Signed in", key: "created", width: .fixed(16)),
    ]
    var table = TableModel(columns: SessionsScreen.columns, sortColumn: 2, descending: true)
    var items: [UUID: SessionInfo] = [:]
    var loading = false
    /// The ways into this account (password, phone, providers).
    var methods: SignInMethods?
}

/// Linking a phone number from the sessions screen: the number, then the texted code.
struct LinkPhoneDialog: Equatable {
    var phone = TextField(label: "Phone")
    var code = TextField(label: "Code")
    /// The normalized number once a code was texted.
    var sentTo: String?
    var error: String?
}

/// Waiting for the browser side of a device flow (provider sign-in, provider link): the link to show, when to
/// poll next, when the link expires. The reducer asks it on every tick.
struct BrowserWait: Equatable {
    var start: OAuthStart
    /// When to ask again; nil while a poll is in flight.
    var nextPoll: Date?
    var expiresAt: Date

    init(_ start: OAuthStart, at now: Date) {
        self.start = start
        self.expiresAt = now.addingTimeInterval(TimeInterval(start.expiresIn))
        self.nextPoll = now.addingTimeInterval(Self.interval(start))
    }

    private static func interval(_ start: OAuthStart) -> TimeInterval { TimeInterval(start.interval ?? 2) }

    /// The address to show: the short one when the server gives it.
    var link: String { start.openURL ?? start.authorizeURL }

    func secondsLeft(at now: Date) -> Int { max(0, Int(expiresAt.timeIntervalSince(now))) }

    enum Tick: Equatable {
        case wait
        /// Ask the server now (the wait now counts the poll as in flight).
        case poll(handle: String)
        case expired
    }

    mutating func tick(_ now: Date) -> Tick {
        if now >= expiresAt { return .expired }
        guard let due = nextPoll, now >= due, let handle = start.pollHandle else { return .wait }
        nextPoll = nil
        return .poll(handle: handle)
    }

    /// The server said "not yet": ask again after the interval.
    mutating func pending(at now: Date) { nextPoll = now.addingTimeInterval(Self.interval(start)) }
}

/// Linking a provider from the sessions screen: choose, then open the link and wait (polled on the tick).
struct LinkDialog: Equatable {
    var providers: [OAuthProviderID]
    var choice: ChoiceField
    /// Set once the server answered the start.
    var wait: BrowserWait?

    init(providers: [OAuthProviderID]) {
        self.providers = providers
        self.choice = ChoiceField(label: "Provider", options: providers.map(\.displayName))
    }

    var provider: OAuthProviderID { providers[choice.selected] }
}

// MARK: - Dialogs

/// A modal dialog; while one is open it receives every key.
enum Dialog: Equatable {
    /// Approve or reject several items: says what happens to how many (with the first titles). Large batches ask
    /// to type the count.
    case bulk(BulkDialog)
    /// Reject: a reason code and text are required.
    case reject(RejectDialog)
    /// Edit title, content and rationale before approving.
    case modify(ModifyDialog)
    /// Grant or revoke consent, with what it means.
    case consent(ConsentDialog)
    /// Lock or unlock an account.
    case lock(userID: UUID, email: String, lock: Bool)
    /// End one session, or every session (`id` nil).
    case endSession(id: UUID?, name: String, current: Bool)
    /// Authenticator setup: the secret to type in (or the otpauth URI), then a first code.
    case totp(secret: String, uri: String, code: TextField)
    /// Change an account's role.
    case role(userID: UUID, email: String, choice: ChoiceField)
    /// Rate a recommendation.
    case feedback(FeedbackDialog)
    /// A message (results of a bulk action, conflicts).
    case message(title: String, lines: [String])
    /// Link a provider to this account.
    case link(LinkDialog)
    /// Link a phone number to this account.
    case linkPhone(LinkPhoneDialog)
    /// Unlink a provider or the phone number (`choice` holds their names; `values` what to send).
    case unlink(choice: ChoiceField, values: [String])
}

struct BulkDialog: Equatable {
    static let typeCountAbove = 25
    var action: ReviewAction
    var ids: [UUID]
    var titles: [String]
    /// For rejections: the reason chosen in a previous step.
    var reasonCode: RejectionReason?
    var reason: String?
    /// Large batches: the count typed to confirm.
    var typed = TextField(label: "Type the count")

    var needsTypedCount: Bool { ids.count > Self.typeCountAbove }
}

struct RejectDialog: Equatable {
    /// One id, or the marked ids (then a bulk preview follows).
    var ids: [UUID]
    var versions: [UUID: Int]
    var titles: [String]
    var reason = ChoiceField(label: "Reason", options: RejectionReason.allCases.map(\.rawValue))
    var text = TextField(label: "Why")
    var focus = 0
    var error: String?
}

struct ModifyDialog: Equatable {
    var id: UUID
    var version: Int
    var title: TextField
    var content: TextField
    var rationale: TextField
    var focus = 0

    var fieldCount: Int { 3 }
}

struct ConsentDialog: Equatable {
    var grant: Bool
    var deleteData = ChoiceField(label: "Your data", options: ["keep it", "delete it"])
}

struct FeedbackDialog: Equatable {
    var id: UUID
    var title: String
    var rating = ChoiceField(label: "Rating", options: ["1", "2", "3", "4", "5"], selected: 4)
    var helpful = ChoiceField(label: "Helpful", options: ["yes", "no"])
    var comment = TextField(label: "Comment")
    var focus = 0
}

// MARK: - Actions and effects

/// What can happen: a key, a timer, or a result coming back from the network.
enum Action: Equatable {
    case key(Key)
    /// Once a second: ticks the clock, triggers periodic refresh.
    case tick(Date)
    case signedIn(User, server: String)
    case signInFailed(String)
    /// The password was right; the account wants an authenticator code.
    case mfaRequired(challengeID: String)
    /// A sign-in code was texted to this (normalized) number.
    case phoneCodeSent(String)
    /// The server's sign-in providers (Ctrl-O on the login screen).
    case providersLoaded([OAuthProviderID])
    /// A provider sign-in started: show the URL, poll from `at`.
    case oauthStarted(OAuthStart, at: Date)
    /// The browser side is not done yet.
    case oauthPending(at: Date)
    case meLoaded(User)
    case meFailed(String, signedOut: Bool)
    case signedOut
    case queueLoaded(Page<ReviewItem>, at: Date)
    case detailLoaded(ReviewDetail)
    case decided(Recommendation, verb: String)
    /// A single decision failed; `conflict` when someone else decided first (409).
    case decisionFailed(UUID, message: String, conflict: Bool)
    case bulkDone(BulkReviewResult, action: ReviewAction)
    case analyticsLoaded(AnalyticsReport, at: Date)
    case usersLoaded(Page<OperatorUserRow>)
    case userLoaded(UserBundle)
    case mineLoaded(MineBundle)
    case consentChanged(ConsentStatus, message: String)
    case feedbackSent(UUID)
    case uploaded(Upload)
    /// Bytes of an upload handed to the connection so far.
    case uploadProgress(sent: Int, total: Int)
    case adminUsersLoaded(Page<User>)
    case auditLoaded(Page<AuditEntry>)
    case lockChanged(User)
    case roleChanged(User)
    case sessionsLoaded([SessionInfo])
    case methodsLoaded(SignInMethods)
    /// The providers this server offers, to link one.
    case linkProvidersLoaded([OAuthProviderID])
    case linkStarted(OAuthStart, at: Date)
    case linkPending(at: Date)
    case linked(LinkResult)
    case linkFailed(String)
    case unlinked(SignInMethods, label: String)
    /// A code to link this number was texted.
    case linkCodeSent(String)
    /// Linking a phone failed; the dialog stays open with the reason.
    case linkPhoneFailed(String)
    case totpEnrollment(TOTPEnrollment)
    case totpEnabled
    /// A session ended; `signedOut` when it was this one (or all of them).
    case sessionEnded(signedOut: Bool)
    /// A call failed: a toast, or the login screen when the session is gone.
    case failed(String, signedOut: Bool, offline: Bool)
    /// Bookkeeping: a background effect finished (the loop counts work in flight).
    case effectFinished
}

/// A user's record as the operator's user screen shows it.
struct UserBundle: Equatable {
    var detail: OperatorUserDetail
    var profile: Profile?
    var history: [PersonaHistoryEntry]
    var recommendations: [Recommendation]
}

/// The signed-in user's own data.
struct MineBundle: Equatable {
    var profile: Profile?
    var consent: ConsentStatus
    var recommendations: [Recommendation]
    var uploads: [Upload]
}

/// Work the reducer asks for; the run loop performs it off the terminal thread.
enum Effect: Equatable {
    case signIn(server: String, email: String, password: String)
    case verifyMFA(server: String, challengeID: String, code: String)
    case requestPhoneCode(server: String, phone: String)
    case verifyPhoneCode(server: String, phone: String, code: String)
    case loadProviders(server: String)
    case startOAuth(server: String, provider: OAuthProviderID)
    case pollOAuth(server: String, handle: String)
    case loadMe
    case signOut
    case loadQueue(ReviewQueueQuery)
    case loadDetail(UUID)
    case approve(UUID, version: Int)
    case reject(UUID, version: Int, reason: RejectionReason, text: String)
    case modify(UUID, ReviewDecisionRequest)
    case bulk(BulkReviewRequest)
    case loadAnalytics(from: Day, to: Day)
    case loadUsers(query: String)
    case loadUser(UUID)
    case loadMine
    case setConsent(grant: Bool, deleteData: Bool)
    case feedback(UUID, FeedbackRequest)
    case upload(path: String)
    case loadAdminUsers(query: String)
    case loadAudit
    case setLock(UUID, lock: Bool)
    case setRole(UUID, Role)
    case loadSessions
    case loadMethods
    case loadLinkProviders
    case startLink(OAuthProviderID)
    case pollLink(handle: String)
    case unlinkMethod(String)
    case requestLinkCode(String)
    case linkPhone(phone: String, code: String)
    case enrollTOTP
    case confirmTOTP(code: String)
    case endSession(UUID)
    case logoutEverywhere
}

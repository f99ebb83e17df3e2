import APIClient
import Foundation
import Models
import Synchronization
import TerminalUI

/// Performs effects (network calls) and answers with an action.
protocol EffectRunner: Sendable {
    /// Performs `effect`; `progress` posts intermediate actions (upload progress) before the final one.
    func run(_ effect: Effect, progress: @escaping @Sendable (Action) -> Void) async -> Action?
}

/// Results posted by background tasks, drained by the terminal thread.
final class Inbox: Sendable {
    private let items = Mutex<[Action]>([])

    func post(_ action: Action) {
        items.withLock { $0.append(action) }
    }

    func drain() -> [Action] {
        items.withLock { items in
            defer { items.removeAll() }
            return items
        }
    }
}

/// The terminal loop: one thread owns the screen; input is polled with a short timeout, effects run in
/// tasks and post actions back; a frame is drawn only when something changed.
final class ConsoleLoop {
    private(set) var state: AppState
    let screen: any Screen
    let runner: any EffectRunner
    let theme: Theme
    let inbox = Inbox()
    private var pending = 0
    private var lastSecond = -1

    init(state: AppState, screen: any Screen, runner: any EffectRunner, theme: Theme) {
        var state = state
        state.ascii = theme.ascii
        self.state = state
        self.screen = screen
        self.runner = runner
        self.theme = theme
    }

    /// Applies one action and starts the effects it asks for.
    func send(_ action: Action) {
        for effect in reduce(&state, action) {
            perform(effect)
        }
    }

    /// Starts `effect` in a background task; its result arrives through the inbox.
    func perform(_ effect: Effect) {
        pending += 1
        let runner = self.runner
        let inbox = self.inbox
        Task.detached {
            if let result = await runner.run(effect, progress: { inbox.post($0) }) { inbox.post(result) }
            inbox.post(.effectFinished)
        }
    }

    /// Draws the current state.
    func draw() {
        let size = screen.size
        screen.draw(render(&state, width: size.width, height: size.height, theme: theme))
    }

    /// Runs until the state asks to quit (or `until` returns true, for tests).
    func run(pollMilliseconds: Int = 50, until: (() -> Bool)? = nil) {
        draw()
        // For the benchmark of start-up time: when the first frame reached the terminal.
        if let path = ProcessInfo.processInfo.environment["SPENDSENSE_FIRST_FRAME_FILE"] {
            try? Data(String(Date().timeIntervalSince1970).utf8).write(to: URL(fileURLWithPath: path))
        }
        while !state.shouldQuit {
            if let until, until() { break }
            var changed = false
            for action in inbox.drain() {
                if action == .effectFinished {
                    pending -= 1
                } else {
                    send(action)
                    changed = true
                }
            }
            if let key = screen.readKey(timeoutMilliseconds: pollMilliseconds) {
                send(.key(key))
                changed = true
            }
            // Once a second: the "updated N s ago" label, the spinner and periodic refresh.
            let now = Date()
            let second = Int(now.timeIntervalSince1970)
            if second != lastSecond {
                lastSecond = second
                send(.tick(now))
                changed = true
            }
            if changed { draw() }
        }
    }

    /// True while effects are in flight (tests wait on it).
    var isIdle: Bool { pending == 0 }
}

/// The real effects: API calls through `APIClient`, credentials saved after sign-in and refresh.
final class LiveEffects: EffectRunner {
    private let client: Mutex<APIClient?>
    /// A sign-in waiting for its authenticator code.
    private let pendingSignIn = Mutex<(APIClient, String)?>(nil)
    let credentials: CredentialsStore?

    init(client: APIClient?, credentials: CredentialsStore?) {
        self.client = Mutex(client)
        self.credentials = credentials
    }

    var currentClient: APIClient? { client.withLock { $0 } }

    func run(_ effect: Effect, progress: @escaping @Sendable (Action) -> Void) async -> Action? {
        if let action = await signInEffect(effect) { return action }
        if case .signOut = effect {
            if let client = currentClient { try? await client.logout() }
            credentials?.clearTokens()
            return .signedOut
        }
        if case .upload(let path) = effect {
            // Read the file here, so a bad path is a clear message rather than a failed request.
            guard let data = FileManager.default.contents(atPath: path) else {
                return .failed("Cannot read \(path)", signedOut: false, offline: false)
            }
            guard data.count <= 10 * 1024 * 1024 else {
                return .failed("\((path as NSString).lastPathComponent) is larger than 10 MB", signedOut: false, offline: false)
            }
            let name = (path as NSString).lastPathComponent
            return await call { client in
                try await .uploaded(client.upload(fileName: name, data: data) { sent, total in progress(.uploadProgress(sent: sent, total: total)) })
            }
        }
        switch effect {
        case .loadMe:
            guard let client = currentClient else { return .meFailed("Not signed in", signedOut: true) }
            do {
                return .meLoaded(try await client.me())
            } catch let error as APIError {
                let signedOut = error.status == 401 || error == .notSignedIn
                return .meFailed(Self.message(for: error), signedOut: signedOut)
            } catch {
                return .meFailed(String(describing: error), signedOut: false)
            }
        case .loadQueue(let query):
            return await call { try await .queueLoaded($0.reviewQueue(query), at: Date()) }
        case .loadDetail(let id):
            return await call { try await .detailLoaded($0.reviewDetail(id: id)) }
        case .approve(let id, let version):
            return await decision(id) { try await .decided($0.approve(id, version: version), verb: "Approved") }
        case .reject(let id, let version, let reason, let text):
            return await decision(id) { try await .decided($0.reject(id, reasonCode: reason, reason: text, version: version), verb: "Rejected") }
        case .modify(let id, let changes):
            return await decision(id) { try await .decided($0.modify(id, changes), verb: "Saved") }
        case .bulk(let request):
            return await call { try await .bulkDone($0.bulkReview(request), action: request.action) }
        case .loadAnalytics(let from, let to):
            return await call { try await .analyticsLoaded($0.analytics(from: from, to: to), at: Date()) }
        case .loadUsers(let query):
            return await call { try await .usersLoaded($0.operatorUsers(query: query, limit: 500)) }
        case .loadUser(let id):
            return await call { client in
                let detail = try await client.operatorUser(id: id)
                // A user without processed data has no profile yet; that is not an error here.
                let profile = try? await client.profile(userID: id)
                let history = (try? await client.personaHistory(userID: id, limit: 100))?.items ?? []
                let recommendations = (try? await client.recommendations(userID: id, limit: 100))?.items ?? []
                return .userLoaded(UserBundle(detail: detail, profile: profile, history: history, recommendations: recommendations))
            }
        case .loadMine:
            return await call { client in
                let me = try await client.me()
                let consent = try await client.consent()
                let profile = consent.granted ? try? await client.profile(userID: me.id) : nil
                let recommendations = consent.granted ? (try? await client.myRecommendations(limit: 200))?.items ?? [] : []
                let uploads = (try? await client.uploads(limit: 5))?.items ?? []
                return .mineLoaded(MineBundle(profile: profile, consent: consent, recommendations: recommendations, uploads: uploads))
            }
        case .setConsent(let grant, let deleteData):
            return await call { client in
                if grant { return .consentChanged(try await client.grantConsent(), message: "Consent granted") }
                let result = try await client.revokeConsent(deleteData: deleteData)
                return .consentChanged(result.consent, message: deleteData ? "Consent revoked and your data deleted" : "Consent revoked")
            }
        case .feedback(let id, let request):
            return await call { client in
                _ = try await client.feedback(recommendationID: id, request)
                return .feedbackSent(id)
            }
        case .loadAdminUsers(let query):
            return await call { try await .adminUsersLoaded($0.adminUsers(query: query, limit: 500)) }
        case .loadAudit:
            return await call { try await .auditLoaded($0.audit(AuditQuery(limit: 500))) }
        case .setLock(let id, let lock):
            return await call { try await .lockChanged(lock ? $0.lock(userID: id) : $0.unlock(userID: id)) }
        case .setRole(let id, let role):
            return await call { try await .roleChanged($0.changeRole(userID: id, to: role)) }
        case .enrollTOTP:
            return await call { try await .totpEnrollment($0.enrollTOTP()) }
        case .confirmTOTP(let code):
            return await call { client in
                _ = try await client.confirmTOTP(code: code)
                return .totpEnabled
            }
        case .loadSessions:
            return await call { try await .sessionsLoaded($0.sessions()) }
        case .loadMethods:
            return await call { try await .methodsLoaded($0.signInMethods()) }
        case .loadLinkProviders:
            return await call { try await .linkProvidersLoaded($0.oauthProviders()) }
        case .startLink(let provider):
            return await call { try await .linkStarted($0.startLink(provider), at: Date()) }
        case .pollLink(let handle):
            return await call { client in
                do {
                    guard let result = try await client.pollLink(handle) else { return .linkPending(at: Date()) }
                    return .linked(result)
                } catch let error as APIError where error.status != 401 {
                    return .linkFailed(Self.message(for: error))
                }
            }
        case .requestLinkCode(let phone):
            return await call { client in
                do {
                    return .linkCodeSent(try await client.requestPhoneCode(phone).phone)
                } catch let error as APIError where error.status != 401 {
                    return .linkPhoneFailed(Self.message(for: error))
                }
            }
        case .linkPhone(let phone, let code):
            return await call { client in
                do {
                    return .linked(try await client.linkPhone(phone, code: code))
                } catch let error as APIError where error.code == "CODE_EXPIRED" {
                    return .linkPhoneFailed("That code has expired or was used up; press Esc and start again")
                } catch let error as APIError where error.code == "INVALID_CREDENTIALS" {
                    // A wrong code is a 401 too, but the session is fine.
                    return .linkPhoneFailed("That code is not right")
                } catch let error as APIError where error.status != 401 {
                    return .linkPhoneFailed(Self.message(for: error))
                }
            }
        case .unlinkMethod(let method):
            return await call { client in
                if method == "phone" { return .unlinked(try await client.unlinkPhone(), label: "your phone number") }
                guard let provider = OAuthProviderID(rawValue: method) else { return .linkFailed("Unknown method \(method)") }
                return .unlinked(try await client.unlink(provider), label: provider.displayName)
            }
        case .endSession(let id):
            return await call { client in
                try await client.endSession(id)
                return .sessionEnded(signedOut: false)
            }
        case .logoutEverywhere:
            let result = await call { client in
                try await client.logoutEverywhere()
                return .sessionEnded(signedOut: true)
            }
            if case .sessionEnded = result { credentials?.clearTokens() }
            return result
        case .signIn, .signOut, .upload, .verifyMFA, .requestPhoneCode, .verifyPhoneCode, .loadProviders, .startOAuth, .pollOAuth:
            return nil
        }
    }

    /// The login screen's effects (nil for any other): each step of email, phone, authenticator and provider
    /// sign-in. The client of an unfinished sign-in is kept in `pendingSignIn` for the next step.
    private func signInEffect(_ effect: Effect) async -> Action? {
        func newClient(_ server: String) -> APIClient? { URL(string: server).map { APIClient(baseURL: $0) } }
        switch effect {
        case .signIn(let server, let email, let password):
            guard let client = newClient(server) else { return .signInFailed("Not a URL: \(server)") }
            pendingSignIn.withLock { $0 = (client, email) }
            return await signInStep {
                let response = try await client.login(email: email, password: password, deviceName: Self.deviceName)
                return await finishSignIn(client, server: server, email: response.email ?? email)
            }
        case .requestPhoneCode(let server, let phone):
            guard let client = newClient(server) else { return .signInFailed("Not a URL: \(server)") }
            return await signInStep {
                let sent = try await client.requestPhoneCode(phone)
                pendingSignIn.withLock { $0 = (client, sent.phone) }
                return .phoneCodeSent(sent.phone)
            }
        case .verifyPhoneCode(let server, let phone, let code):
            guard let (client, _) = pendingSignIn.withLock({ $0 }) else { return .signInFailed("Request a new code") }
            return await signInStep(
                {
                    let response = try await client.verifyPhoneCode(phone, code: code)
                    return await finishSignIn(client, server: server, email: response.email ?? phone)
                },
                explain: { error in
                    if error.code == "CODE_EXPIRED" { return "That code has expired or was used up; press Esc and ask for a new one" }
                    return error.status == 401 ? "That code is not right" : nil
                })
        case .loadProviders(let server):
            guard let client = newClient(server) else { return .signInFailed("Not a URL: \(server)") }
            return await signInStep { .providersLoaded(try await client.oauthProviders()) }
        case .startOAuth(let server, let provider):
            guard let client = newClient(server) else { return .signInFailed("Not a URL: \(server)") }
            return await signInStep {
                let start = try await client.startDeviceSignIn(provider, deviceName: Self.deviceName)
                pendingSignIn.withLock { $0 = (client, provider.displayName) }
                return .oauthStarted(start, at: Date())
            }
        case .pollOAuth(let server, let handle):
            guard let (client, label) = pendingSignIn.withLock({ $0 }) else { return .signInFailed("Sign in again") }
            return await signInStep {
                guard let response = try await client.pollSignIn(handle) else { return .oauthPending(at: Date()) }
                return await finishSignIn(client, server: server, email: response.email ?? label)
            }
        case .verifyMFA(let server, let challengeID, let code):
            guard let (client, email) = pendingSignIn.withLock({ $0 }) else { return .signInFailed("Sign in again") }
            return await signInStep(
                {
                    try await client.verifyMFA(challengeID: challengeID, code: code)
                    return await finishSignIn(client, server: server, email: email)
                },
                explain: { error in
                    if error.code == "INVALID_TOKEN" { return "The sign-in expired; press Esc and sign in again" }
                    return error.status == 401 ? "That code is not right; try the next one" : nil
                })
        default:
            return nil
        }
    }

    /// Runs a sign-in step: an authenticator challenge moves the form to the code step, and any failure becomes
    /// the form's message (`explain` may word an API error for the step; nil keeps the general message).
    private func signInStep(_ body: () async throws -> Action, explain: (APIError) -> String? = { _ in nil }) async -> Action {
        do {
            return try await body()
        } catch APIError.mfaRequired(let challengeID) {
            return .mfaRequired(challengeID: challengeID)
        } catch let error as APIError {
            return .signInFailed(explain(error) ?? Self.message(for: error))
        } catch {
            return .signInFailed(String(describing: error))
        }
    }

    /// Runs a call with the current client, turning errors into a `failed` action.
    private func call(_ body: (APIClient) async throws -> Action) async -> Action {
        guard let client = currentClient else { return .failed("Not signed in", signedOut: true, offline: false) }
        do {
            return try await body(client)
        } catch let error as APIError {
            return Self.failure(error)
        } catch {
            return .failed(String(describing: error), signedOut: false, offline: false)
        }
    }

    /// A decision call: a 409 is a conflict (someone else decided first), not a plain failure.
    private func decision(_ id: UUID, _ body: (APIClient) async throws -> Action) async -> Action {
        guard let client = currentClient else { return .failed("Not signed in", signedOut: true, offline: false) }
        do {
            return try await body(client)
        } catch let error as APIError where error.status == 409 {
            return .decisionFailed(id, message: Self.message(for: error), conflict: true)
        } catch let error as APIError {
            if case .failed(let message, false, false) = Self.failure(error) { return .decisionFailed(id, message: message, conflict: false) }
            return Self.failure(error)
        } catch {
            return .decisionFailed(id, message: String(describing: error), conflict: false)
        }
    }

    static func failure(_ error: APIError) -> Action {
        let signedOut = error.status == 401 || error == .notSignedIn
        let offline: Bool
        switch error {
        case .transport, .timeout: offline = true
        default: offline = false
        }
        return .failed(offline ? "Cannot reach the server" : message(for: error), signedOut: signedOut, offline: offline)
    }

    /// How this console names itself in the server's sessions list.
    static var deviceName: String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? ""
        return host.isEmpty || host == "localhost" ? "SpendSense console" : "SpendSense console on \(host)"
    }

    private func finishSignIn(_ client: APIClient, server: String, email: String) async -> Action {
        pendingSignIn.withLock { $0 = nil }
        await attachPersistence(client, server: server, email: email)
        self.client.withLock { $0 = client }
        do {
            return .signedIn(try await client.me(), server: server)
        } catch let error as APIError {
            return .signInFailed(Self.message(for: error))
        } catch {
            return .signInFailed(String(describing: error))
        }
    }

    /// Saves tokens whenever the client signs in or refreshes.
    func attachPersistence(_ client: APIClient, server: String, email: String) async {
        guard let credentials else { return }
        await client.tokens.setOnChange { tokens in
            if let tokens {
                credentials.save(.init(server: server, email: email, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken))
            } else {
                credentials.clearTokens()
            }
        }
        if let tokens = await client.tokens.tokens {
            credentials.save(.init(server: server, email: email, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken))
        }
    }

    static func message(for error: APIError) -> String {
        switch error {
        case .server(_, let body?) where body.error.code == "INVALID_CREDENTIALS":
            return "Email or password is incorrect."
        case .server(429, let body):
            return body?.detail ?? "Too many attempts; wait and try again."
        case .transport:
            return "Cannot reach the server. Check the URL and that the server is running."
        default:
            return error.description
        }
    }
}

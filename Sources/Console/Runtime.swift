import APIClient
import Foundation
import Models
import Synchronization
import TerminalUI

/// Performs effects (network calls) and answers with an action.
protocol EffectRunner: Sendable {
    func run(_ effect: Effect) async -> Action?
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
            if let result = await runner.run(effect) { inbox.post(result) }
            inbox.post(.effectFinished)
        }
    }

    /// Draws the current state.
    func draw() {
        let size = screen.size
        screen.draw(render(state, width: size.width, height: size.height, theme: theme))
    }

    /// Runs until the state asks to quit (or `until` returns true, for tests).
    func run(pollMilliseconds: Int = 50, until: (() -> Bool)? = nil) {
        draw()
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
            // The "updated N s ago" label ticks once a second.
            let second = Int(Date().timeIntervalSince1970)
            if second != lastSecond {
                lastSecond = second
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
    let credentials: CredentialsStore?

    init(client: APIClient?, credentials: CredentialsStore?) {
        self.client = Mutex(client)
        self.credentials = credentials
    }

    var currentClient: APIClient? { client.withLock { $0 } }

    func run(_ effect: Effect) async -> Action? {
        switch effect {
        case .signIn(let server, let email, let password):
            guard let url = URL(string: server) else { return .signInFailed("Not a URL: \(server)") }
            let client = APIClient(baseURL: url)
            do {
                let response = try await client.login(email: email, password: password)
                await attachPersistence(client, server: server, email: response.email ?? email)
                self.client.withLock { $0 = client }
                let me = try await client.me()
                return .signedIn(me, server: server)
            } catch let error as APIError {
                return .signInFailed(Self.message(for: error))
            } catch {
                return .signInFailed(String(describing: error))
            }
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
        case .signOut:
            if let client = currentClient { try? await client.logout() }
            credentials?.clearTokens()
            return .signedOut
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

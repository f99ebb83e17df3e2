import Foundation
import Models
import TerminalUI

/// Everything the console shows, as a value. Views draw it; `reduce` changes it.
struct AppState: Equatable {
    enum Page: Equatable {
        case login
        case home
    }

    struct LoginForm: Equatable {
        var server = TextField(label: "Server")
        var email = TextField(label: "Email")
        var password = TextField(label: "Password", isSecret: true)
        /// 0 server, 1 email, 2 password.
        var focus = 1
        var error: String?

        var fields: [TextField] { [server, email, password] }

        mutating func withFocused(_ change: (inout TextField) -> Void) {
            switch focus {
            case 0: change(&server)
            case 1: change(&email)
            default: change(&password)
            }
        }
    }

    var page: Page = .login
    var login = LoginForm()
    /// The signed-in user, once loaded.
    var me: User?
    var server: String
    var showHelp = false
    var busy: String?
    var toast: Toast?
    var lastUpdated: Date?
    var shouldQuit = false

    struct Toast: Equatable {
        var text: String
        var isError: Bool
    }

    init(server: String, email: String = "") {
        self.server = server
        self.login.server = TextField(label: "Server", text: server)
        self.login.email = TextField(label: "Email", text: email)
        self.login.focus = email.isEmpty ? 1 : 2
    }
}

/// What can happen: a key, or a result coming back from the network.
enum Action: Equatable {
    case key(Key)
    case signedIn(User, server: String)
    case signInFailed(String)
    case meLoaded(User)
    case meFailed(String, signedOut: Bool)
    case signedOut
    /// Bookkeeping: a background effect finished (the loop counts work in flight).
    case effectFinished
}

/// Work the reducer asks for; the run loop performs it off the terminal thread.
enum Effect: Equatable {
    case signIn(server: String, email: String, password: String)
    case loadMe
    case signOut
}

/// Commands of the screens, bound to keys in `Keymap`.
enum LoginCommand: Equatable, Sendable {
    case nextField, previousField, submit, quit, help
}

enum HomeCommand: Equatable, Sendable {
    case help, refresh, signOut, quit
}

/// The key registries: one per screen, the source of dispatch, `?` help and the hint bar.
enum Keymap {
    static let login = KeyRegistry<LoginCommand>(
        title: "Sign in",
        [
            KeyBinding([.enter], "Sign in (or go to the next empty field)", .submit, hint: "sign in"),
            KeyBinding([.tab, .down], "Next field", .nextField, hint: "next field"),
            KeyBinding([.backTab, .up], "Previous field", .previousField),
            KeyBinding([.function(1)], "Help: every key of this screen", .help, hint: "help"),
            KeyBinding([.escape, .ctrl("c")], "Quit", .quit, hint: "quit"),
        ])

    static let home = KeyRegistry<HomeCommand>(
        title: "Home",
        [
            KeyBinding([.char("?")], "Help: every key of this screen", .help, hint: "help"),
            KeyBinding([.char("r"), .function(5)], "Refresh your account details", .refresh, hint: "refresh"),
            KeyBinding([.char("L")], "Log out of this session (server side too)", .signOut, hint: "log out"),
            KeyBinding([.char("q"), .ctrl("c")], "Quit", .quit, hint: "quit"),
        ])
}

/// The pure state machine of the console.
func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    case .key(let key):
        return handleKey(&state, key)
    case .signedIn(let user, let server):
        state.me = user
        state.server = server
        state.page = .home
        state.busy = nil
        state.login.password = TextField(label: "Password", isSecret: true)
        state.login.error = nil
        state.lastUpdated = Date()
        state.toast = .init(text: "Signed in as \(user.email ?? user.id.uuidString)", isError: false)
        return []
    case .signInFailed(let message):
        state.busy = nil
        state.login.error = message
        return []
    case .meLoaded(let user):
        state.me = user
        state.busy = nil
        state.lastUpdated = Date()
        if state.page == .login { state.page = .home }
        return []
    case .meFailed(let message, let signedOut):
        state.busy = nil
        if signedOut {
            state.page = .login
            state.me = nil
            state.login.error = message
        } else {
            state.toast = .init(text: message, isError: true)
        }
        return []
    case .effectFinished:
        return []
    case .signedOut:
        state.busy = nil
        state.me = nil
        state.page = .login
        state.login.focus = state.login.email.text.isEmpty ? 1 : 2
        state.toast = .init(text: "Signed out", isError: false)
        return []
    }
}

private func handleKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    if key == .resize { return [] }
    if state.showHelp {
        // Any key closes help; it is not passed on.
        state.showHelp = false
        return []
    }
    state.toast = nil
    switch state.page {
    case .login:
        if let command = Keymap.login.command(for: key) {
            switch command {
            case .nextField:
                state.login.focus = (state.login.focus + 1) % 3
            case .previousField:
                state.login.focus = (state.login.focus + 2) % 3
            case .help:
                state.showHelp = true
            case .quit:
                state.shouldQuit = true
            case .submit:
                guard state.busy == nil else { return [] }
                let server = state.login.server.text.trimmingCharacters(in: .whitespaces)
                let email = state.login.email.text.trimmingCharacters(in: .whitespaces)
                let password = state.login.password.text
                if server.isEmpty || URL(string: server)?.scheme == nil {
                    state.login.focus = 0
                    state.login.error = "Server must be a URL such as http://127.0.0.1:8000"
                    return []
                }
                if email.isEmpty {
                    state.login.focus = 1
                    return []
                }
                if password.isEmpty {
                    state.login.focus = 2
                    return []
                }
                state.login.error = nil
                state.busy = "Signing in…"
                return [.signIn(server: server, email: email, password: password)]
            }
            return []
        }
        state.login.withFocused { $0.handle(key) }
        return []
    case .home:
        guard let command = Keymap.home.command(for: key) else { return [] }
        switch command {
        case .help:
            state.showHelp = true
            return []
        case .refresh:
            state.busy = "Refreshing…"
            return [.loadMe]
        case .signOut:
            state.busy = "Signing out…"
            return [.signOut]
        case .quit:
            state.shouldQuit = true
            return []
        }
    }
}

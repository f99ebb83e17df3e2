import Foundation
import Models
import Synchronization
import TerminalUI
import Testing

@testable import Console

let operatorUser = User(
    id: UUID(uuidString: "11111111-2222-3333-4444-555555555555")!, email: "operator@example.com", role: .operator,
    createdAt: Date(timeIntervalSince1970: 1_763_769_600), updatedAt: Date(timeIntervalSince1970: 1_763_769_600))

/// Answers effects from a script and records what was asked.
final class ScriptedEffects: EffectRunner {
    let asked = Mutex<[Effect]>([])
    let answer: @Sendable (Effect) -> Action?

    init(answer: @escaping @Sendable (Effect) -> Action?) { self.answer = answer }

    func run(_ effect: Effect) async -> Action? {
        asked.withLock { $0.append(effect) }
        return answer(effect)
    }
}

/// Runs `body` on a new thread and resumes when it returns.
func onOwnThread(_ body: @escaping () -> Void) async {
    // The caller awaits until the thread finishes, so nothing else touches what `body` captured meanwhile.
    nonisolated(unsafe) let work = body
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let thread = Thread {
            work()
            continuation.resume()
        }
        thread.start()
    }
}

@Suite("Console state")
struct ConsoleStateTests {
    @Test("the login form validates locally, then asks to sign in")
    func loginSubmit() {
        var state = AppState(server: "http://127.0.0.1:8000")
        #expect(state.login.focus == 1)
        #expect(reduce(&state, .key(.enter)).isEmpty)  // no email yet: stays on email
        for c in "op@example.com" { _ = reduce(&state, .key(.char(c))) }
        #expect(reduce(&state, .key(.enter)).isEmpty)  // no password: focus moves there
        #expect(state.login.focus == 2)
        for c in "pw" { _ = reduce(&state, .key(.char(c))) }
        let effects = reduce(&state, .key(.enter))
        #expect(effects == [.signIn(server: "http://127.0.0.1:8000", email: "op@example.com", password: "pw")])
        #expect(state.busy != nil)
        // A second Enter while busy does nothing.
        #expect(reduce(&state, .key(.enter)).isEmpty)

        _ = reduce(&state, .signInFailed("Email or password is incorrect."))
        #expect(state.login.error == "Email or password is incorrect.")
        #expect(state.page == .login)
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .signedIn(operatorUser, server: "http://127.0.0.1:8000"))
        #expect(state.page == .home)
        #expect(state.login.password.text.isEmpty)
    }

    @Test("a bad server URL is caught before any request")
    func badServer() {
        var state = AppState(server: "not a url", email: "a@b.co")
        for c in "pw" { _ = reduce(&state, .key(.char(c))) }
        #expect(reduce(&state, .key(.enter)).isEmpty)
        #expect(state.login.focus == 0)
        #expect(state.login.error?.contains("URL") == true)
    }

    @Test("home keys: refresh, help, sign out, quit")
    func homeKeys() {
        var state = AppState(server: "http://x")
        _ = reduce(&state, .signedIn(operatorUser, server: "http://x"))
        #expect(reduce(&state, .key(.char("r"))) == [.loadMe])
        _ = reduce(&state, .meLoaded(operatorUser))
        _ = reduce(&state, .key(.char("?")))
        #expect(state.showHelp)
        // Any key closes help and is swallowed.
        #expect(reduce(&state, .key(.char("q"))).isEmpty)
        #expect(!state.showHelp && !state.shouldQuit)
        #expect(reduce(&state, .key(.char("L"))) == [.signOut])
        _ = reduce(&state, .signedOut)
        #expect(state.page == .login)
        #expect(state.me == nil)
        // `q` types into the login form rather than quitting; Esc quits.
        _ = reduce(&state, .key(.char("q")))
        #expect(!state.shouldQuit)
        _ = reduce(&state, .key(.escape))
        #expect(state.shouldQuit)
    }

    @Test("a 401 while loading returns to the login screen with the reason")
    func sessionExpired() {
        var state = AppState(server: "http://x")
        _ = reduce(&state, .signedIn(operatorUser, server: "http://x"))
        _ = reduce(&state, .meFailed("Session has ended; sign in again", signedOut: true))
        #expect(state.page == .login)
        #expect(state.login.error == "Session has ended; sign in again")
    }
}

@Suite("Console screens")
struct ConsoleScreenTests {
    let theme = Theme.standard()

    @Test("login screen at 80×24")
    func loginSnapshot() {
        var state = AppState(server: "http://127.0.0.1:8000", email: "operator@example.com")
        state.login.error = "Email or password is incorrect."
        let text = render(state, width: 80, height: 24, theme: theme).text
        #expect(text.contains("SpendSense › Sign in"))
        #expect(text.contains("Server    http://127.0.0.1:8000"))
        #expect(text.contains("Email     operator@example.com"))
        #expect(text.contains("Email or password is incorrect."))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 24)
        #expect(lines[23].contains("Enter sign in  Tab next field  F1 help  Esc quit"))
        #expect(lines.allSatisfy { TextWidth.of(String($0)) <= 80 })
    }

    @Test("home screen shows who you are and the hint bar; help lists every key")
    func homeSnapshot() {
        var state = AppState(server: "http://127.0.0.1:8000")
        _ = reduce(&state, .signedIn(operatorUser, server: "http://127.0.0.1:8000"))
        state.toast = nil
        let text = render(state, width: 80, height: 24, theme: theme, now: state.lastUpdated!).text
        #expect(text.contains("operator@example.com (operator)"))
        #expect(text.contains("Role          operator"))
        #expect(text.contains("11111111-2222-3333-4444-555555555555"))
        #expect(text.contains("updated 0 s ago"))
        #expect(text.split(separator: "\n").last?.contains("? help  r refresh  L log out  q quit") == true)

        _ = reduce(&state, .key(.char("?")))
        let help = render(state, width: 80, height: 24, theme: theme).text
        for line in Keymap.home.helpLines { #expect(help.contains(line.help)) }
        #expect(help.contains("r/F5"))
    }

    @Test("ASCII mode draws no box-drawing characters; tiny windows say so")
    func asciiAndTiny() {
        let state = AppState(server: "http://x")
        let ascii = render(state, width: 80, height: 24, theme: .monochrome(ascii: true)).text
        #expect(!ascii.contains("┌") && ascii.contains("+-"))
        #expect(render(state, width: 10, height: 3, theme: theme).text == "Window too\nsmall\n")
    }

    @Test("the loop signs in through effects and redraws on resize")
    func loopEndToEnd() async throws {
        let screen = MemoryScreen(width: 80, height: 24)
        let effects = ScriptedEffects { effect in
            switch effect {
            case .signIn: .signedIn(operatorUser, server: "http://x")
            case .loadMe: .meLoaded(operatorUser)
            case .signOut: .signedOut
            }
        }
        let loop = ConsoleLoop(state: AppState(server: "http://x", email: "operator@example.com"), screen: screen, runner: effects, theme: theme)
        screen.feed(text: "secret")
        screen.feed(.enter)
        // The loop blocks its thread, as it does on the terminal's thread; give it a thread of its own so the
        // effect tasks keep the cooperative pool.
        let deadline = Date().addingTimeInterval(10)
        await onOwnThread { loop.run(pollMilliseconds: 1) { loop.state.page == .home || Date() > deadline } }
        #expect(loop.state.page == .home)
        #expect(effects.asked.withLock { $0 } == [.signIn(server: "http://x", email: "operator@example.com", password: "secret")])
        loop.draw()
        #expect(screen.text.contains("Signed in"))

        screen.resize(width: 100, height: 30)
        screen.feed(.char("q"))
        await onOwnThread { loop.run(pollMilliseconds: 1) { Date() > deadline } }
        #expect(loop.state.shouldQuit)
        #expect(screen.lastFrame?.width == 100)
    }
}

import Foundation
import Models
import TerminalUI
import Testing

@testable import Console

/// Compares `text` with `Snapshots/<name>.txt`. `RECORD_SNAPSHOTS=1 swift test` rewrites the files (review the diff);
/// a missing file fails the test rather than being recorded silently.
func assertSnapshot(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = directory.appendingPathComponent("\(name).txt")
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? Data((text + "\n").utf8).write(to: file)
        return
    }
    guard let stored = try? String(contentsOf: file, encoding: .utf8) else {
        Issue.record("no snapshot \(name).txt; run RECORD_SNAPSHOTS=1 swift test --filter SnapshotTests", sourceLocation: sourceLocation)
        return
    }
    if stored != text + "\n" {
        let expected = stored.split(separator: "\n", omittingEmptySubsequences: false)
        let actual = (text + "\n").split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(expected, actual).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expected.count, actual.count)
        Issue.record(
            "snapshot \(name) differs at line \(line + 1):\n  stored: \(line < expected.count ? String(expected[line]) : "<none>")\n  actual: \(line < actual.count ? String(actual[line]) : "<none>")",
            sourceLocation: sourceLocation)
    }
}

/// Every screen rendered into the in-memory canvas at 80×24 and 160×48, in UTF-8 and in ASCII.
@Suite("Screen snapshots")
struct SnapshotTests {
    static let sizes = [(80, 24), (160, 48)]

    /// The states to draw, by name.
    static func states(ascii: Bool) -> [(String, AppState)] {
        var result: [(String, AppState)] = []
        var login = AppState(server: "http://127.0.0.1:8000", email: "operator@example.com")
        login.login.error = "Email or password is incorrect."
        result.append(("login", login))
        var code = AppState(server: "http://127.0.0.1:8000", email: "operator@example.com")
        _ = reduce(&code, .mfaRequired(challengeID: "c"))
        type("12", into: &code)
        result.append(("login-code", code))
        var phone = AppState(server: "http://127.0.0.1:8000")
        _ = reduce(&phone, .key(.ctrl("p")))
        _ = reduce(&phone, .phoneCodeSent("+15550102030"))
        result.append(("login-phone-code", phone))
        var providers = AppState(server: "http://127.0.0.1:8000")
        _ = reduce(&providers, .providersLoaded([.google, .github, .facebook, .apple]))
        _ = reduce(&providers, .key(.right))
        result.append(("login-providers", providers))
        var waiting = providers
        _ = reduce(
            &waiting,
            .oauthStarted(
                OAuthStart(
                    provider: .github, authorizeURL: "https://github.com/login/oauth/authorize?response_type=code&client_id=abc",
                    expiresIn: 600, pollHandle: "h", interval: 2, openURL: "http://127.0.0.1:8000/api/v1/auth/oauth/go/K7QM2XPA"),
                at: Fixture.now))
        result.append(("login-provider-wait", waiting))

        var queue = Fixture.loadedState(ascii: ascii)
        _ = reduce(&queue, .key(.char("j")))
        _ = reduce(&queue, .key(.char(" ")))
        _ = reduce(&queue, .key(.char(" ")))
        result.append(("queue", queue))

        var bulk = queue
        _ = reduce(&bulk, .key(.char("a")))
        result.append(("queue-bulk", bulk))

        var reject = Fixture.loadedState(ascii: ascii)
        _ = reduce(&reject, .key(.char("x")))
        _ = reduce(&reject, .key(.tab))
        type("Numbers look off", into: &reject)
        result.append(("queue-reject", reject))

        var detail = Fixture.loadedState(ascii: ascii)
        _ = reduce(&detail, .key(.enter))
        let id = UUID(uuidString: detail.queue.table.currentID!)!
        _ = reduce(&detail, .detailLoaded(Fixture.detail(Fixture.recommendations.firstIndex { $0.id == id }!)))
        result.append(("detail", detail))
        var trace = detail
        _ = reduce(&trace, .key(.tab))
        _ = reduce(&trace, .key(.char("+")))
        result.append(("detail-trace", trace))

        var analytics = Fixture.loadedState(ascii: ascii)
        _ = reduce(&analytics, .key(.char("2")))
        _ = reduce(&analytics, .analyticsLoaded(Fixture.report, at: Fixture.now.addingTimeInterval(-3)))
        result.append(("analytics", analytics))

        var users = Fixture.loadedState(ascii: ascii)
        _ = reduce(&users, .key(.char("3")))
        _ = reduce(&users, .usersLoaded(Fixture.usersPage))
        result.append(("users", users))

        var me = AppState(server: "http://127.0.0.1:8000")
        me.ascii = ascii
        _ = reduce(&me, .signedIn(Fixture.plainUser, server: "http://127.0.0.1:8000"))
        me.toast = nil
        _ = reduce(&me, .mineLoaded(Fixture.mine))
        result.append(("me", me))

        var admin = AppState(server: "http://127.0.0.1:8000")
        admin.ascii = ascii
        _ = reduce(&admin, .signedIn(Fixture.adminUser, server: "http://127.0.0.1:8000"))
        admin.toast = nil
        _ = reduce(&admin, .key(.char("5")))
        _ = reduce(&admin, .adminUsersLoaded(Fixture.adminUsers))
        _ = reduce(&admin, .auditLoaded(Fixture.audit))
        result.append(("admin", admin))

        var sessions = Fixture.loadedState(ascii: ascii)
        _ = reduce(&sessions, .key(.char("6")))
        _ = reduce(&sessions, .sessionsLoaded(Fixture.sessions))
        _ = reduce(
            &sessions,
            .methodsLoaded(
                SignInMethods(
                    email: "operator@example.com", password: true, phone: "+15550102030",
                    oauth: [LinkedIdentity(provider: .github, email: "op@example.com", linkedAt: Fixture.now)], totpEnabled: true)))
        result.append(("sessions", sessions))
        var link = sessions
        _ = reduce(&link, .linkProvidersLoaded([.google, .github, .facebook, .apple]))
        _ = reduce(
            &link,
            .linkStarted(
                OAuthStart(
                    provider: .google, authorizeURL: "https://accounts.google.com/o/oauth2/v2/auth?x", expiresIn: 600, pollHandle: "h", interval: 2,
                    openURL: "http://127.0.0.1:8000/api/v1/auth/oauth/go/K7QM2XPA"),
                at: Fixture.now))
        result.append(("sessions-link", link))

        var help = queue
        _ = reduce(&help, .key(.char("?")))
        result.append(("queue-help", help))
        return result
    }

    @Test("UTF-8 and ASCII renderings match the stored snapshots", arguments: [false, true])
    func snapshots(ascii: Bool) {
        let theme = ascii ? Theme.monochrome(ascii: true) : Theme.standard()
        for (name, state) in Self.states(ascii: ascii) {
            for (width, height) in Self.sizes {
                var copy = state
                let text = render(&copy, width: width, height: height, theme: theme, now: Fixture.now).text
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(lines.count == height, "\(name)")
                #expect(lines.allSatisfy { TextWidth.of(String($0)) <= width }, "\(name) overflows \(width)")
                if ascii { #expect(text.unicodeScalars.allSatisfy { $0.isASCII }, "\(name) has non-ASCII text in ASCII mode") }
                assertSnapshot(text, named: "\(name)-\(width)x\(height)\(ascii ? "-ascii" : "")")
            }
        }
    }
}

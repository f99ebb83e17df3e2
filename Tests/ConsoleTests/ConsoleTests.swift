import APIClient
import Foundation
import Models
import Synchronization
import TerminalUI
import Testing

@testable import Console

let operatorUser = Fixture.operatorUser

/// Types `text` key by key.
func type(_ text: String, into state: inout AppState) {
    for character in text { _ = reduce(&state, .key(.char(character))) }
}

/// Answers effects from a script and records what was asked.
final class ScriptedEffects: EffectRunner {
    let asked = Mutex<[Effect]>([])
    let answer: @Sendable (Effect) -> Action?

    init(answer: @escaping @Sendable (Effect) -> Action?) { self.answer = answer }

    func run(_ effect: Effect, progress: @escaping @Sendable (Action) -> Void) async -> Action? {
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
    let theme = Theme.standard()

    @Test("the login form validates locally, then signs in and opens the operator's queue")
    func loginSubmit() {
        var state = AppState(server: "http://127.0.0.1:8000")
        #expect(state.login.focus == 1)
        #expect(reduce(&state, .key(.enter)).isEmpty)  // no email yet: stays on email
        type("op@example.com", into: &state)
        #expect(reduce(&state, .key(.enter)).isEmpty)  // no password: focus moves there
        #expect(state.login.focus == 2)
        type("pw", into: &state)
        let effects = reduce(&state, .key(.enter))
        #expect(effects == [.signIn(server: "http://127.0.0.1:8000", email: "op@example.com", password: "pw")])
        #expect(state.busy != nil)
        // A second Enter while busy does nothing.
        #expect(reduce(&state, .key(.enter)).isEmpty)

        _ = reduce(&state, .signInFailed("Email or password is incorrect."))
        #expect(state.login.error == "Email or password is incorrect.")
        #expect(state.page == .login)
        _ = reduce(&state, .key(.enter))
        let opened = reduce(&state, .signedIn(operatorUser, server: "http://127.0.0.1:8000"))
        #expect(state.page == .queue)
        #expect(opened == [.loadQueue(ReviewQueueQuery(status: .pending, sort: .createdAt, descending: true, limit: 500))])
        #expect(state.login.password.text.isEmpty)

        // An end user lands on their own page.
        var user = AppState(server: "http://x")
        #expect(reduce(&user, .signedIn(Fixture.plainUser, server: "http://x")) == [.loadMine])
        #expect(user.page == .me)
    }

    @Test("an account with an authenticator: the code step takes six digits, a wrong code asks again, Esc starts over")
    func mfaStep() {
        var state = AppState(server: "http://x", email: "op@example.com")
        type("pw", into: &state)
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .mfaRequired(challengeID: "c1"))
        #expect(state.busy == nil && state.login.challengeID == "c1" && state.login.password.text.isEmpty)
        #expect(render(&state, width: 80, height: 24, theme: theme).text.contains("6-digit code from your authenticator app"))
        type("12a34", into: &state)
        #expect(state.login.code.text == "1234")
        #expect(reduce(&state, .key(.enter)).isEmpty)  // too short
        type("567", into: &state)
        #expect(state.login.code.text == "123456")  // at most six
        #expect(reduce(&state, .key(.enter)) == [.verifyMFA(server: "http://x", challengeID: "c1", code: "123456")])
        _ = reduce(&state, .signInFailed("That code is not right; try the next one"))
        #expect(state.login.code.text.isEmpty && state.login.challengeID == "c1")
        _ = reduce(&state, .key(.escape))
        #expect(state.login.challengeID == nil && !state.shouldQuit)
        _ = reduce(&state, .mfaRequired(challengeID: "c2"))
        type("654321", into: &state)
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .signedIn(operatorUser, server: "http://x"))
        #expect(state.page == .queue && state.login.challengeID == nil)
    }

    @Test("phone sign-in: Ctrl-P switches the form, a number gets a texted code, the code signs in")
    func phoneSignIn() {
        var state = AppState(server: "http://x")
        _ = reduce(&state, .key(.ctrl("p")))
        #expect(state.login.usePhone && state.login.fields.map(\.label) == ["Server", "Phone"])
        type("555 0102", into: &state)
        #expect(reduce(&state, .key(.enter)).isEmpty)
        #expect(state.login.error?.contains("country code") == true)
        _ = reduce(&state, .key(.ctrl("u")))
        type("+1 555 010 2030", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.requestPhoneCode(server: "http://x", phone: "+1 555 010 2030")])
        _ = reduce(&state, .phoneCodeSent("+15550102030"))
        #expect(render(&state, width: 80, height: 24, theme: theme).text.contains("We texted a 6-digit code to +15550102030."))
        type("98a7654", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.verifyPhoneCode(server: "http://x", phone: "+15550102030", code: "987654")])
        _ = reduce(&state, .signInFailed("That code is not right"))
        #expect(state.login.code.text.isEmpty && state.login.codeSentTo == "+15550102030")
        _ = reduce(&state, .key(.escape))
        #expect(state.login.codeSentTo == nil && !state.shouldQuit)
        _ = reduce(&state, .signedIn(Fixture.plainUser, server: "http://x"))
        #expect(state.page == .me)
    }

    @Test("provider sign-in: Ctrl-O lists the server's providers, Enter starts, the tick polls until signed in, Esc cancels")
    func providerSignIn() {
        var state = AppState(server: "http://x")
        #expect(reduce(&state, .key(.ctrl("o"))) == [.loadProviders(server: "http://x")])
        _ = reduce(&state, .providersLoaded([]))
        #expect(state.login.oauth == nil && state.login.error?.contains("no provider sign-in") == true)
        _ = reduce(&state, .key(.ctrl("o")))
        _ = reduce(&state, .providersLoaded([.google, .github]))
        #expect(state.login.oauth?.provider == .google)
        _ = reduce(&state, .key(.right))
        #expect(state.login.oauth?.provider == .github)
        _ = reduce(&state, .key(.char("g")))
        #expect(state.login.oauth?.provider == .google)
        _ = reduce(&state, .key(.char("h")))
        #expect(reduce(&state, .key(.enter)) == [.startOAuth(server: "http://x", provider: .github)])
        // Keys are ignored while the start is in flight.
        #expect(reduce(&state, .key(.enter)).isEmpty)
        let start = OAuthStart(
            provider: .github, authorizeURL: "https://github.com/login/oauth/authorize?state=s", expiresIn: 600, pollHandle: "h", interval: 2)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        _ = reduce(&state, .oauthStarted(start, at: t0))
        #expect(render(&state, width: 80, height: 24, theme: theme, now: t0).text.contains("https://github.com/login/oauth/authorize?state=s"))
        // Polls come on the tick, every `interval` seconds, one at a time.
        #expect(reduce(&state, .tick(t0.addingTimeInterval(1))).isEmpty)
        #expect(reduce(&state, .tick(t0.addingTimeInterval(2))) == [.pollOAuth(server: "http://x", handle: "h")])
        #expect(reduce(&state, .tick(t0.addingTimeInterval(3))).isEmpty)
        _ = reduce(&state, .oauthPending(at: t0.addingTimeInterval(3)))
        #expect(reduce(&state, .tick(t0.addingTimeInterval(5))) == [.pollOAuth(server: "http://x", handle: "h")])
        _ = reduce(&state, .signedIn(Fixture.plainUser, server: "http://x"))
        #expect(state.page == .me && state.login.oauth == nil)

        // The link expires; Esc cancels.
        var other = AppState(server: "http://x")
        _ = reduce(&other, .providersLoaded([.apple]))
        _ = reduce(&other, .oauthStarted(start, at: t0))
        #expect(reduce(&other, .tick(t0.addingTimeInterval(601))).isEmpty)
        #expect(other.login.oauth == nil && other.login.error?.contains("expired") == true)
        _ = reduce(&other, .providersLoaded([.apple]))
        _ = reduce(&other, .key(.escape))
        #expect(other.login.oauth == nil && !other.shouldQuit)
        // A failure from the poll (the provider refused) lands on the form.
        _ = reduce(&other, .providersLoaded([.apple]))
        _ = reduce(&other, .oauthStarted(start, at: t0))
        _ = reduce(&other, .signInFailed("Apple's identity token did not verify"))
        #expect(other.login.oauth == nil && other.login.error == "Apple's identity token did not verify")
    }

    @Test("a bad server URL is caught before any request")
    func badServer() {
        var state = AppState(server: "not a url", email: "a@b.co")
        type("pw", into: &state)
        #expect(reduce(&state, .key(.enter)).isEmpty)
        #expect(state.login.focus == 0)
        #expect(state.login.error?.contains("URL") == true)
    }

    @Test("queue: sort keys reorder locally and refetch; filter narrows; marks survive refresh, sort and filter")
    func queueSortFilterMarks() {
        var state = Fixture.loadedState()
        let count = Fixture.recommendations.count
        #expect(state.queue.table.visible.count == count)
        #expect(state.queue.table.sortColumn == 5 && state.queue.table.descending)
        // Newest first.
        #expect(state.queue.table.currentID == Fixture.uuid(1000 + count - 1).uuidString.lowercased())

        // `<` moves the sort to Persona (server-sortable: a refetch with that order).
        let effects = reduce(&state, .key(.char("<")))
        #expect(state.queue.table.sortColumn == 4)  // Title: local only
        #expect(effects.isEmpty)
        let persona = reduce(&state, .key(.char("<"))).first
        #expect(persona == .loadQueue(ReviewQueueQuery(status: .pending, sort: .user, descending: false, limit: 500)))
        _ = reduce(&state, .key(.char("I")))
        #expect(state.queue.table.descending)
        let users = state.queue.table.visibleRows.map { $0.cells[3] }
        #expect(users == users.sorted(by: >))

        // Mark three rows, then filter, re-sort and refresh: the marks stay.
        _ = reduce(&state, .key(.char("g")))
        for _ in 0..<3 { _ = reduce(&state, .key(.char(" "))) }
        let marked = state.queue.table.marked
        #expect(marked.count == 3)
        _ = reduce(&state, .key(.char("/")))
        type("user:rosa", into: &state)
        #expect(state.queue.table.visibleRows.allSatisfy { $0.cells[3] == "Rosa Haddad" })
        _ = reduce(&state, .key(.enter))
        #expect(state.input == nil && state.queue.table.filter == "user:rosa")
        _ = reduce(&state, .queueLoaded(Fixture.queuePage(), at: Fixture.now))
        _ = reduce(&state, .key(.char(">")))
        #expect(state.queue.table.marked == marked)
        // Esc in the filter line clears it.
        _ = reduce(&state, .key(.char("/")))
        _ = reduce(&state, .key(.escape))
        #expect(state.queue.table.filter.isEmpty && state.queue.table.visible.count == count)

        // `v` marks a range; `*` marks everything shown, again unmarks; `u` clears.
        _ = reduce(&state, .key(.char("u")))
        _ = reduce(&state, .key(.char("g")))
        _ = reduce(&state, .key(.char("v")))
        for _ in 0..<4 { _ = reduce(&state, .key(.char("j"))) }
        _ = reduce(&state, .key(.char("v")))
        #expect(state.queue.table.marked.count == 5)
        _ = reduce(&state, .key(.char("*")))
        #expect(state.queue.table.marked.count == count)
        _ = reduce(&state, .key(.char("*")))
        #expect(state.queue.table.marked.isEmpty)
    }

    @Test("queue: bulk approve goes through a preview; large batches need the count typed; results unmark what changed")
    func bulkApprove() throws {
        var state = Fixture.loadedState()
        _ = reduce(&state, .key(.char("g")))
        for _ in 0..<3 { _ = reduce(&state, .key(.char(" "))) }
        let ids = state.queue.markedIDs
        #expect(reduce(&state, .key(.char("a"))).isEmpty)
        guard case .bulk(let dialog)? = state.dialog else { Issue.record("no preview"); return }
        #expect(dialog.ids == ids && dialog.titles.count == 3 && !dialog.needsTypedCount)
        let text = render(&state, width: 80, height: 24, theme: theme, now: Fixture.now).text
        #expect(text.contains("Approve 3 recommendations:"))
        #expect(text.contains(TextWidth.truncate(dialog.titles[0], to: 40).prefix(20)))
        // `n` cancels with nothing sent; `a` again, then `y` sends one bulk request.
        #expect(reduce(&state, .key(.char("n"))).isEmpty)
        #expect(state.dialog == nil && state.queue.table.marked.count == 3)
        _ = reduce(&state, .key(.char("a")))
        #expect(reduce(&state, .key(.char("y"))) == [.bulk(BulkReviewRequest(action: .approve, recommendationIDs: ids))])

        // The server approved two; one had been decided by someone else: it stays marked and is listed.
        let result = BulkReviewResult(results: [
            BulkItemResult(recommendationID: ids[0], result: "approved"), BulkItemResult(recommendationID: ids[1], result: "approved"),
            BulkItemResult(recommendationID: ids[2], result: "conflict", detail: "already approved (version 2)"),
        ])
        let after = reduce(&state, .bulkDone(result, action: .approve))
        #expect(after.first.map { if case .loadQueue = $0 { true } else { false } } == true)
        #expect(state.queue.markedIDs == [ids[2]])
        guard case .message(_, let lines)? = state.dialog else { Issue.record("no result dialog"); return }
        #expect(lines[0] == "2 approved, 1 not changed.")
        #expect(lines.contains { $0.hasPrefix("conflict:") && $0.contains("already approved") })
        _ = reduce(&state, .key(.char("x")))  // any key closes
        #expect(state.dialog == nil)

        // Marking every pending row (more than 25) asks for the count to be typed.
        _ = reduce(&state, .key(.char("*")))
        _ = reduce(&state, .key(.char("a")))
        guard case .bulk(let big)? = state.dialog else { Issue.record("no preview"); return }
        #expect(big.needsTypedCount)
        #expect(reduce(&state, .key(.char("y"))).isEmpty)  // `y` is not enough
        #expect(reduce(&state, .key(.enter)).isEmpty)  // nor an empty count
        type(String(big.ids.count), into: &state)
        #expect(reduce(&state, .key(.enter)) == [.bulk(BulkReviewRequest(action: .approve, recommendationIDs: big.ids))])
    }

    @Test("queue: reject needs a reason; one item rejects directly, several go through the preview")
    func rejectFlow() {
        var state = Fixture.loadedState()
        let current = UUID(uuidString: state.queue.table.currentID!)!
        let version = state.queue.items[current]!.recommendation.version
        _ = reduce(&state, .key(.char("x")))
        guard case .reject? = state.dialog else { Issue.record("no reject dialog"); return }
        // Enter without text: an error, nothing sent.
        #expect(reduce(&state, .key(.enter)).isEmpty)
        guard case .reject(let empty)? = state.dialog else { Issue.record("dialog closed"); return }
        #expect(empty.error != nil && empty.focus == 1)
        _ = reduce(&state, .key(.up))  // back to the reason
        _ = reduce(&state, .key(.right))  // inaccurate
        _ = reduce(&state, .key(.tab))
        type("numbers are off", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.reject(current, version: version, reason: .inaccurate, text: "numbers are off")])

        // A conflict says so and refreshes.
        let refresh = reduce(&state, .decisionFailed(current, message: "already approved", conflict: true))
        #expect(!refresh.isEmpty)
        guard case .message(let title, _)? = state.dialog else { Issue.record("no conflict dialog"); return }
        #expect(title == "Already decided")

        // Several marked: reason first, then the preview, then one bulk request with the reason.
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .key(.char("g")))
        _ = reduce(&state, .key(.char(" ")))
        _ = reduce(&state, .key(.char(" ")))
        let ids = state.queue.markedIDs
        _ = reduce(&state, .key(.char("x")))
        _ = reduce(&state, .key(.tab))
        type("duplicate content", into: &state)
        #expect(reduce(&state, .key(.enter)).isEmpty)
        guard case .bulk(let bulk)? = state.dialog else { Issue.record("no preview"); return }
        #expect(bulk.action == .reject && bulk.reasonCode == .notRelevant)
        #expect(
            reduce(&state, .key(.char("y")))
                == [.bulk(BulkReviewRequest(action: .reject, recommendationIDs: ids, reasonCode: "not_relevant", reason: "duplicate content"))])
    }

    @Test("queue: edit opens a form with the current text and sends the changes with the version")
    func modifyFlow() {
        var state = Fixture.loadedState()
        let id = UUID(uuidString: state.queue.table.currentID!)!
        let original = state.queue.items[id]!.recommendation
        _ = reduce(&state, .key(.char("e")))
        _ = reduce(&state, .key(.ctrl("u")))
        type("Clearer title", into: &state)
        let effects = reduce(&state, .key(.enter))
        #expect(effects == [.modify(id, ReviewDecisionRequest(version: original.version, title: "Clearer title", content: original.content, rationale: original.rationale))])
    }

    @Test("detail: Enter opens it, Tab cycles panes, the trace folds and unfolds, Esc goes back with breadcrumbs")
    func detailNavigation() {
        var state = Fixture.loadedState()
        let id = UUID(uuidString: state.queue.table.currentID!)!
        #expect(reduce(&state, .key(.enter)) == [.loadDetail(id)])
        #expect(state.stack == [.queue, .detail(id)])
        #expect(state.breadcrumbs == "Review queue › Recommendation")
        let index = Fixture.recommendations.firstIndex { $0.id == id }!
        _ = reduce(&state, .detailLoaded(Fixture.detail(index)))
        _ = reduce(&state, .key(.tab))
        #expect(state.detail.pane == .trace)
        let roots = state.detail.tree.lines.filter { $0.depth == 0 }.map(\.node.label)
        #expect(roots.count == 4 && roots[3].hasPrefix("Checks:"))
        let before = state.detail.tree.lines.count
        _ = reduce(&state, .key(.char("-")))
        #expect(state.detail.tree.lines.count == 4)
        _ = reduce(&state, .key(.char("+")))
        #expect(state.detail.tree.lines.count > before)
        // ← on a child goes to its parent; Enter folds it.
        _ = reduce(&state, .key(.char("j")))
        _ = reduce(&state, .key(.left))
        #expect(state.detail.tree.cursor == 0)
        _ = reduce(&state, .key(.enter))
        #expect(!state.detail.tree.expanded.contains("engine"))
        _ = reduce(&state, .key(.tab))
        #expect(state.detail.pane == .history)
        #expect(state.detail.text.paragraphs.first?.text.contains("modify by operator@example.com") == true)
        // `a` approves this one with its version.
        #expect(reduce(&state, .key(.char("a"))) == [.approve(id, version: 1)])
        _ = reduce(&state, .key(.escape))
        #expect(state.stack == [.queue])
    }

    @Test("navigation keys respect roles; the palette completes and runs commands")
    func navigationAndPalette() {
        var state = Fixture.loadedState()
        #expect(reduce(&state, .key(.char("2"))).first.map { if case .loadAnalytics = $0 { true } else { false } } == true)
        #expect(state.page == .analytics)
        #expect(reduce(&state, .key(.char("5"))).isEmpty)  // operators are not admins
        #expect(state.page == .analytics && state.toast?.isError == true)
        _ = reduce(&state, .key(.char(":")))
        type("us", into: &state)
        #expect(state.input?.completions == ["users"])
        _ = reduce(&state, .key(.tab))
        #expect(state.input?.field.text == "users ")
        #expect(reduce(&state, .key(.enter)) == [.loadUsers(query: "")])
        #expect(state.page == .users)
        _ = reduce(&state, .key(.char(":")))
        type("queue", into: &state)
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .key(.char(":")))
        type("filter status=approved", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.loadQueue(ReviewQueueQuery(status: .approved, sort: .createdAt, descending: true, limit: 500))])
        _ = reduce(&state, .key(.char(":")))
        type("sort title", into: &state)
        _ = reduce(&state, .key(.enter))
        #expect(state.queue.table.sortColumn == 4 && !state.queue.table.descending)
        _ = reduce(&state, .key(.char(":")))
        type("bogus", into: &state)
        _ = reduce(&state, .key(.enter))
        #expect(state.toast?.text.contains("Unknown command") == true)
        _ = reduce(&state, .key(.char(":")))
        type("interval 5", into: &state)
        _ = reduce(&state, .key(.enter))
        #expect(state.refreshInterval == 5)
        _ = reduce(&state, .key(.char(":")))
        type("quit", into: &state)
        _ = reduce(&state, .key(.enter))
        #expect(state.shouldQuit)
    }

    @Test("periodic refresh fires after the interval unless paused; p toggles")
    func periodicRefresh() {
        var state = Fixture.loadedState()
        state.refreshInterval = 30
        let loaded = state.queue.lastUpdated!
        #expect(reduce(&state, .tick(loaded.addingTimeInterval(10))).isEmpty)
        #expect(reduce(&state, .tick(loaded.addingTimeInterval(31))).count == 1)
        // While that load is in flight, no second one.
        #expect(reduce(&state, .tick(loaded.addingTimeInterval(32))).isEmpty)
        _ = reduce(&state, .queueLoaded(Fixture.queuePage(), at: loaded.addingTimeInterval(32)))
        _ = reduce(&state, .key(.char("p")))
        #expect(state.paused)
        #expect(reduce(&state, .tick(loaded.addingTimeInterval(100))).isEmpty)
    }

    @Test("Me: consent is explained and confirmed; revoke can delete data; feedback and upload send what was chosen")
    func meScreen() {
        var state = AppState(server: "http://x")
        _ = reduce(&state, .signedIn(Fixture.plainUser, server: "http://x"))
        var bundle = Fixture.mine
        bundle.consent.granted = false
        _ = reduce(&state, .mineLoaded(bundle))
        _ = reduce(&state, .key(.char("c")))
        guard case .consent(let grant)? = state.dialog else { Issue.record("no consent dialog"); return }
        #expect(grant.grant)
        #expect(render(&state, width: 80, height: 24, theme: theme).text.contains("You can revoke at"))
        #expect(reduce(&state, .key(.char("y"))) == [.setConsent(grant: true, deleteData: false)])
        _ = reduce(&state, .mineLoaded(Fixture.mine))
        _ = reduce(&state, .key(.char("R")))
        _ = reduce(&state, .key(.right))  // delete it
        #expect(reduce(&state, .key(.char("y"))) == [.setConsent(grant: false, deleteData: true)])

        let first = UUID(uuidString: state.mine.table.currentID!)!
        _ = reduce(&state, .key(.char("f")))
        _ = reduce(&state, .key(.left))  // rating 4
        _ = reduce(&state, .key(.tab))
        _ = reduce(&state, .key(.right))  // not helpful
        _ = reduce(&state, .key(.tab))
        type("ok", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.feedback(first, FeedbackRequest(rating: 4, helpful: false, comment: "ok"))])

        _ = reduce(&state, .key(.char("U")))
        type("/tmp/data.json", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.upload(path: "/tmp/data.json")])
        #expect(state.mine.uploading != nil)
        _ = reduce(&state, .uploadProgress(sent: 65_536, total: 262_144))
        #expect(state.mine.uploading == "Uploading data.json (25% of 256 KB sent)")
        _ = reduce(&state, .uploadProgress(sent: 262_144, total: 262_144))
        #expect(state.mine.uploading == "Uploading data.json (100% of 256 KB sent)")
        // Operator-only pages are refused.
        #expect(reduce(&state, .key(.char("1"))).isEmpty)
        #expect(state.page == .me)
    }

    @Test("admin: lock asks first, never yourself; Tab shows the audit log")
    func adminScreen() {
        var state = AppState(server: "http://x")
        _ = reduce(&state, .signedIn(Fixture.adminUser, server: "http://x"))
        #expect(reduce(&state, .key(.char("5"))) == [.loadAdminUsers(query: ""), .loadAudit])
        _ = reduce(&state, .adminUsersLoaded(Fixture.adminUsers))
        _ = reduce(&state, .auditLoaded(Fixture.audit))
        _ = reduce(&state, .key(.char("g")))
        // Sorted by email: admin@ first, which is the signed-in admin.
        _ = reduce(&state, .key(.char("X")))
        #expect(state.dialog == nil && state.toast?.isError == true)
        _ = reduce(&state, .key(.char("j")))
        _ = reduce(&state, .key(.char("X")))
        guard case .lock(let id, _, true)? = state.dialog else { Issue.record("no lock dialog"); return }
        #expect(reduce(&state, .key(.char("y"))) == [.setLock(id, lock: true)])
        // P changes a role through a choice; never your own.
        _ = reduce(&state, .key(.char("P")))
        guard case .role(let roleID, _, _)? = state.dialog else { Issue.record("no role dialog"); return }
        #expect(roleID == id)
        _ = reduce(&state, .key(.left))  // the operator account: operator → user
        #expect(reduce(&state, .key(.enter)) == [.setRole(id, .user)])
        _ = reduce(&state, .key(.char("g")))
        _ = reduce(&state, .key(.char("P")))
        #expect(state.dialog == nil && state.toast?.isError == true)
        _ = reduce(&state, .key(.tab))
        #expect(state.admin.tab == .audit && state.admin.audit.visible.count == 8)
        _ = reduce(&state, .key(.char("s")))
        type("ana", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.loadAdminUsers(query: "ana"), .loadAudit])
    }

    @Test("users: search asks the server, Enter opens a user, Tab walks the user's tabs; analytics: d cycles the range")
    func usersAndAnalytics() {
        var state = Fixture.loadedState()
        _ = reduce(&state, .key(.char("3")))
        _ = reduce(&state, .usersLoaded(Fixture.usersPage))
        _ = reduce(&state, .key(.char("s")))
        type("rosa", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.loadUsers(query: "rosa")])
        _ = reduce(&state, .usersLoaded(Fixture.usersPage))
        _ = reduce(&state, .key(.char("g")))
        let id = UUID(uuidString: state.users.table.currentID!)!
        #expect(reduce(&state, .key(.enter)) == [.loadUser(id)])
        #expect(state.breadcrumbs == "Users › User")
        let detail = OperatorUserDetail(
            user: Fixture.usersPage.items[0].user, consent: Fixture.consentGranted, persona: Fixture.mine.profile?.persona, recentUploads: Fixture.mine.uploads,
            pendingRecommendations: 3)
        _ = reduce(&state, .userLoaded(UserBundle(detail: detail, profile: Fixture.mine.profile, history: [], recommendations: Fixture.mine.recommendations)))
        #expect(state.user.text.paragraphs.contains { $0.text.contains("pending recommendations 3") })
        _ = reduce(&state, .key(.tab))
        #expect(state.user.tab == .signals)
        #expect(state.user.text.paragraphs.contains { $0.text.hasPrefix("30-day window") })
        #expect(state.user.text.paragraphs.contains { $0.text.hasPrefix("180-day window") })
        _ = reduce(&state, .key(.backTab))
        _ = reduce(&state, .key(.backTab))
        #expect(state.user.tab == .recommendations)
        _ = reduce(&state, .key(.escape))
        #expect(state.page == .users)

        _ = reduce(&state, .key(.char("2")))
        #expect(state.analytics.days == 30)
        guard case .loadAnalytics(let from, let to)? = reduce(&state, .key(.char("d"))).first else { Issue.record("no reload"); return }
        #expect(state.analytics.days == 90 && to - from == 89)
    }

    @Test("sessions: the sign-in methods; K links a provider (choose, open the link, polls on the tick), U unlinks")
    func linkAndUnlink() {
        var state = Fixture.loadedState()
        _ = reduce(&state, .key(.char("6")))
        let methods = SignInMethods(email: "operator@example.com", password: true, phone: nil, oauth: [], totpEnabled: false)
        _ = reduce(&state, .methodsLoaded(methods))
        #expect(render(&state, width: 100, height: 30, theme: theme).text.contains("Sign in with: password"))
        // Nothing to unlink yet.
        #expect(reduce(&state, .key(.char("U"))).isEmpty)
        #expect(state.dialog == nil && state.toast?.isError == true)

        #expect(reduce(&state, .key(.char("K"))) == [.loadLinkProviders])
        _ = reduce(&state, .linkProvidersLoaded([.google, .github]))
        _ = reduce(&state, .key(.right))
        #expect(reduce(&state, .key(.enter)) == [.startLink(.github)])
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let start = OAuthStart(
            provider: .github, authorizeURL: "https://github.com/login/oauth/authorize?x", expiresIn: 600, pollHandle: "lh", interval: 2,
            openURL: "http://127.0.0.1:8000/api/v1/auth/oauth/go/ABCD2345")
        _ = reduce(&state, .linkStarted(start, at: t0))
        #expect(render(&state, width: 100, height: 30, theme: theme, now: t0).text.contains("/api/v1/auth/oauth/go/ABCD2345"))
        #expect(reduce(&state, .tick(t0.addingTimeInterval(1))).isEmpty)
        #expect(reduce(&state, .tick(t0.addingTimeInterval(2))) == [.pollLink(handle: "lh")])
        _ = reduce(&state, .linkPending(at: t0.addingTimeInterval(2)))
        let merged = MergeReport(mergedUserID: UUID(), moved: ["uploads": 1, "persona_history": 2], skipped: [:])
        var after = methods
        after.oauth = [LinkedIdentity(provider: .github, email: nil, linkedAt: t0)]
        _ = reduce(&state, .linked(LinkResult(linked: "oauth:github", merged: merged, methods: after)))
        guard case .message(let title, let lines)? = state.dialog else { Issue.record("no merge message"); return }
        #expect(title.contains("merged") && lines.joined().contains("2 persona history"))
        _ = reduce(&state, .key(.enter))
        #expect(render(&state, width: 100, height: 30, theme: theme).text.contains("Sign in with: password · GitHub"))

        // U: choose what to unlink.
        _ = reduce(&state, .key(.char("U")))
        #expect(reduce(&state, .key(.enter)) == [.unlinkMethod("github")])
        _ = reduce(&state, .unlinked(methods, label: "GitHub"))
        #expect(state.sessions.methods?.oauth.isEmpty == true && state.toast?.text == "Unlinked GitHub")

        // P links a phone number: the number, then the texted code; a wrong code keeps the dialog open.
        _ = reduce(&state, .key(.char("P")))
        type("555", into: &state)
        #expect(reduce(&state, .key(.enter)).isEmpty)
        guard case .linkPhone(let asked)? = state.dialog else { Issue.record("no phone dialog"); return }
        #expect(asked.error?.contains("country code") == true)
        _ = reduce(&state, .key(.ctrl("u")))
        type("+1 555 010 3030", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.requestLinkCode("+1 555 010 3030")])
        _ = reduce(&state, .linkCodeSent("+15550103030"))
        #expect(render(&state, width: 100, height: 30, theme: theme).text.contains("We texted a 6-digit code to +15550103030."))
        type("12a3456", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.linkPhone(phone: "+15550103030", code: "123456")])
        _ = reduce(&state, .linkPhoneFailed("That code is not right"))
        guard case .linkPhone(let retry)? = state.dialog else { Issue.record("the dialog closed"); return }
        #expect(retry.error == "That code is not right" && retry.code.text.isEmpty)
        var withPhone = methods
        withPhone.phone = "+15550103030"
        _ = reduce(&state, .linked(LinkResult(linked: "phone", merged: nil, methods: withPhone)))
        #expect(state.dialog == nil && state.sessions.methods?.phone == "+15550103030")

        // A failed poll closes the dialog with the reason; an expired link too.
        _ = reduce(&state, .key(.char("K")))
        _ = reduce(&state, .linkProvidersLoaded([.google]))
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .linkStarted(start, at: t0))
        _ = reduce(&state, .linkFailed("That identity belongs to a staff account, which cannot be merged"))
        #expect(state.dialog == nil && state.toast?.text.contains("staff account") == true)
        _ = reduce(&state, .key(.char("K")))
        _ = reduce(&state, .linkProvidersLoaded([.google]))
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .linkStarted(start, at: t0))
        #expect(reduce(&state, .tick(t0.addingTimeInterval(601))).isEmpty)
        #expect(state.dialog == nil && state.toast?.text.contains("expired") == true)
    }

    @Test("sessions: 6 lists devices; D ends another device's session after asking; your own or all sign you out")
    func sessionsScreen() {
        var state = Fixture.loadedState()
        #expect(reduce(&state, .key(.char("6"))) == [.loadSessions, .loadMethods])
        _ = reduce(&state, .sessionsLoaded(Fixture.sessions))
        #expect(state.sessions.table.visibleRows.first?.cells[0] == "SpendSense console (here)")
        _ = reduce(&state, .key(.char("j")))
        _ = reduce(&state, .key(.char("D")))
        guard case .endSession(let id?, "Firefox on Linux", false)? = state.dialog else { Issue.record("no dialog"); return }
        #expect(reduce(&state, .key(.char("y"))) == [.endSession(id)])
        #expect(reduce(&state, .sessionEnded(signedOut: false)) == [.loadSessions])
        _ = reduce(&state, .key(.char("k")))
        _ = reduce(&state, .key(.char("D")))
        #expect(reduce(&state, .key(.char("y"))) == [.signOut])
        _ = reduce(&state, .key(.char("A")))
        #expect(reduce(&state, .key(.char("n"))).isEmpty)
        _ = reduce(&state, .key(.char("A")))
        #expect(reduce(&state, .key(.char("y"))) == [.logoutEverywhere])
        // T sets up an authenticator: the key is shown, a six-digit code turns it on.
        #expect(reduce(&state, .key(.char("T"))) == [.enrollTOTP])
        _ = reduce(&state, .totpEnrollment(TOTPEnrollment(secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", otpauthURI: "otpauth://totp/SpendSense:op?secret=JBSWY3DPEHPK3PXP")))
        #expect(render(&state, width: 100, height: 30, theme: theme).text.contains("JBSW Y3DP EHPK 3PXP"))
        type("12x3456", into: &state)
        #expect(reduce(&state, .key(.enter)) == [.confirmTOTP(code: "123456")])
        _ = reduce(&state, .totpEnabled)
        #expect(state.toast?.text.contains("Authenticator on") == true)

        _ = reduce(&state, .sessionEnded(signedOut: true))
        #expect(state.page == .login && state.login.error == "Signed out everywhere")
    }

    @Test("a 401 returns to the login screen with the reason; an unreachable server shows a banner and keeps the data")
    func failures() {
        var state = Fixture.loadedState()
        _ = reduce(&state, .failed("Cannot reach the server", signedOut: false, offline: true))
        #expect(state.offline != nil && state.page == .queue && !state.queue.table.rows.isEmpty)
        #expect(render(&state, width: 80, height: 24, theme: theme).text.contains("Cannot reach the server"))
        _ = reduce(&state, .queueLoaded(Fixture.queuePage(), at: Fixture.now))
        #expect(state.offline == nil)
        _ = reduce(&state, .failed("Session has ended; sign in again", signedOut: true, offline: false))
        #expect(state.page == .login)
        #expect(state.login.error == "Session has ended; sign in again")
        #expect(state.queue.table.rows.isEmpty)
    }

    @Test("help lists every key of the screen and the shared ones; the hint bar comes from the same table")
    func helpFromRegistry() {
        var state = Fixture.loadedState()
        _ = reduce(&state, .key(.char("?")))
        let help = render(&state, width: 160, height: 48, theme: theme).text
        for line in Keymap.queue.helpLines + Keymap.global.helpLines { #expect(help.contains(line.help)) }
        #expect(reduce(&state, .key(.char("q"))).isEmpty)  // closes help only
        #expect(!state.showHelp && !state.shouldQuit)
        let bar = render(&state, width: 160, height: 48, theme: theme).text.split(separator: "\n").last.map(String.init) ?? ""
        for hint in Keymap.queue.hints { #expect(bar.contains("\(hint.key) \(hint.label)")) }
    }

    @Test("the loop signs in through effects and redraws on resize")
    func loopEndToEnd() async throws {
        let screen = MemoryScreen(width: 80, height: 24)
        let effects = ScriptedEffects { effect in
            switch effect {
            case .signIn: .signedIn(operatorUser, server: "http://x")
            case .loadQueue: .queueLoaded(Fixture.queuePage(), at: Date())
            default: nil
            }
        }
        let loop = ConsoleLoop(state: AppState(server: "http://x", email: "operator@example.com"), screen: screen, runner: effects, theme: theme)
        screen.feed(text: "secret")
        screen.feed(.enter)
        // The loop blocks its thread, as it does on the terminal's thread; give it a thread of its own so the
        // effect tasks keep the cooperative pool. The deadline only stops a broken loop: the run ends as soon as
        // the queue is there (a busy machine running the other suites can take seconds to get to the effects).
        let deadline = Date().addingTimeInterval(60)
        await onOwnThread { loop.run(pollMilliseconds: 1) { !loop.state.queue.table.rows.isEmpty || Date() > deadline } }
        #expect(loop.state.page == .queue)
        #expect(effects.asked.withLock { $0 }.first == .signIn(server: "http://x", email: "operator@example.com", password: "secret"))
        loop.draw()
        #expect(screen.text.contains("Signed in as operator@example.com"))
        #expect(screen.text.contains(Fixture.recommendations.last!.title.prefix(12)))

        screen.resize(width: 100, height: 30)
        screen.feed(.char("q"))
        await onOwnThread { loop.run(pollMilliseconds: 1) { Date() > deadline } }
        #expect(loop.state.shouldQuit)
        #expect(screen.lastFrame?.width == 100)
    }
}

@Suite("Console config")
struct ConfigTests {
    @Test("config.sample parses, and its views and key overrides take effect")
    func sample() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config.sample")
        let config = try ConsoleConfig.load(url)
        #expect(config.refreshSeconds == 30 && config.pageSize == 500 && config.theme == "standard")
        #expect(config.views["offers"] == ConsoleConfig.View(tab: .pending, sort: "-created", filter: "type:offer"))

        var overridden = try ConsoleConfig.parse(
            """
            refresh_seconds = 5   # fast
            startup_view = "mine"
            [keys]
            approve = "A"
            mark = ["m", "Space"]
            [views.mine]
            tab = "approved"
            filter = "persona:high"
            """)
        #expect(overridden.keys["approve"] == [.char("A")])
        var state = Fixture.loadedState()
        state.configure(overridden)
        #expect(state.refreshInterval == 5)
        #expect(state.queue.tab == .approved && state.queue.table.filter == "persona:high")
        // `A` approves now; `a` no longer does.
        _ = reduce(&state, .key(.char("/")))
        _ = reduce(&state, .key(.escape))
        _ = reduce(&state, .key(.char("a")))
        #expect(state.busy == nil && state.dialog == nil)
        #expect(!reduce(&state, .key(.char("A"))).isEmpty)
        let hints = Keymap.help(for: .queue, overrides: state.keyOverrides).hints
        #expect(hints.contains { $0.key == "A" && $0.label == "approve" })
        overridden.keys = [:]
        #expect(overridden.keys.isEmpty)
    }

    @Test("mistakes are reported with their line")
    func errors() {
        func message(_ text: String) -> String {
            do {
                _ = try ConsoleConfig.parse(text)
                return "no error"
            } catch {
                return String(describing: error)
            }
        }
        #expect(message("refresh_seconds = \"ten\"") == "config line 1: refresh_seconds must be a whole number in 0…3600")
        #expect(message("\n[keys]\nfrobnicate = \"f\"").hasPrefix("config line 3: unknown command frobnicate"))
        #expect(message("[keys]\napprove = \"Ctrl-\"") == "config line 2: cannot read key \"Ctrl-\"")
        #expect(message("colour = \"red\"") == "config line 1: unknown key colour")
        #expect(message("theme = loud") == "config line 1: cannot read value loud (strings need quotes)")
        #expect(message("startup_view = \"nope\"").contains("not defined"))
    }
}

@Suite("Credentials file")
struct CredentialsTests {
    @Test("a second sign-in replaces the first; the file stays private")
    func replaceAndMode() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = CredentialsStore(url: directory.appendingPathComponent("credentials.json"))
        store.save(.init(server: "http://a", email: "one@example.com", accessToken: "a1", refreshToken: "r1"))
        store.save(.init(server: "http://a", email: "two@example.com", accessToken: "a2", refreshToken: "r2"))
        #expect(store.load() == SavedCredentials(server: "http://a", email: "two@example.com", accessToken: "a2", refreshToken: "r2"))
        let mode = try FileManager.default.attributesOfItem(atPath: store.url.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        store.clearTokens()
        #expect(store.load()?.accessToken == nil && store.load()?.email == "two@example.com")
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["credentials.json"])
    }
}

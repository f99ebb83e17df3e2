import APIClient
import Foundation
import Models
import TerminalUI

/// The pure state machine of the console: every key and every network result goes through here.
func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    case .key(let key):
        return handleKey(&state, key)
    case .tick(let now):
        state.tick += 1
        return periodicRefresh(&state, now: now)
    case .signedIn(let user, let server):
        state.me = user
        state.server = server
        state.busy = nil
        state.offline = nil
        state.login.password = TextField(label: "Password", isSecret: true)
        state.login.error = nil
        state.login.challengeID = nil
        state.login.codeSentTo = nil
        state.login.oauth = nil
        state.login.code = TextField(label: "Code")
        state.toast = .init(text: "Signed in as \(user.email ?? user.phoneNumber ?? user.id.uuidString)", isError: false)
        return navigate(&state, to: state.homePage)
    case .signInFailed(let message):
        state.busy = nil
        state.login.error = message
        state.login.oauth = nil
        if state.login.challengeID != nil || state.login.codeSentTo != nil { state.login.code = TextField(label: "Code") }
        return []
    case .phoneCodeSent(let phone):
        state.busy = nil
        state.login.codeSentTo = phone
        state.login.code = TextField(label: "Code")
        state.login.error = nil
        return []
    case .mfaRequired(let challengeID):
        state.busy = nil
        state.login.oauth = nil
        state.login.challengeID = challengeID
        state.login.code = TextField(label: "Code")
        state.login.password = TextField(label: "Password", isSecret: true)
        state.login.error = nil
        return []
    case .providersLoaded(let providers):
        state.busy = nil
        guard !providers.isEmpty else {
            state.login.error = "This server offers no provider sign-in (its admin sets OAUTH_<PROVIDER>_CLIENT_ID)"
            return []
        }
        state.login.error = nil
        state.login.oauth = .init(providers: providers)
        return []
    case .oauthStarted(let start, let at):
        state.busy = nil
        state.login.oauth?.wait = BrowserWait(start, at: at)
        return []
    case .oauthPending(let at):
        state.login.oauth?.wait?.pending(at: at)
        return []
    case .meLoaded(let user):
        state.me = user
        state.busy = nil
        state.offline = nil
        if state.page == .login { return navigate(&state, to: state.homePage) }
        return []
    case .meFailed(let message, let signedOut):
        return reduce(&state, .failed(message, signedOut: signedOut, offline: false))
    case .signedOut:
        state = signedOutState(from: state, message: nil)
        state.toast = .init(text: "Signed out", isError: false)
        return []
    case .queueLoaded(let page, let at):
        state.busy = nil
        state.offline = nil
        state.queue.loading = false
        state.queue.lastUpdated = at
        state.queue.total = page.total
        state.queue.items = Dictionary(page.items.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        state.queue.table.setRows(page.items.map { queueRow($0, ascii: state.ascii) })
        return []
    case .detailLoaded(let detail):
        state.busy = nil
        state.offline = nil
        state.detail.loading = false
        if state.detail.id != detail.item.id {
            state.detail.pane = .content
            state.detail.tree = TreeModel(roots: traceTree(detail.item.recommendation.decisionTrace))
        } else {
            var tree = state.detail.tree
            tree.roots = traceTree(detail.item.recommendation.decisionTrace)
            state.detail.tree = tree
        }
        state.detail.id = detail.item.id
        state.detail.detail = detail
        let scroll = state.detail.text.scroll
        state.detail.text = TextViewModel(paragraphs: detailParagraphs(detail, pane: state.detail.pane, ascii: state.ascii))
        state.detail.text.scroll = scroll
        return []
    case .decided(let recommendation, let verb):
        state.busy = nil
        state.toast = .init(text: "\(verb) “\(recommendation.title)”", isError: false)
        state.queue.table.unmark([recommendation.id.uuidString.lowercased()])
        return refreshEffects(&state)
    case .decisionFailed(let id, let message, let conflict):
        state.busy = nil
        if conflict {
            let title = state.queue.items[id]?.recommendation.title ?? state.detail.detail?.item.recommendation.title ?? id.uuidString
            state.dialog = .message(
                title: "Already decided", lines: ["“\(title)” was decided by someone else meanwhile.", message, "", "The list is refreshed; press any key."])
            return refreshEffects(&state)
        }
        state.toast = .init(text: message, isError: true)
        return []
    case .bulkDone(let result, let action):
        state.busy = nil
        let done = result.results.filter { $0.result == "approved" || $0.result == "rejected" }
        state.queue.table.unmark(done.map { $0.recommendationID.uuidString.lowercased() })
        let problems = result.results.filter { $0.result != "approved" && $0.result != "rejected" }
        var lines = ["\(done.count) \(action == .approve ? "approved" : "rejected"), \(problems.count) not changed."]
        if !problems.isEmpty {
            lines.append("")
            for problem in problems.prefix(8) {
                let title = state.queue.items[problem.recommendationID]?.recommendation.title ?? problem.recommendationID.uuidString
                lines.append("\(problem.result): \(TextWidth.truncate(title, to: 40))\(problem.detail.map { " (\($0))" } ?? "")")
            }
            if problems.count > 8 { lines.append("… and \(problems.count - 8) more (still marked)") }
        }
        if problems.isEmpty {
            state.toast = .init(text: lines[0], isError: false)
        } else {
            lines += ["", "Press any key."]
            state.dialog = .message(title: "Bulk \(action.rawValue)", lines: lines)
        }
        return refreshEffects(&state)
    case .analyticsLoaded(let report, let at):
        state.busy = nil
        state.offline = nil
        state.analytics.loading = false
        state.analytics.report = report
        state.analytics.lastUpdated = at
        return []
    case .usersLoaded(let page):
        state.busy = nil
        state.users.loading = false
        state.users.rows = Dictionary(page.items.map { ($0.user.id, $0) }, uniquingKeysWith: { $1 })
        state.users.table.setRows(page.items.map { row in
            TableRow(
                id: row.user.id.uuidString.lowercased(),
                cells: [row.user.name ?? "—", row.user.email ?? "—", row.user.role.rawValue, row.persona?.title ?? "—", row.consentGranted ? "yes" : "no"])
        })
        return []
    case .userLoaded(let bundle):
        state.busy = nil
        state.user.loading = false
        state.user.detail = bundle.detail
        state.user.profile = bundle.profile
        state.user.history = bundle.history
        state.user.recommendations = bundle.recommendations
        state.user.ascii = state.ascii
        state.user.text = TextViewModel(paragraphs: userParagraphs(state.user))
        return []
    case .mineLoaded(let bundle):
        state.busy = nil
        state.mine.loading = false
        state.mine.profile = bundle.profile
        state.mine.consent = bundle.consent
        state.mine.uploads = bundle.uploads
        state.mine.recommendations = Dictionary(bundle.recommendations.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        state.mine.table.setRows(bundle.recommendations.map { item in
            TableRow(
                id: item.id.uuidString.lowercased(),
                cells: [item.type == .education ? "learn" : "offer", item.title, dayText(item.updatedAt)])
        })
        return []
    case .consentChanged(let consent, let message):
        state.busy = nil
        state.mine.consent = consent
        state.toast = .init(text: message, isError: false)
        return [.loadMine]
    case .feedbackSent:
        state.busy = nil
        state.toast = .init(text: "Thanks — your feedback was sent", isError: false)
        return []
    case .uploadProgress(let sent, let total):
        guard let uploading = state.mine.uploading else { return [] }
        let name = uploading.components(separatedBy: " (").first ?? uploading
        let percent = total > 0 ? sent * 100 / total : 100
        state.mine.uploading = "\(name) (\(percent)% of \(total / 1024) KB sent)"
        state.busy = state.mine.uploading
        return []
    case .uploaded(let upload):
        state.busy = nil
        state.mine.uploading = nil
        state.toast = .init(text: "Uploaded \(upload.fileName) (\(upload.fileSize) bytes): \(upload.status.rawValue)", isError: false)
        return [.loadMine]
    case .adminUsersLoaded(let page):
        state.busy = nil
        state.admin.loading = false
        state.admin.userRows = Dictionary(page.items.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        state.admin.users.setRows(page.items.map { user in
            TableRow(
                id: user.id.uuidString.lowercased(),
                cells: [user.email ?? "—", user.name ?? "—", user.role.rawValue, user.isLocked ? "yes" : "no", dayText(user.createdAt)])
        })
        return []
    case .auditLoaded(let page):
        state.busy = nil
        state.admin.audit.setRows(page.items.map { entry in
            TableRow(
                id: entry.id.uuidString.lowercased(),
                cells: [timeText(entry.at, seconds: true), entry.action, entry.outcome, entry.actorID.map { String($0.uuidString.lowercased().prefix(8)) } ?? "—",
                        [entry.targetType, entry.targetID].compactMap { $0 }.joined(separator: " ")])
        })
        return []
    case .sessionsLoaded(let sessions):
        state.busy = nil
        state.sessions.loading = false
        state.sessions.items = Dictionary(sessions.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        state.sessions.table.setRows(sessions.map { session in
            TableRow(
                id: session.id.uuidString.lowercased(),
                cells: [session.deviceName + (session.current ? " (here)" : ""), session.ip ?? "—", timeText(session.lastUsedAt), timeText(session.createdAt)],
                sortKeys: [.text(session.deviceName.lowercased()), .text(session.ip ?? ""), .number(session.lastUsedAt.timeIntervalSince1970),
                           .number(session.createdAt.timeIntervalSince1970)])
        }, dropMissingMarks: true)
        return []
    case .methodsLoaded(let methods):
        state.sessions.methods = methods
        return []
    case .linkProvidersLoaded(let providers):
        state.busy = nil
        guard !providers.isEmpty else {
            state.toast = .init(text: "This server offers no providers to link", isError: true)
            return []
        }
        state.dialog = .link(LinkDialog(providers: providers))
        return []
    case .linkStarted(let start, let at):
        state.busy = nil
        guard case .link(var dialog) = state.dialog else { return [] }
        dialog.wait = BrowserWait(start, at: at)
        state.dialog = .link(dialog)
        return []
    case .linkPending(let at):
        guard case .link(var dialog) = state.dialog else { return [] }
        dialog.wait?.pending(at: at)
        state.dialog = .link(dialog)
        return []
    case .linked(let result):
        state.busy = nil
        switch state.dialog {
        case .link, .linkPhone: state.dialog = nil
        default: break
        }
        state.sessions.methods = result.methods
        if let merged = result.merged {
            let moved = merged.moved.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.replacingOccurrences(of: "_", with: " "))" }
            state.dialog = .message(
                title: "Linked, and accounts merged",
                lines: ["That identity belonged to another account; it is now part of yours.", ""]
                    + (moved.isEmpty ? ["Nothing else needed to move."] : ["Moved: " + moved.joined(separator: ", ")]))
        } else {
            let name = OAuthProviderID(rawValue: String(result.linked.dropFirst("oauth:".count)))?.displayName ?? result.linked
            state.toast = .init(text: "Linked \(name)", isError: false)
        }
        return []
    case .linkFailed(let message):
        if case .link = state.dialog { state.dialog = nil }
        state.busy = nil
        state.toast = .init(text: message, isError: true)
        return []
    case .linkCodeSent(let phone):
        state.busy = nil
        guard case .linkPhone(var dialog) = state.dialog else { return [] }
        dialog.sentTo = phone
        dialog.error = nil
        state.dialog = .linkPhone(dialog)
        return []
    case .linkPhoneFailed(let message):
        state.busy = nil
        guard case .linkPhone(var dialog) = state.dialog else { return [] }
        dialog.error = message
        dialog.code = TextField(label: "Code")
        state.dialog = .linkPhone(dialog)
        return []
    case .unlinked(let methods, let label):
        state.busy = nil
        state.sessions.methods = methods
        state.toast = .init(text: "Unlinked \(label)", isError: false)
        return []
    case .totpEnrollment(let enrollment):
        state.busy = nil
        state.dialog = .totp(secret: enrollment.secret, uri: enrollment.otpauthURI, code: TextField(label: "Code"))
        return []
    case .totpEnabled:
        state.busy = nil
        state.toast = .init(text: "Authenticator on: sign-in now asks for its code", isError: false)
        return []
    case .sessionEnded(let signedOut):
        state.busy = nil
        if signedOut {
            state = signedOutState(from: state, message: "Signed out everywhere")
            return []
        }
        state.toast = .init(text: "Session ended; that device is signed out", isError: false)
        return [.loadSessions]
    case .roleChanged(let user):
        state.busy = nil
        state.toast = .init(text: "\(user.email ?? "User") is now \(user.role.rawValue)", isError: false)
        return [.loadAdminUsers(query: state.admin.search), .loadAudit]
    case .lockChanged(let user):
        state.busy = nil
        state.toast = .init(text: "\(user.email ?? "User") is \(user.isLocked ? "locked" : "unlocked")", isError: false)
        return [.loadAdminUsers(query: state.admin.search), .loadAudit]
    case .failed(let message, let signedOut, let offline):
        state.busy = nil
        if case .link = state.dialog { state.dialog = nil }
        state.queue.loading = false
        state.detail.loading = false
        state.analytics.loading = false
        state.users.loading = false
        state.user.loading = false
        state.mine.loading = false
        state.mine.uploading = nil
        state.admin.loading = false
        if signedOut {
            state = signedOutState(from: state, message: message)
        } else if offline {
            state.offline = message
        } else {
            state.toast = .init(text: message, isError: true)
        }
        return []
    case .effectFinished:
        return []
    }
}

private func signedOutState(from state: AppState, message: String?) -> AppState {
    var fresh = AppState(server: state.server, email: state.login.email.text)
    fresh.refreshInterval = state.refreshInterval
    fresh.ascii = state.ascii
    fresh.keyOverrides = state.keyOverrides
    fresh.views = state.views
    fresh.queue.pageSize = state.queue.pageSize
    fresh.login.error = message
    return fresh
}

// MARK: - Navigation and refresh

/// Opens a page: top-level pages replace the stack, drill-downs push onto it.
func navigate(_ state: inout AppState, to page: Route) -> [Effect] {
    switch page {
    case .queue, .analytics, .users:
        guard state.isStaff else {
            state.toast = .init(text: "\(page.title) is for operators", isError: true)
            return []
        }
    case .admin:
        guard state.isAdmin else {
            state.toast = .init(text: "Admin is for administrators", isError: true)
            return []
        }
    default: break
    }
    switch page {
    case .detail, .user:
        if state.stack.last != page { state.stack.append(page) }
    default:
        state.stack = [page]
    }
    state.input = nil
    return load(&state, page)
}

/// The effects that (re)load a page's data.
private func load(_ state: inout AppState, _ page: Route) -> [Effect] {
    switch page {
    case .login:
        return []
    case .queue:
        state.queue.loading = true
        return [.loadQueue(state.queue.query)]
    case .detail(let id):
        state.detail.loading = true
        if state.detail.id != id {
            state.detail.detail = nil
            state.detail.text = TextViewModel()
        }
        return [.loadDetail(id)]
    case .analytics:
        state.analytics.loading = true
        let (from, to) = analyticsRange(days: state.analytics.days, now: Date())
        return [.loadAnalytics(from: from, to: to)]
    case .users:
        state.users.loading = true
        return [.loadUsers(query: state.users.search)]
    case .user(let id):
        state.user.loading = true
        if state.user.id != id {
            state.user = UserScreen()
            state.user.id = id
            state.user.loading = true
        }
        return [.loadUser(id)]
    case .me:
        state.mine.loading = true
        return [.loadMine]
    case .admin:
        state.admin.loading = true
        return [.loadAdminUsers(query: state.admin.search), .loadAudit]
    case .sessions:
        state.sessions.loading = true
        return [.loadSessions, .loadMethods]
    }
}

func refreshEffects(_ state: inout AppState) -> [Effect] { load(&state, state.page) }

func analyticsRange(days: Int, now: Date) -> (Day, Day) {
    let today = Day(date: now)
    return (today.adding(days: -(days - 1)), today)
}

/// Periodic refresh of list pages, unless paused, off, or already loading.
private func periodicRefresh(_ state: inout AppState, now: Date) -> [Effect] {
    if state.page == .login { return pollProviderSignIn(&state, now: now) }
    if case .link(var dialog) = state.dialog, var wait = dialog.wait {
        switch wait.tick(now) {
        case .wait: return []
        case .expired:
            state.dialog = nil
            state.toast = .init(text: "The link expired; press K to start again", isError: true)
            return []
        case .poll(let handle):
            dialog.wait = wait
            state.dialog = .link(dialog)
            return [.pollLink(handle: handle)]
        }
    }
    guard state.refreshInterval > 0, !state.paused, state.dialog == nil, state.me != nil else { return [] }
    let interval = TimeInterval(state.refreshInterval)
    switch state.page {
    case .queue:
        guard !state.queue.loading, let last = state.queue.lastUpdated, now.timeIntervalSince(last) >= interval else { return [] }
        return load(&state, .queue)
    case .analytics:
        guard !state.analytics.loading, let last = state.analytics.lastUpdated, now.timeIntervalSince(last) >= interval else { return [] }
        return load(&state, .analytics)
    default:
        return []
    }
}

/// The device flow's clock: poll when due, give up when the link expires.
private func pollProviderSignIn(_ state: inout AppState, now: Date) -> [Effect] {
    guard var wait = state.login.oauth?.wait else { return [] }
    switch wait.tick(now) {
    case .wait: return []
    case .expired:
        state.login.oauth = nil
        state.login.error = "The sign-in link expired; press Ctrl-O to start again"
        return []
    case .poll(let handle):
        state.login.oauth?.wait = wait
        return [.pollOAuth(server: state.login.server.text.trimmingCharacters(in: .whitespaces), handle: handle)]
    }
}

// MARK: - Keys

private func handleKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    if key == .resize { return [] }
    if state.showHelp {
        // Any key closes help; it is not passed on.
        state.showHelp = false
        return []
    }
    if state.dialog != nil { return handleDialogKey(&state, key) }
    if state.input != nil { return handleInputKey(&state, key) }
    state.toast = nil
    if state.page == .login { return handleLoginKey(&state, key) }

    switch state.page {
    case .queue:
        if let command = Keymap.queue.applying(state.keyOverrides).command(for: key) { return queueCommand(&state, command) }
    case .detail:
        if let command = Keymap.detail.applying(state.keyOverrides).command(for: key) { return detailCommand(&state, command) }
    case .users:
        if let command = Keymap.users.applying(state.keyOverrides).command(for: key) { return usersCommand(&state, command) }
    case .user:
        if let command = Keymap.user.applying(state.keyOverrides).command(for: key) { return userCommand(&state, command) }
    case .me:
        if let command = Keymap.me.applying(state.keyOverrides).command(for: key) { return meCommand(&state, command) }
    case .admin:
        if let command = Keymap.admin.applying(state.keyOverrides).command(for: key) { return adminCommand(&state, command) }
    case .sessions:
        if let command = Keymap.sessions.applying(state.keyOverrides).command(for: key) { return sessionsCommand(&state, command) }
    case .analytics:
        if Keymap.analytics.applying(state.keyOverrides).command(for: key) == .range {
            state.analytics.rangeIndex = (state.analytics.rangeIndex + 1) % AnalyticsScreen.ranges.count
            return load(&state, .analytics)
        }
    case .login:
        break
    }
    guard let command = Keymap.global.applying(state.keyOverrides).command(for: key) else { return [] }
    return globalCommand(&state, command)
}

private func globalCommand(_ state: inout AppState, _ command: GlobalCommand) -> [Effect] {
    switch command {
    case .help:
        state.showHelp = true
    case .palette:
        state.input = .init(purpose: .palette, field: TextField(label: ":"), completions: Palette.completions(for: ""))
    case .back:
        if state.stack.count > 1 {
            state.stack.removeLast()
            return load(&state, state.page)
        }
        state.shouldQuit = true
    case .quit:
        state.shouldQuit = true
    case .queue: return navigate(&state, to: .queue)
    case .analytics: return navigate(&state, to: .analytics)
    case .users: return navigate(&state, to: .users)
    case .me: return navigate(&state, to: .me)
    case .admin: return navigate(&state, to: .admin)
    case .sessions: return navigate(&state, to: .sessions)
    case .refresh:
        state.busy = "Refreshing…"
        return refreshEffects(&state)
    case .pause:
        state.paused.toggle()
        state.toast = .init(text: state.paused ? "Periodic refresh paused (p resumes)" : "Periodic refresh every \(state.refreshInterval) s", isError: false)
    case .signOut:
        state.busy = "Signing out…"
        return [.signOut]
    }
    return []
}

/// A six-digit code field: digits only, at most six.
private func editCode(_ field: inout TextField, _ key: Key) {
    if case .char(let character) = key, !character.isNumber { return }
    if field.text.count < 6 || key == .backspace || key == .delete || key == .left || key == .right { field.handle(key) }
}

private func handleLoginKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    // Provider sign-in: choose a provider, then wait for the browser.
    if let step = state.login.oauth {
        let registry = step.wait == nil ? Keymap.providerChoice : Keymap.providerWait
        switch registry.command(for: key) {
        case .cancel:
            state.login.oauth = nil
            state.busy = nil
            state.login.error = "Sign-in cancelled"
        case _ where step.wait != nil || state.busy != nil:
            break
        case .previous:
            state.login.oauth?.selected = (step.selected + step.providers.count - 1) % step.providers.count
        case .next:
            state.login.oauth?.selected = (step.selected + 1) % step.providers.count
        case .choose:
            state.busy = "Asking \(step.provider.displayName)…"
            return [.startOAuth(server: state.login.server.text.trimmingCharacters(in: .whitespaces), provider: step.provider)]
        case nil:
            // A provider's initial picks it: g, h (GitHub), f, a.
            guard case .char(let character) = key else { break }
            let letter = character.lowercased()
            if let index = step.providers.firstIndex(where: { $0.displayName.lowercased().hasPrefix(letter) || ($0 == .github && letter == "h") }) {
                state.login.oauth?.selected = index
            }
        }
        return []
    }
    // Phone sign-in, second step: the texted code.
    if let phone = state.login.codeSentTo, state.login.challengeID == nil {
        switch key {
        case .escape:
            state.login.codeSentTo = nil
            state.login.error = "Sign-in cancelled"
        case .enter:
            let code = state.login.code.text
            guard code.count == 6, state.busy == nil else {
                state.login.error = "Enter the 6-digit code from the text message"
                return []
            }
            state.busy = "Checking the code…"
            return [.verifyPhoneCode(server: state.login.server.text.trimmingCharacters(in: .whitespaces), phone: phone, code: code)]
        default:
            editCode(&state.login.code, key)
        }
        return []
    }
    // The second step: only the authenticator code.
    if let challengeID = state.login.challengeID {
        switch key {
        case .escape:
            state.login.challengeID = nil
            state.login.code = TextField(label: "Code")
            state.login.focus = 2
            state.login.error = "Sign-in cancelled"
        case .enter:
            let code = state.login.code.text.filter(\.isNumber)
            guard code.count == 6, state.busy == nil else {
                state.login.error = "Enter the 6-digit code from your authenticator app"
                return []
            }
            state.login.error = nil
            state.busy = "Checking the code…"
            return [.verifyMFA(server: state.login.server.text.trimmingCharacters(in: .whitespaces), challengeID: challengeID, code: code)]
        default:
            editCode(&state.login.code, key)
        }
        return []
    }
    guard let command = Keymap.login.applying(state.keyOverrides).command(for: key) else {
        state.login.withFocused { $0.handle(key) }
        return []
    }
    let fieldCount = state.login.usePhone ? 2 : 3
    switch command {
    case .phone:
        state.login.usePhone.toggle()
        state.login.focus = 1
        state.login.error = nil
    case .oauth:
        let server = state.login.server.text.trimmingCharacters(in: .whitespaces)
        guard state.busy == nil else { return [] }
        guard !server.isEmpty, URL(string: server)?.scheme != nil else {
            state.login.focus = 0
            state.login.error = "Server must be a URL such as http://127.0.0.1:8000"
            return []
        }
        state.login.error = nil
        state.busy = "Asking the server for its sign-in providers…"
        return [.loadProviders(server: server)]
    case .nextField:
        state.login.focus = (state.login.focus + 1) % fieldCount
    case .previousField:
        state.login.focus = (state.login.focus + fieldCount - 1) % fieldCount
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
        if state.login.usePhone {
            let phone = state.login.phone.text.trimmingCharacters(in: .whitespaces)
            guard PhoneNumber.normalize(phone) != nil else {
                state.login.focus = 1
                state.login.error = "Phone numbers start with + and the country code, e.g. +15551234567"
                return []
            }
            state.login.error = nil
            state.busy = "Texting a code…"
            return [.requestPhoneCode(server: server, phone: phone)]
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

// MARK: Queue

private func queueCommand(_ state: inout AppState, _ command: QueueCommand) -> [Effect] {
    let page = 10
    switch command {
    case .up: state.queue.table.move(by: -1)
    case .down: state.queue.table.move(by: 1)
    case .pageUp: state.queue.table.move(by: -page)
    case .pageDown: state.queue.table.move(by: page)
    case .top: state.queue.table.moveToTop()
    case .bottom: state.queue.table.moveToBottom()
    case .open:
        guard let id = state.queue.table.currentID.flatMap(UUID.init(uuidString:)) else { return [] }
        return navigate(&state, to: .detail(id))
    case .mark: state.queue.table.toggleMark()
    case .markRange:
        state.queue.table.markRange()
        if state.queue.table.rangeAnchor != nil { state.toast = .init(text: "Range starts here; press v at the other end", isError: false) }
    case .markAll: state.queue.table.markAllVisible()
    case .clearMarks: state.queue.table.clearMarks()
    case .sortLeft, .sortRight, .invert:
        if command == .sortLeft { state.queue.table.sortPrevious() }
        if command == .sortRight { state.queue.table.sortNext() }
        if command == .invert { state.queue.table.invertSort() }
        // The local sort is immediate; the server is asked again so the loaded window follows the order.
        guard QueueScreen.serverSort[state.queue.table.sortColumn] != nil else { return [] }
        return load(&state, .queue)
    case .filter:
        state.input = .init(purpose: .filter, field: TextField(label: "/", text: state.queue.table.filter))
    case .nextTab, .previousTab:
        let count = QueueTab.allCases.count
        let next = (state.queue.tab.rawValue + (command == .nextTab ? 1 : count - 1)) % count
        state.queue.tab = QueueTab(rawValue: next)!
        return load(&state, .queue)
    case .approve:
        return startDecision(&state, .approve)
    case .reject:
        return startDecision(&state, .reject)
    case .modify:
        guard let id = state.queue.table.currentID.flatMap(UUID.init(uuidString:)), let item = state.queue.items[id] else { return [] }
        openModify(&state, item.recommendation)
    }
    return []
}

/// Approve or reject the marked rows (a preview dialog) or the current one.
private func startDecision(_ state: inout AppState, _ action: ReviewAction) -> [Effect] {
    let marked = state.queue.markedIDs
    let ids: [UUID]
    if !marked.isEmpty {
        ids = marked
    } else if let id = state.queue.table.currentID.flatMap(UUID.init(uuidString:)) {
        ids = [id]
    } else {
        return []
    }
    let items = ids.compactMap { state.queue.items[$0] }
    let undecided = items.filter { $0.recommendation.status == .pending }
    guard !undecided.isEmpty else {
        state.toast = .init(text: ids.count == 1 ? "This one is already decided" : "None of the marked items is pending", isError: true)
        return []
    }
    let titles = undecided.map(\.recommendation.title)
    let versions = Dictionary(undecided.map { ($0.id, $0.recommendation.version) }, uniquingKeysWith: { $1 })
    switch action {
    case .approve where marked.isEmpty:
        let item = undecided[0]
        state.busy = "Approving…"
        return [.approve(item.id, version: item.recommendation.version)]
    case .approve:
        state.dialog = .bulk(BulkDialog(action: .approve, ids: undecided.map(\.id), titles: titles))
    case .reject:
        state.dialog = .reject(RejectDialog(ids: undecided.map(\.id), versions: versions, titles: titles))
    case .modify:
        break
    }
    return []
}

private func openModify(_ state: inout AppState, _ recommendation: Recommendation) {
    guard recommendation.status == .pending else {
        state.toast = .init(text: "Only pending recommendations can be edited", isError: true)
        return
    }
    state.dialog = .modify(
        ModifyDialog(
            id: recommendation.id, version: recommendation.version, title: TextField(label: "Title", text: recommendation.title),
            content: TextField(label: "Content", text: recommendation.content), rationale: TextField(label: "Rationale", text: recommendation.rationale)))
}

// MARK: Detail

private func detailCommand(_ state: inout AppState, _ command: DetailCommand) -> [Effect] {
    let inTrace = state.detail.pane == .trace
    switch command {
    case .up: if inTrace { state.detail.tree.move(by: -1) } else { state.detail.text.scroll(by: -1) }
    case .down: if inTrace { state.detail.tree.move(by: 1) } else { state.detail.text.scroll(by: 1) }
    case .pageUp: if inTrace { state.detail.tree.move(by: -10) } else { state.detail.text.scroll(by: -10) }
    case .pageDown: if inTrace { state.detail.tree.move(by: 10) } else { state.detail.text.scroll(by: 10) }
    case .nextPane:
        state.detail.pane = DetailScreen.Pane(rawValue: (state.detail.pane.rawValue + 1) % 3)!
        if let detail = state.detail.detail { state.detail.text = TextViewModel(paragraphs: detailParagraphs(detail, pane: state.detail.pane, ascii: state.ascii)) }
    case .toggle: state.detail.tree.toggle()
    case .expand: state.detail.tree.expand()
    case .collapse: state.detail.tree.collapse()
    case .expandAll: state.detail.tree.expandAll()
    case .collapseAll: state.detail.tree.collapseAll()
    case .approve, .reject, .modify:
        guard let recommendation = state.detail.detail?.item.recommendation else { return [] }
        guard recommendation.status == .pending else {
            state.toast = .init(text: "Already \(recommendation.status.rawValue)", isError: true)
            return []
        }
        if command == .approve {
            state.busy = "Approving…"
            return [.approve(recommendation.id, version: recommendation.version)]
        }
        if command == .reject {
            state.dialog = .reject(RejectDialog(ids: [recommendation.id], versions: [recommendation.id: recommendation.version], titles: [recommendation.title]))
        } else {
            openModify(&state, recommendation)
        }
    }
    return []
}

// MARK: Users, user, me, admin

private func usersCommand(_ state: inout AppState, _ command: ListCommand) -> [Effect] {
    switch command {
    case .up: state.users.table.move(by: -1)
    case .down: state.users.table.move(by: 1)
    case .pageUp: state.users.table.move(by: -10)
    case .pageDown: state.users.table.move(by: 10)
    case .top: state.users.table.moveToTop()
    case .bottom: state.users.table.moveToBottom()
    case .open:
        guard let id = state.users.table.currentID.flatMap(UUID.init(uuidString:)) else { return [] }
        return navigate(&state, to: .user(id))
    case .search:
        state.input = .init(purpose: .userSearch, field: TextField(label: "search", text: state.users.search))
    case .filter:
        state.input = .init(purpose: .filter, field: TextField(label: "/", text: state.users.table.filter))
    case .sortLeft: state.users.table.sortPrevious()
    case .sortRight: state.users.table.sortNext()
    case .invert: state.users.table.invertSort()
    case .nextTab, .previousTab: break
    }
    return []
}

private func userCommand(_ state: inout AppState, _ command: ListCommand) -> [Effect] {
    switch command {
    case .up: state.user.text.scroll(by: -1)
    case .down: state.user.text.scroll(by: 1)
    case .pageUp: state.user.text.scroll(by: -10)
    case .pageDown: state.user.text.scroll(by: 10)
    case .nextTab, .previousTab:
        let count = UserScreen.Tab.allCases.count
        state.user.tab = UserScreen.Tab(rawValue: (state.user.tab.rawValue + (command == .nextTab ? 1 : count - 1)) % count)!
        state.user.ascii = state.ascii
        state.user.text = TextViewModel(paragraphs: userParagraphs(state.user))
    default: break
    }
    return []
}

private func meCommand(_ state: inout AppState, _ command: MeCommand) -> [Effect] {
    switch command {
    case .up: state.mine.table.move(by: -1)
    case .down: state.mine.table.move(by: 1)
    case .grant:
        guard state.mine.consent?.granted != true else {
            state.toast = .init(text: "Consent is already granted", isError: false)
            return []
        }
        state.dialog = .consent(ConsentDialog(grant: true))
    case .revoke:
        guard state.mine.consent?.granted == true else {
            state.toast = .init(text: "Consent is not granted", isError: false)
            return []
        }
        state.dialog = .consent(ConsentDialog(grant: false))
    case .feedback:
        guard let id = state.mine.table.currentID.flatMap(UUID.init(uuidString:)), let item = state.mine.recommendations[id] else {
            state.toast = .init(text: "Select a recommendation first", isError: true)
            return []
        }
        state.dialog = .feedback(FeedbackDialog(id: id, title: item.title))
    case .upload:
        state.input = .init(purpose: .uploadPath, field: TextField(label: "file"))
    }
    return []
}

private func adminCommand(_ state: inout AppState, _ command: AdminCommand) -> [Effect] {
    let onUsers = state.admin.tab == .users
    switch command {
    case .up: if onUsers { state.admin.users.move(by: -1) } else { state.admin.audit.move(by: -1) }
    case .down: if onUsers { state.admin.users.move(by: 1) } else { state.admin.audit.move(by: 1) }
    case .pageUp: if onUsers { state.admin.users.move(by: -10) } else { state.admin.audit.move(by: -10) }
    case .pageDown: if onUsers { state.admin.users.move(by: 10) } else { state.admin.audit.move(by: 10) }
    case .top: if onUsers { state.admin.users.moveToTop() } else { state.admin.audit.moveToTop() }
    case .bottom: if onUsers { state.admin.users.moveToBottom() } else { state.admin.audit.moveToBottom() }
    case .nextTab: state.admin.tab = onUsers ? .audit : .users
    case .search:
        state.input = .init(purpose: .adminSearch, field: TextField(label: "search", text: state.admin.search))
    case .filter:
        state.input = .init(purpose: .filter, field: TextField(label: "/", text: onUsers ? state.admin.users.filter : state.admin.audit.filter))
    case .lock, .unlock:
        guard onUsers, let id = state.admin.users.currentID.flatMap(UUID.init(uuidString:)), let user = state.admin.userRows[id] else { return [] }
        if user.id == state.me?.id {
            state.toast = .init(text: "You cannot lock yourself out", isError: true)
            return []
        }
        state.dialog = .lock(userID: id, email: user.email ?? id.uuidString, lock: command == .lock)
    case .role:
        guard onUsers, let id = state.admin.users.currentID.flatMap(UUID.init(uuidString:)), let user = state.admin.userRows[id] else { return [] }
        if user.id == state.me?.id {
            state.toast = .init(text: "Another admin has to change your role", isError: true)
            return []
        }
        let roles = [Role.user, .operator, .admin]
        state.dialog = .role(
            userID: id, email: user.email ?? id.uuidString,
            choice: ChoiceField(label: "Role", options: roles.map(\.rawValue), selected: roles.firstIndex(of: user.role) ?? 0))
    }
    return []
}

private func sessionsCommand(_ state: inout AppState, _ command: SessionsCommand) -> [Effect] {
    switch command {
    case .up: state.sessions.table.move(by: -1)
    case .down: state.sessions.table.move(by: 1)
    case .end:
        guard let id = state.sessions.table.currentID.flatMap(UUID.init(uuidString:)), let session = state.sessions.items[id] else { return [] }
        state.dialog = .endSession(id: id, name: session.deviceName, current: session.current)
    case .endAll:
        state.dialog = .endSession(id: nil, name: "every device", current: true)
    case .authenticator:
        state.busy = "Starting authenticator setup…"
        return [.enrollTOTP]
    case .link:
        state.busy = "Asking the server for its providers…"
        return [.loadLinkProviders]
    case .linkPhone:
        state.dialog = .linkPhone(LinkPhoneDialog())
    case .unlink:
        guard let methods = state.sessions.methods else { return [] }
        let options = methods.oauth.map { ($0.provider.displayName, $0.provider.rawValue) } + (methods.phone.map { [("Phone \($0)", "phone")] } ?? [])
        guard !options.isEmpty else {
            state.toast = .init(text: "No provider or phone number is linked", isError: true)
            return []
        }
        state.dialog = .unlink(choice: ChoiceField(label: "Unlink", options: options.map(\.0)), values: options.map(\.1))
    }
    return []
}

// MARK: - Input line

/// The table the `/` filter applies to on the current page.
private func withFilteredTable(_ state: inout AppState, _ change: (inout TableModel) -> Void) {
    switch state.page {
    case .queue: change(&state.queue.table)
    case .users: change(&state.users.table)
    case .me: change(&state.mine.table)
    case .admin: if state.admin.tab == .users { change(&state.admin.users) } else { change(&state.admin.audit) }
    default: break
    }
}

private func handleInputKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard var input = state.input else { return [] }
    switch key {
    case .escape:
        if input.purpose == .filter { withFilteredTable(&state) { $0.setFilter("") } }
        state.input = nil
        return []
    case .enter:
        state.input = nil
        let text = input.field.text.trimmingCharacters(in: .whitespaces)
        switch input.purpose {
        case .filter: return []
        case .palette: return runPalette(&state, text)
        case .userSearch:
            state.users.search = text
            return load(&state, .users)
        case .adminSearch:
            state.admin.search = text
            return load(&state, .admin)
        case .uploadPath:
            guard !text.isEmpty else { return [] }
            let path = (text as NSString).expandingTildeInPath
            state.mine.uploading = "Uploading \((path as NSString).lastPathComponent)"
            state.busy = state.mine.uploading
            return [.upload(path: path)]
        }
    case .tab where input.purpose == .palette:
        if let first = input.completions.first {
            input.field = TextField(label: ":", text: first + " ")
            input.completions = []
        }
        state.input = input
        return []
    default:
        input.field.handle(key)
        if input.purpose == .palette { input.completions = Palette.completions(for: input.field.text) }
        if input.purpose == .filter {
            let text = input.field.text
            withFilteredTable(&state) { $0.setFilter(text) }
        }
        state.input = input
        return []
    }
}

/// Applies a saved view (tab, sort, filter) to the queue.
func applyView(_ view: ConsoleConfig.View, to state: inout AppState) {
    if let tab = view.tab { state.queue.tab = tab }
    if let sort = view.sort { state.queue.table.sort(named: sort) }
    if let filter = view.filter { state.queue.table.setFilter(filter) }
}

/// Runs a `:` command.
func runPalette(_ state: inout AppState, _ text: String) -> [Effect] {
    let words = text.split(separator: " ", maxSplits: 1).map(String.init)
    guard let name = words.first?.lowercased() else { return [] }
    let argument = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : ""
    // A unique prefix is enough (`:ana`).
    let matches = Palette.commands.map(\.name).filter { $0.hasPrefix(name) }
    let command = matches.contains(name) ? name : (matches.count == 1 ? matches[0] : name)
    switch command {
    case "queue": return navigate(&state, to: .queue)
    case "analytics": return navigate(&state, to: .analytics)
    case "users": return navigate(&state, to: .users)
    case "me": return navigate(&state, to: .me)
    case "admin": return navigate(&state, to: .admin)
    case "sessions": return navigate(&state, to: .sessions)
    case "approve", "reject":
        guard state.page == .queue else {
            if case .detail = state.page { return detailCommand(&state, command == "approve" ? .approve : .reject) }
            state.toast = .init(text: ":\(command) works in the review queue", isError: true)
            return []
        }
        return startDecision(&state, command == "approve" ? .approve : .reject)
    case "sort":
        var sorted = false
        withFilteredTable(&state) { sorted = $0.sort(named: argument) }
        if !sorted { state.toast = .init(text: "Cannot sort by “\(argument)” here", isError: true) }
        if sorted, state.page == .queue { return load(&state, .queue) }
        return []
    case "filter":
        if argument.lowercased().hasPrefix("status="), state.page == .queue {
            let value = argument.dropFirst("status=".count).lowercased()
            guard let tab = QueueTab.allCases.first(where: { $0.title.lowercased() == value }) else {
                state.toast = .init(text: "status is pending, approved, rejected or all", isError: true)
                return []
            }
            state.queue.tab = tab
            return load(&state, .queue)
        }
        let filter = argument.replacingOccurrences(of: "=", with: ":")
        withFilteredTable(&state) { $0.setFilter(filter) }
        return []
    case "view":
        guard let view = state.views[argument] else {
            let names = state.views.keys.sorted()
            state.toast = .init(text: names.isEmpty ? "No saved views (add [views.NAME] to config.toml)" : "Views: \(names.joined(separator: ", "))", isError: true)
            return []
        }
        applyView(view, to: &state)
        state.toast = .init(text: "View \(argument)", isError: false)
        return navigate(&state, to: .queue)
    case "refresh": return refreshEffects(&state)
    case "interval":
        guard let seconds = Int(argument), seconds >= 0 else {
            state.toast = .init(text: ":interval needs a number of seconds", isError: true)
            return []
        }
        state.refreshInterval = seconds
        state.toast = .init(text: seconds == 0 ? "Periodic refresh is off" : "Refreshing every \(seconds) s", isError: false)
        return []
    case "server":
        guard let url = URL(string: argument), url.scheme == "http" || url.scheme == "https" else {
            state.toast = .init(text: ":server needs an http(s) URL", isError: true)
            return []
        }
        state.server = argument
        var fresh = signedOutState(from: state, message: "Sign in to \(argument)")
        fresh.login.server = TextField(label: "Server", text: argument)
        fresh.login.focus = 2
        state = fresh
        return [.signOut]
    case "logout":
        state.busy = "Signing out…"
        return [.signOut]
    case "quit", "q":
        state.shouldQuit = true
        return []
    default:
        state.toast = .init(text: "Unknown command :\(name) (Tab completes)", isError: true)
        return []
    }
}

// MARK: - Dialogs

private func handleDialogKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard let dialog = state.dialog else { return [] }
    switch dialog {
    case .message:
        state.dialog = nil
        return []
    case .bulk(var bulk):
        if key == .escape || (!bulk.needsTypedCount && (key == .char("n") || key == .char("N") || key == .char("q"))) {
            state.dialog = nil
            state.toast = .init(text: "Nothing changed", isError: false)
            return []
        }
        let confirmed: Bool
        if bulk.needsTypedCount {
            if key == .enter {
                confirmed = bulk.typed.text.trimmingCharacters(in: .whitespaces) == String(bulk.ids.count)
                if !confirmed {
                    bulk.typed = TextField(label: bulk.typed.label)
                    state.dialog = .bulk(bulk)
                    return []
                }
            } else {
                bulk.typed.handle(key)
                state.dialog = .bulk(bulk)
                return []
            }
        } else {
            confirmed = key == .char("y") || key == .char("Y")
        }
        guard confirmed else { return [] }
        state.dialog = nil
        state.busy = "\(bulk.action == .approve ? "Approving" : "Rejecting") \(bulk.ids.count)…"
        return [.bulk(BulkReviewRequest(action: bulk.action, recommendationIDs: bulk.ids, reasonCode: bulk.reasonCode?.rawValue, reason: bulk.reason))]
    case .reject(var reject):
        switch key {
        case .escape:
            state.dialog = nil
            return []
        case .tab, .down:
            reject.focus = (reject.focus + 1) % 2
        case .backTab, .up:
            reject.focus = (reject.focus + 1) % 2
        case .enter:
            let text = reject.text.text.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else {
                reject.error = "Say why (the user-facing team reads this)"
                reject.focus = 1
                state.dialog = .reject(reject)
                return []
            }
            let reason = RejectionReason(rawValue: reject.reason.value) ?? .other
            if reject.ids.count == 1, let id = reject.ids.first {
                state.dialog = nil
                state.busy = "Rejecting…"
                return [.reject(id, version: reject.versions[id] ?? 0, reason: reason, text: text)]
            }
            state.dialog = .bulk(BulkDialog(action: .reject, ids: reject.ids, titles: reject.titles, reasonCode: reason, reason: text))
            return []
        default:
            if reject.focus == 0 { reject.reason.handle(key) } else { reject.text.handle(key) }
        }
        state.dialog = .reject(reject)
        return []
    case .modify(var modify):
        switch key {
        case .escape:
            state.dialog = nil
            return []
        case .tab, .down:
            modify.focus = (modify.focus + 1) % modify.fieldCount
        case .backTab, .up:
            modify.focus = (modify.focus + modify.fieldCount - 1) % modify.fieldCount
        case .enter:
            state.dialog = nil
            state.busy = "Saving…"
            return [
                .modify(
                    modify.id,
                    ReviewDecisionRequest(version: modify.version, title: modify.title.text, content: modify.content.text, rationale: modify.rationale.text))
            ]
        default:
            switch modify.focus {
            case 0: modify.title.handle(key)
            case 1: modify.content.handle(key)
            default: modify.rationale.handle(key)
            }
        }
        state.dialog = .modify(modify)
        return []
    case .consent(var consent):
        switch key {
        case .escape, .char("n"), .char("N"):
            state.dialog = nil
            return []
        case .char("y"), .char("Y"):
            state.dialog = nil
            state.busy = consent.grant ? "Granting consent…" : "Revoking consent…"
            return [.setConsent(grant: consent.grant, deleteData: !consent.grant && consent.deleteData.selected == 1)]
        default:
            if !consent.grant { consent.deleteData.handle(key) }
            state.dialog = .consent(consent)
            return []
        }
    case .endSession(let id, _, let current):
        state.dialog = nil
        guard key == .char("y") || key == .char("Y") else { return [] }
        state.busy = id == nil ? "Logging out everywhere…" : "Ending the session…"
        // Ending this console's own session is signing out.
        if let id { return current ? [.signOut] : [.endSession(id)] }
        return [.logoutEverywhere]
    case .totp(let secret, let uri, var code):
        switch key {
        case .escape:
            state.dialog = nil
            state.toast = .init(text: "Authenticator not set up", isError: false)
        case .enter:
            let digits = code.text.filter(\.isNumber)
            guard digits.count == 6 else { return [] }
            state.dialog = nil
            state.busy = "Checking the code…"
            return [.confirmTOTP(code: digits)]
        case .char(let character) where !character.isNumber:
            break
        default:
            if code.text.count < 6 || key == .backspace { code.handle(key) }
            state.dialog = .totp(secret: secret, uri: uri, code: code)
        }
        return []
    case .link(var dialog):
        if key == .escape {
            state.dialog = nil
            state.busy = nil
            return []
        }
        guard dialog.wait == nil, state.busy == nil else { return [] }
        if key == .enter {
            state.busy = "Asking \(dialog.provider.displayName)…"
            return [.startLink(dialog.provider)]
        }
        dialog.choice.handle(key)
        state.dialog = .link(dialog)
        return []
    case .linkPhone(var dialog):
        switch key {
        case .escape:
            state.dialog = nil
            state.busy = nil
            return []
        case .enter:
            guard state.busy == nil else { return [] }
            if let phone = dialog.sentTo {
                let code = dialog.code.text
                guard code.count == 6 else {
                    dialog.error = "Enter the 6-digit code from the text message"
                    state.dialog = .linkPhone(dialog)
                    return []
                }
                state.busy = "Checking the code…"
                return [.linkPhone(phone: phone, code: code)]
            }
            guard PhoneNumber.normalize(dialog.phone.text) != nil else {
                dialog.error = "Phone numbers start with + and the country code, e.g. +15551234567"
                state.dialog = .linkPhone(dialog)
                return []
            }
            state.busy = "Texting a code…"
            return [.requestLinkCode(dialog.phone.text.trimmingCharacters(in: .whitespaces))]
        default:
            if dialog.sentTo == nil { dialog.phone.handle(key) } else { editCode(&dialog.code, key) }
            state.dialog = .linkPhone(dialog)
        }
        return []
    case .unlink(var choice, let values):
        switch key {
        case .escape:
            state.dialog = nil
        case .enter:
            state.dialog = nil
            state.busy = "Unlinking \(choice.value)…"
            return [.unlinkMethod(values[choice.selected])]
        default:
            choice.handle(key)
            state.dialog = .unlink(choice: choice, values: values)
        }
        return []
    case .role(let userID, let email, var choice):
        switch key {
        case .escape:
            state.dialog = nil
        case .enter:
            state.dialog = nil
            guard let role = Role(rawValue: choice.value) else { return [] }
            state.busy = "Changing role…"
            return [.setRole(userID, role)]
        default:
            choice.handle(key)
            state.dialog = .role(userID: userID, email: email, choice: choice)
        }
        return []
    case .lock(let userID, _, let lock):
        state.dialog = nil
        guard key == .char("y") || key == .char("Y") else { return [] }
        state.busy = lock ? "Locking…" : "Unlocking…"
        return [.setLock(userID, lock: lock)]
    case .feedback(var feedback):
        switch key {
        case .escape:
            state.dialog = nil
            return []
        case .tab, .down:
            feedback.focus = (feedback.focus + 1) % 3
        case .backTab, .up:
            feedback.focus = (feedback.focus + 2) % 3
        case .enter:
            state.dialog = nil
            state.busy = "Sending feedback…"
            let comment = feedback.comment.text.trimmingCharacters(in: .whitespaces)
            return [
                .feedback(
                    feedback.id,
                    FeedbackRequest(rating: feedback.rating.selected + 1, helpful: feedback.helpful.selected == 0, comment: comment.isEmpty ? nil : comment))
            ]
        default:
            switch feedback.focus {
            case 0: feedback.rating.handle(key)
            case 1: feedback.helpful.handle(key)
            default: feedback.comment.handle(key)
            }
        }
        state.dialog = .feedback(feedback)
        return []
    }
}

// MARK: - Rows and text

/// `2026-11-22 03:14` (UTC: the same on every operator's screen). Computed by hand: `Calendar` took most of the
/// time of loading a large queue.
func timeText(_ date: Date, seconds: Bool = false) -> String {
    let day = Day(date: date)
    let secondOfDay = Int((date.timeIntervalSince1970 - Double(day.ordinal) * 86_400).rounded(.down))
    let (hour, minute, second) = (secondOfDay / 3600, secondOfDay % 3600 / 60, secondOfDay % 60)
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
    let base = "\(day.description) \(two(hour)):\(two(minute))"
    return seconds ? base + ":" + two(second) : base
}

func dayText(_ date: Date) -> String { String(timeText(date).prefix(10)) }

func statusText(_ status: RecommendationStatus, ascii: Bool = false) -> String {
    switch status {
    case .pending: ascii ? ". pending" : "• pending"
    case .approved: ascii ? "+ approved" : "✓ approved"
    case .rejected: ascii ? "x rejected" : "✗ rejected"
    }
}

func queueRow(_ item: ReviewItem, ascii: Bool = false) -> TableRow {
    let recommendation = item.recommendation
    let created = timeText(recommendation.createdAt)
    return TableRow(
        id: item.id.uuidString.lowercased(),
        cells: [
            statusText(recommendation.status, ascii: ascii), recommendation.type == .education ? "education" : "offer", recommendation.persona.title,
            item.userName ?? item.userEmail ?? String(recommendation.userID.uuidString.lowercased().prefix(8)), recommendation.title, created,
        ],
        sortKeys: [
            .text(recommendation.status.rawValue), .text(recommendation.type.rawValue), .text(recommendation.persona.title.lowercased()),
            .text((item.userName ?? item.userEmail ?? "").lowercased()), .text(recommendation.title.lowercased()),
            .number(recommendation.createdAt.timeIntervalSince1970),
        ])
}

/// The decision trace as a foldable tree.
func traceTree(_ trace: DecisionTrace?) -> [TreeNode] {
    guard let trace else { return [TreeNode(id: "none", "No decision trace was recorded")] }
    let signals = trace.signals.keys.sorted().map { key in TreeNode(id: "signal.\(key)", "\(key) = \(trace.signals[key] ?? "")") }
    let criteria = trace.personaCriteria.enumerated().map { index, criterion in
        TreeNode(id: "criterion.\(index)", "\(criterion.name): \(criterion.value) (needs \(criterion.threshold))", mark: criterion.met ? .pass : .fail)
    }
    let passed = trace.checks.filter(\.passed).count
    let checks = trace.checks.enumerated().map { index, check in
        TreeNode(
            id: "check.\(index)", "\(check.name) — \(check.detail)", mark: check.passed ? .pass : .fail,
            children: check.values.keys.sorted().map { key in TreeNode(id: "check.\(index).\(key)", "\(key) = \(check.values[key] ?? "")") })
    }
    return [
        TreeNode(
            id: "engine", "Engine \(trace.engineVersion) · data as of \(trace.asOf) · generated in \(trace.generatedInMicroseconds) µs",
            children: [TreeNode(id: "catalog", "Catalog item \(trace.catalogItemID)")]),
        TreeNode(id: "signals", "Signals used (\(signals.count))", children: signals),
        TreeNode(id: "persona", "Persona: \(trace.persona.title) (priority \(trace.personaPriority))", children: criteria),
        TreeNode(id: "checks", "Checks: \(passed) of \(trace.checks.count) passed", mark: passed == trace.checks.count ? .pass : .fail, children: checks),
    ]
}

private let plainStyle = Style.plain
private let boldStyle = Style(bold: true)
private let dimStyle = Style(dim: true)

func detailParagraphs(_ detail: ReviewDetail, pane: DetailScreen.Pane, ascii: Bool = false) -> [(text: String, style: Style)] {
    let r = detail.item.recommendation
    switch pane {
    case .content, .trace:
        var lines: [(String, Style)] = [
            (r.title, boldStyle),
            ("\(statusText(r.status, ascii: ascii)) · \(r.type == .education ? "education" : "partner offer") · \(r.persona.title) · version \(r.version) · for \(detail.item.userName ?? detail.item.userEmail ?? r.userID.uuidString.lowercased())", dimStyle),
            ("", plainStyle),
            (r.content, plainStyle), ("", plainStyle),
            ("Why you are seeing this", boldStyle), (r.rationale, plainStyle), ("", plainStyle),
            (r.disclaimer, dimStyle),
        ]
        if !detail.keySignals.isEmpty {
            lines.append(("", plainStyle))
            lines.append(("Key signals", boldStyle))
            for key in detail.keySignals.keys.sorted() { lines.append(("  \(key): \(detail.keySignals[key] ?? "")", plainStyle)) }
        }
        return lines
    case .history:
        guard !detail.history.isEmpty else { return [("No decisions yet.", dimStyle)] }
        return detail.history.flatMap { decision -> [(text: String, style: Style)] in
            var lines: [(text: String, style: Style)] = [
                ("\(timeText(decision.at)) \(decision.action.rawValue) by \(decision.actorEmail ?? decision.actorID.uuidString.lowercased()) → version \(decision.versionAfter)", boldStyle)
            ]
            if let code = decision.reasonCode { lines.append(("  reason: \(code)\(decision.reason.map { " — \($0)" } ?? "")", plainStyle)) }
            if let note = decision.note { lines.append(("  note: \(note)", plainStyle)) }
            if let after = decision.after {
                for key in after.keys.sorted() { lines.append(("  \(key): \(decision.before?[key] ?? "—") → \(after[key] ?? "")", dimStyle)) }
            }
            return lines
        }
    }
}

/// `$3,850` or `$2,690.98`.
func money(_ value: Double) -> String {
    let cents = Int((abs(value) * 100).rounded())
    var whole = String(cents / 100)
    var grouped = ""
    while whole.count > 3 {
        grouped = "," + whole.suffix(3) + grouped
        whole.removeLast(3)
    }
    let fraction = cents % 100 == 0 ? "" : String(format: ".%02d", cents % 100)
    return (value < 0 ? "-$" : "$") + whole + grouped + fraction
}

func percent(_ value: Double?) -> String { value.map { String(format: "%.0f%%", $0 * 100) } ?? "—" }

func windowLines(_ window: WindowSignals?) -> [(text: String, style: Style)] {
    guard let w = window else { return [("No signals yet (no processed upload).", dimStyle)] }
    var lines: [(text: String, style: Style)] = [
        ("\(w.days)-day window \(w.start) – \(w.end)", boldStyle),
        ("  spend \(money(w.totalSpend))\(w.spendToIncome.map { " · \(percent($0)) of income" } ?? "")", plainStyle),
        ("  subscriptions: \(w.subscriptions.recurringMerchants.count) recurring, \(money(w.subscriptions.monthlyRecurringSpend))/month, \(percent(w.subscriptions.shareOfSpend)) of spend", plainStyle),
        ("  savings: net inflow \(money(w.savings.monthlyNetInflow))/month, growth \(percent(w.savings.growthRate)), emergency fund \(String(format: "%.1f", w.savings.emergencyFundMonths)) months", plainStyle),
        ("  credit: max utilization \(percent(w.credit.maxUtilization)), interest \(money(w.credit.totalInterestCharged))\(w.credit.anyMinimumPaymentOnly ? ", minimum payments only" : "")\(w.credit.anyOverdue ? ", overdue" : "")", plainStyle),
        ("  income: \(w.income.frequency.rawValue), \(money(w.income.monthlyIncome))/month, buffer \(String(format: "%.1f", w.income.cashBufferMonths)) months", plainStyle),
    ]
    for card in w.credit.cards { lines.append(("    \(card.label): \(percent(card.utilization))", dimStyle)) }
    return lines
}

func userParagraphs(_ screen: UserScreen) -> [(text: String, style: Style)] {
    guard let detail = screen.detail else { return [("Loading…", dimStyle)] }
    switch screen.tab {
    case .overview:
        var lines: [(text: String, style: Style)] = [
            (detail.user.name ?? detail.user.email ?? detail.user.id.uuidString.lowercased(), boldStyle),
            ("email \(detail.user.email ?? "—") · role \(detail.user.role.rawValue)\(detail.user.isLocked ? " · LOCKED" : "")", plainStyle),
            ("consent \(detail.consent.granted ? "granted" : "not granted")\(detail.consent.consentVersion.map { " (version \($0))" } ?? "")", plainStyle),
            ("pending recommendations \(detail.pendingRecommendations)", plainStyle), ("", plainStyle),
        ]
        if let persona = detail.persona {
            lines.append(("Persona: \(persona.title) (as of \(persona.asOf))", boldStyle))
            for match in persona.evaluations where match.matched {
                lines.append(("  \(match.persona.title), priority \(match.priority)", plainStyle))
                for criterion in match.criteria where criterion.met {
                    lines.append(("    \(screen.ascii ? "+" : "✓") \(criterion.name): \(criterion.value) (needs \(criterion.threshold))", dimStyle))
                }
            }
        } else {
            lines.append(("No persona yet.", dimStyle))
        }
        return lines
    case .signals:
        return windowLines(screen.profile?.signals30d) + [("", plainStyle)] + windowLines(screen.profile?.signals180d)
    case .history:
        guard !screen.history.isEmpty else { return [("No persona history.", dimStyle)] }
        return screen.history.map { ("\(timeText($0.recordedAt))  \($0.persona.title)  (as of \($0.asOf); matched \($0.matched.map(\.title).joined(separator: ", ")))", plainStyle) }
    case .uploads:
        guard !detail.recentUploads.isEmpty else { return [("No uploads.", dimStyle)] }
        return detail.recentUploads.map {
            ("\(timeText($0.createdAt))  \($0.fileName)  \($0.fileSize) bytes  \($0.status.rawValue)\($0.transactionCount.map { " · \($0) transactions" } ?? "")", plainStyle)
        }
    case .recommendations:
        guard !screen.recommendations.isEmpty else { return [("No recommendations.", dimStyle)] }
        return screen.recommendations.map { ("\(statusText($0.status, ascii: screen.ascii))  \($0.type == .education ? "education" : "offer")  \($0.title)", plainStyle) }
    }
}

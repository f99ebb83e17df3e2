import Foundation
import Models
import TerminalUI

/// Draws the whole state into a canvas of the screen's size. Tables and trees keep their scroll position in
/// the state, so drawing takes the state `inout`.
func render(_ state: inout AppState, width: Int, height: Int, theme: Theme, now: Date = Date()) -> Canvas {
    var canvas = Canvas(width: width, height: height)
    guard width >= 20, height >= 6 else {
        for (row, line) in TextWidth.wrap("Window too small", width: width).prefix(height).enumerated() {
            canvas.put(line, x: 0, y: row, style: theme.error)
        }
        return canvas
    }
    let who = state.me.map { "\($0.email ?? $0.id.uuidString) (\($0.role.rawValue))" } ?? "not signed in"
    Widgets.bar("SpendSense › \(state.breadcrumbs)", into: &canvas, y: 0, style: theme.title)
    canvas.put(who + " ", x: max(0, width - TextWidth.of(who) - 1), y: 0, style: theme.title)

    // Body: rows 1 ..< height - 2 (then the status line and the hint bar).
    let top = 1
    var bodyHeight = height - 3
    if let offline = state.offline {
        canvas.fill(x: 0, y: top, width: width, height: 1, style: theme.warning)
        canvas.put(" \(theme.ascii ? "!" : "⚠") \(offline) — showing the last data received; r retries", x: 0, y: top, style: theme.warning)
        bodyHeight -= 1
    }
    let bodyTop = state.offline == nil ? top : top + 1
    switch state.page {
    case .login: drawLogin(state, into: &canvas, theme: theme, now: now)
    case .queue: drawQueue(&state, into: &canvas, y: bodyTop, height: bodyHeight, theme: theme, now: now)
    case .detail: drawDetail(&state, into: &canvas, y: bodyTop, height: bodyHeight, theme: theme)
    case .analytics: drawAnalytics(state, into: &canvas, y: bodyTop, height: bodyHeight, theme: theme, now: now)
    case .users: drawUsers(&state, into: &canvas, y: bodyTop, height: bodyHeight, theme: theme)
    case .user: drawUser(&state, into: &canvas, y: bodyTop, height: bodyHeight, theme: theme)
    case .me: drawMe(&state, into: &canvas, y: bodyTop, height: bodyHeight, theme: theme)
    case .admin: drawAdmin(&state, into: &canvas, y: bodyTop, height: bodyHeight, theme: theme)
    case .sessions:
        canvas.put("Where you are signed in. Ending a session signs that device out at once.", x: 1, y: bodyTop, style: theme.muted, maxWidth: width - 2)
        canvas.put(signInSummary(state.sessions.methods), x: 1, y: bodyTop + 1, style: theme.text, maxWidth: width - 2)
        Widgets.table(&state.sessions.table, into: &canvas, x: 0, y: bodyTop + 2, width: width, height: bodyHeight - 2, theme: theme)
    }

    // Status line: the input line, work in flight, or nothing (toasts float above it).
    let statusY = height - 2
    if let input = state.input {
        canvas.fill(x: 0, y: statusY, width: width, height: 1)
        let prompt = input.purpose == .palette ? ":" : input.purpose == .filter ? "/" : input.purpose == .uploadPath ? "Upload file: " : "Search: "
        let field = TextField(label: prompt, text: input.field.text)
        var positioned = field
        positioned.cursor = input.field.cursor
        positioned.draw(into: &canvas, x: 0, y: statusY, labelWidth: TextWidth.of(prompt), fieldWidth: max(10, width - TextWidth.of(prompt) - 1), focused: true, theme: theme)
        if input.purpose == .palette, !input.completions.isEmpty {
            let hint = "Tab: " + input.completions.prefix(6).joined(separator: "  ")
            canvas.put(hint, x: max(0, width - TextWidth.of(hint) - 1), y: statusY, style: theme.muted)
        }
    } else if let busy = state.busy {
        canvas.put(Widgets.spinner(tick: state.tick, ascii: theme.ascii) + " " + busy, x: 1, y: statusY, style: theme.muted)
    }

    let help = Keymap.help(for: state.page, overrides: state.keyOverrides, providerStep: state.login.oauth)
    Widgets.hintBar(help.hints, into: &canvas, y: height - 1, theme: theme)

    if let toast = state.toast, state.input == nil, state.dialog == nil {
        Widgets.toast(toast.text, isError: toast.isError, into: &canvas, theme: theme)
    }
    if let dialog = state.dialog { drawDialog(dialog, into: &canvas, theme: theme, now: now, tick: state.tick) }
    if state.showHelp {
        let keyWidth = help.lines.map { TextWidth.of($0.keys) }.max() ?? 0
        var entries = help.lines.map { TextWidth.pad($0.keys, to: keyWidth) + "  " + $0.help }
        if entries.count + 4 > height - 2 {
            // Too many for one column: two side by side, each cut to half the width.
            let half = (entries.count + 1) / 2
            let columnWidth = max(10, (width - 10) / 2)
            entries = (0..<half).map { row in
                let left = TextWidth.pad(TextWidth.truncate(entries[row], to: columnWidth), to: columnWidth)
                return row + half < entries.count ? left + "  " + TextWidth.truncate(entries[row + half], to: columnWidth) : left
            }
        }
        var body = entries.map { ($0, theme.text) }
        body.append(("", theme.text))
        body.append(("Press any key to close", theme.muted))
        Widgets.dialog(title: "Keys · \(help.title)", lines: body, into: &canvas, theme: theme)
    }
    if theme.ascii { canvas.foldToASCII() }
    return canvas
}

/// "updated 12 s ago", or the paused / off state of periodic refresh.
private func freshness(_ date: Date?, state: AppState, now: Date) -> String {
    guard let date else { return "loading…" }
    let seconds = max(0, Int(now.timeIntervalSince(date)))
    let refresh = state.paused ? " · refresh paused" : state.refreshInterval == 0 ? "" : " · every \(state.refreshInterval) s"
    return "updated \(seconds) s ago\(refresh)"
}

// MARK: - Login

private func drawLogin(_ state: AppState, into canvas: inout Canvas, theme: Theme, now: Date) {
    let boxWidth = min(canvas.width - 4, 64)
    let boxHeight = 11
    let x = (canvas.width - boxWidth) / 2
    let y = max(1, (canvas.height - boxHeight) / 2)
    canvas.box(x: x, y: y, width: boxWidth, height: boxHeight, title: "Sign in to SpendSense", style: theme.border, ascii: theme.ascii)
    let labelWidth = 10
    let fieldWidth = boxWidth - labelWidth - 4
    if state.login.challengeID != nil {
        canvas.put("Password accepted for \(state.login.email.text).", x: x + 2, y: y + 2, style: theme.text, maxWidth: boxWidth - 4)
        canvas.put("Enter the 6-digit code from your authenticator app.", x: x + 2, y: y + 3, style: theme.text, maxWidth: boxWidth - 4)
        state.login.code.draw(into: &canvas, x: x + 2, y: y + 5, labelWidth: labelWidth, fieldWidth: 10, focused: true, theme: theme)
        if let error = state.login.error {
            canvas.put(error, x: x + 2, y: y + 8, style: theme.error, maxWidth: boxWidth - 4)
        } else {
            canvas.put("Enter checks the code · Esc starts over", x: x + 2, y: y + 8, style: theme.muted, maxWidth: boxWidth - 4)
        }
        return
    }
    if let step = state.login.oauth {
        drawProviderStep(step, state: state, into: &canvas, x: x, y: y, width: boxWidth, theme: theme, now: now)
        return
    }
    if let phone = state.login.codeSentTo, state.login.challengeID == nil {
        canvas.put("We texted a 6-digit code to \(phone).", x: x + 2, y: y + 2, style: theme.text, maxWidth: boxWidth - 4)
        canvas.put("It expires in 10 minutes.", x: x + 2, y: y + 3, style: theme.muted, maxWidth: boxWidth - 4)
        state.login.code.draw(into: &canvas, x: x + 2, y: y + 5, labelWidth: labelWidth, fieldWidth: 10, focused: true, theme: theme)
        canvas.put(state.login.error ?? "Enter signs in · Esc starts over", x: x + 2, y: y + 8, style: state.login.error == nil ? theme.muted : theme.error, maxWidth: boxWidth - 4)
        return
    }
    for (index, field) in state.login.fields.enumerated() {
        field.draw(
            into: &canvas, x: x + 2, y: y + 2 + index * 2, labelWidth: labelWidth, fieldWidth: fieldWidth,
            focused: state.login.focus == index, theme: theme)
    }
    if let error = state.login.error {
        for (offset, line) in TextWidth.wrap(error, width: boxWidth - 4).prefix(2).enumerated() {
            canvas.put(line, x: x + 2, y: y + 8 + offset, style: theme.error)
        }
    } else {
        canvas.put(
            state.login.usePhone
                ? "Enter texts you a code · Ctrl-P: email and password instead"
                : "Enter signs in · Tab next · Ctrl-P phone · Ctrl-O provider",
            x: x + 2, y: y + 8, style: theme.muted, maxWidth: boxWidth - 4)
    }
}

/// Ctrl-O: the provider list, then the link to open and a live wait.
private func drawProviderStep(
    _ step: AppState.OAuthStep, state: AppState, into canvas: inout Canvas, x: Int, y: Int, width: Int, theme: Theme, now: Date
) {
    let inner = width - 4
    guard let wait = step.wait else {
        canvas.put("Sign in with a provider you already use:", x: x + 2, y: y + 2, style: theme.text, maxWidth: inner)
        var column = x + 2
        for (index, provider) in step.providers.enumerated() {
            let label = " \(provider.displayName) "
            canvas.put(label, x: column, y: y + 4, style: index == step.selected ? theme.selection : theme.text, maxWidth: max(0, x + width - 2 - column))
            column += TextWidth.of(label) + 1
        }
        canvas.put(
            state.login.error ?? (state.busy.map { _ in "Asking \(step.provider.displayName)…" } ?? "←/→ choose · Enter continue · Esc back"),
            x: x + 2, y: y + 8, style: state.login.error == nil ? theme.muted : theme.error, maxWidth: inner)
        return
    }
    canvas.put("Sign in with \(wait.start.provider.displayName): open this link in any browser,", x: x + 2, y: y + 2, style: theme.text, maxWidth: inner)
    canvas.put("on this computer or your phone:", x: x + 2, y: y + 3, style: theme.text, maxWidth: inner)
    // The short address when the server gives one (easy to type), else the provider's whole address, wrapped.
    for (offset, line) in TextWidth.wrap(wait.link, width: inner).prefix(4).enumerated() {
        canvas.put(line, x: x + 2, y: y + 5 + offset, style: theme.emphasis)
    }
    canvas.put(waitingLine(wait, now: now, tick: state.tick, ascii: theme.ascii, escape: "cancels"), x: x + 2, y: y + 9, style: theme.muted, maxWidth: inner)
}

/// "⠋ Waiting for the browser… 9:59 left · Esc cancels".
private func waitingLine(_ wait: BrowserWait, now: Date, tick: Int, ascii: Bool, escape: String) -> String {
    let left = wait.secondsLeft(at: now)
    return "\(Widgets.spinner(tick: tick, ascii: ascii)) Waiting for the browser… \(left / 60):\(String(format: "%02d", left % 60)) left · Esc \(escape)"
}

// MARK: - Queue

private func drawQueue(_ state: inout AppState, into canvas: inout Canvas, y: Int, height: Int, theme: Theme, now: Date) {
    let width = canvas.width
    let titles = QueueTab.allCases.map { tab in tab == state.queue.tab ? "\(tab.title) \(state.queue.total)" : tab.title }
    Widgets.tabs(titles, active: state.queue.tab.rawValue, into: &canvas, x: 1, y: y, theme: theme)
    let fresh = state.queue.loading && state.queue.lastUpdated == nil ? "loading…" : freshness(state.queue.lastUpdated, state: state, now: now)
    canvas.put(fresh, x: max(0, width - TextWidth.of(fresh) - 1), y: y, style: theme.muted)
    Widgets.table(&state.queue.table, into: &canvas, x: 0, y: y + 1, width: width, height: height - 2, theme: theme)
    let table = state.queue.table
    var left = "\(table.visible.count) shown"
    if table.rows.count < state.queue.total { left += " of \(state.queue.total) (first \(table.rows.count) loaded)" }
    if !table.filter.isEmpty { left += " · filter “\(table.filter)”" }
    if !table.marked.isEmpty { left += " · \(table.marked.count) marked" }
    Widgets.statusBar(left: left, right: "", into: &canvas, y: y + height - 1, theme: theme, leftStyle: table.marked.isEmpty ? theme.muted : theme.marked)
}

// MARK: - Detail

private func drawDetail(_ state: inout AppState, into canvas: inout Canvas, y: Int, height: Int, theme: Theme) {
    let width = canvas.width
    guard state.detail.detail != nil else {
        canvas.put(state.detail.loading ? "Loading…" : "Nothing to show.", x: 2, y: y + 1, style: theme.muted)
        return
    }
    let panes = ["Content", "Decision trace", "History"]
    Widgets.tabs(panes, active: state.detail.pane.rawValue, into: &canvas, x: 1, y: y, theme: theme)
    let bodyY = y + 2
    let bodyHeight = height - 2
    switch state.detail.pane {
    case .content, .history:
        Widgets.textView(&state.detail.text, into: &canvas, x: 2, y: bodyY, width: width - 4, height: bodyHeight)
    case .trace:
        if width >= 120 {
            // Wide terminals: the content stays visible beside the trace.
            let left = width / 2 - 1
            Widgets.textView(&state.detail.text, into: &canvas, x: 2, y: bodyY, width: left - 3, height: bodyHeight)
            for row in bodyY..<(bodyY + bodyHeight) { canvas.put(theme.ascii ? "|" : "│", x: left, y: row, style: theme.border) }
            Widgets.tree(&state.detail.tree, into: &canvas, x: left + 2, y: bodyY, width: width - left - 3, height: bodyHeight, theme: theme)
        } else {
            Widgets.tree(&state.detail.tree, into: &canvas, x: 1, y: bodyY, width: width - 2, height: bodyHeight, theme: theme)
        }
    }
}

// MARK: - Analytics

private func drawAnalytics(_ state: AppState, into canvas: inout Canvas, y: Int, height: Int, theme: Theme, now: Date) {
    let width = canvas.width
    let header = "Last \(state.analytics.days) days (d changes)"
    canvas.put(header, x: 1, y: y, style: theme.emphasis)
    let fresh = freshness(state.analytics.lastUpdated, state: state, now: now)
    canvas.put(fresh, x: max(0, width - TextWidth.of(fresh) - 1), y: y, style: theme.muted)
    guard let report = state.analytics.report else {
        canvas.put(state.analytics.loading ? "Loading…" : "No data.", x: 2, y: y + 2, style: theme.muted)
        return
    }
    let wide = width >= 120
    let columnWidth = wide ? (width - 3) / 2 : width - 2
    let panelHeight = wide ? (height - 1) / 2 : (height - 1) / 4
    func panel(_ index: Int) -> (x: Int, y: Int) {
        wide ? (1 + (index % 2) * (columnWidth + 1), y + 1 + (index / 2) * panelHeight) : (1, y + 1 + index * panelHeight)
    }
    let c = report.coverage
    let e = report.explainability
    let p = report.performance
    let g = report.engagement

    // Coverage.
    var origin = panel(0)
    canvas.box(x: origin.x, y: origin.y, width: columnWidth, height: panelHeight, title: "Coverage", style: theme.border, ascii: theme.ascii)
    var used = putWrapped(
        "\(c.usersWithPersona) of \(c.usersWithData) users with data have a persona (\(percent(c.personaCoverage))) · \(c.usersWithThreeOrMoreSignals) with 3+ signals · \(c.usersConsenting) of \(c.usersTotal) consenting",
        into: &canvas, x: origin.x + 2, y: origin.y + 1, width: columnWidth - 4, lines: 2, style: theme.text)
    let personas = c.personaDistribution.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
    Widgets.barChart(
        personas.map { (PersonaID(rawValue: $0.key)?.title ?? $0.key, Double($0.value), String($0.value)) }, into: &canvas, x: origin.x + 2,
        y: origin.y + 1 + used, width: columnWidth - 4, height: panelHeight - 2 - used, theme: theme)

    // Explainability.
    origin = panel(1)
    canvas.box(x: origin.x, y: origin.y, width: columnWidth, height: panelHeight, title: "Explainability", style: theme.border, ascii: theme.ascii)
    Widgets.barChart(
        [
            ("rationale cites data", e.rationaleShare * 100, "\(percent(e.rationaleShare)) (\(e.withDataCitingRationale)/\(e.recommendations))"),
            ("complete trace", e.traceShare * 100, "\(percent(e.traceShare)) (\(e.withCompleteTrace)/\(e.recommendations))"),
        ], into: &canvas, x: origin.x + 2, y: origin.y + 1, width: columnWidth - 4, height: panelHeight - 2, theme: theme)

    // Performance.
    origin = panel(2)
    canvas.box(x: origin.x, y: origin.y, width: columnWidth, height: panelHeight, title: "Performance", style: theme.border, ascii: theme.ascii)
    let job = p.jobP50Seconds.map { String(format: "job p50 %.2f s", $0) } ?? "no jobs yet"
    let turnaround = p.reviewTurnaroundMedianHours.map { String(format: " · review turnaround %.1f h", $0) } ?? ""
    used = putWrapped(
        "\(job) · queue \(p.queueDepth) · dead \(p.deadLetters)\(turnaround)", into: &canvas, x: origin.x + 2, y: origin.y + 1, width: columnWidth - 4,
        lines: 2, style: theme.text)
    let routes = p.routes.sorted { $0.p95Milliseconds > $1.p95Milliseconds }.prefix(max(0, panelHeight - 2 - used))
    Widgets.barChart(
        routes.map { ("\($0.method) \($0.route.replacingOccurrences(of: "/api/v1", with: ""))", $0.p95Milliseconds, String(format: "p95 %.1f ms", $0.p95Milliseconds)) },
        into: &canvas, x: origin.x + 2, y: origin.y + 1 + used, width: columnWidth - 4, height: panelHeight - 2 - used, theme: theme)

    // Engagement.
    origin = panel(3)
    canvas.box(x: origin.x, y: origin.y, width: columnWidth, height: panelHeight, title: "Engagement", style: theme.border, ascii: theme.ascii)
    let rating = g.averageRating.map { String(format: "rating %.1f/5", $0) } ?? "no ratings"
    used = putWrapped(
        "approved \(g.approved) · rejected \(g.rejected) · modified \(g.modified) · feedback \(g.feedbackCount) · \(rating) · helpful \(percent(g.helpfulShare))",
        into: &canvas, x: origin.x + 2, y: origin.y + 1, width: columnWidth - 4, lines: 2, style: theme.text)
    let sparkWidth = max(5, columnWidth - 16)
    // One value per day of the range, zero on days without activity.
    let byDay = Dictionary(g.daily.map { ($0.day, $0) }, uniquingKeysWith: { $1 })
    let days = (0...max(0, report.to - report.from)).map { report.from.adding(days: $0) }
    let series = days.map { byDay[$0] ?? DailyEngagement(day: $0) }
    let lines: [(String, [Double])] = [
        ("created ", series.map { Double($0.created) }), ("approved", series.map { Double($0.approved) }),
        ("rejected", series.map { Double($0.rejected) }),
    ]
    for (offset, line) in lines.enumerated() where offset + 1 + used < panelHeight - 1 {
        canvas.put(line.0, x: origin.x + 2, y: origin.y + 1 + used + offset, style: theme.muted)
        let spark = Widgets.sparkline(line.1, width: sparkWidth, ascii: theme.ascii)
        canvas.put(spark, x: origin.x + 12, y: origin.y + 1 + used + offset, style: theme.chart)
        canvas.put(" \(Int(line.1.reduce(0, +)))", x: origin.x + 12 + TextWidth.of(spark), y: origin.y + 1 + used + offset, style: theme.muted)
    }
}

/// Writes `text` wrapped to `width`, at most `lines` lines; returns the lines used.
private func putWrapped(_ text: String, into canvas: inout Canvas, x: Int, y: Int, width: Int, lines: Int, style: Style) -> Int {
    let wrapped = TextWidth.wrap(text, width: max(1, width)).prefix(lines)
    for (offset, line) in wrapped.enumerated() { canvas.put(line, x: x, y: y + offset, style: style, maxWidth: width) }
    return wrapped.count
}

// MARK: - Users

private func drawUsers(_ state: inout AppState, into canvas: inout Canvas, y: Int, height: Int, theme: Theme) {
    let search = state.users.search.isEmpty ? "all users (s searches)" : "search “\(state.users.search)”"
    canvas.put(search, x: 1, y: y, style: theme.muted)
    Widgets.table(&state.users.table, into: &canvas, x: 0, y: y + 1, width: canvas.width, height: height - 1, theme: theme)
}

private func drawUser(_ state: inout AppState, into canvas: inout Canvas, y: Int, height: Int, theme: Theme) {
    Widgets.tabs(UserScreen.Tab.allCases.map(\.title), active: state.user.tab.rawValue, into: &canvas, x: 1, y: y, theme: theme)
    if state.user.detail == nil {
        canvas.put(state.user.loading ? "Loading…" : "Nothing to show.", x: 2, y: y + 2, style: theme.muted)
        return
    }
    Widgets.textView(&state.user.text, into: &canvas, x: 2, y: y + 2, width: canvas.width - 4, height: height - 2)
}

// MARK: - Me

private func drawMe(_ state: inout AppState, into canvas: inout Canvas, y: Int, height: Int, theme: Theme) {
    let width = canvas.width
    var row = y
    guard let consent = state.mine.consent else {
        canvas.put(state.mine.loading ? "Loading…" : "Nothing to show.", x: 2, y: row + 1, style: theme.muted)
        return
    }
    let consentText =
        consent.granted
        ? "Consent: granted\(consent.grantedAt.map { " on \(dayText($0))" } ?? "") — R revokes"
        : "Consent: not granted — SpendSense does not analyse your data or show recommendations until you grant it (c)"
    row += putWrapped(consentText, into: &canvas, x: 1, y: row, width: width - 2, lines: 2, style: consent.granted ? theme.success : theme.warning)
    if let persona = state.mine.profile?.persona {
        canvas.put("Persona: \(persona.title) (data as of \(persona.asOf))", x: 1, y: row, style: theme.emphasis, maxWidth: width - 2)
        row += 1
    }
    if let w = state.mine.profile?.signals30d {
        let line = "Last 30 days: spend \(money(w.totalSpend)) · income \(money(w.income.monthlyIncome))/month · card utilization \(percent(w.credit.maxUtilization)) · \(w.subscriptions.recurringMerchants.count) subscriptions"
        row += putWrapped(line, into: &canvas, x: 1, y: row, width: width - 2, lines: 2, style: theme.text)
    }
    if let upload = state.mine.uploads.first {
        canvas.put("Last upload: \(upload.fileName) · \(upload.status.rawValue) · \(timeText(upload.createdAt))", x: 1, y: row, style: theme.muted, maxWidth: width - 2)
        row += 1
    }
    if let uploading = state.mine.uploading {
        canvas.put(Widgets.spinner(tick: state.tick, ascii: theme.ascii) + " " + uploading, x: 1, y: row, style: theme.muted)
        row += 1
    }
    row += 1
    canvas.put("Your recommendations", x: 1, y: row, style: theme.emphasis)
    row += 1
    let tableHeight = max(2, (y + height) - row - (state.mine.table.currentRow == nil ? 0 : 5))
    Widgets.table(&state.mine.table, into: &canvas, x: 0, y: row, width: width, height: tableHeight, theme: theme)
    row += tableHeight
    if let id = state.mine.table.currentID.flatMap(UUID.init(uuidString:)), let item = state.mine.recommendations[id], row < y + height {
        let rationale = TextWidth.wrap(item.rationale, width: width - 4).map { ($0, theme.text) }
        let disclaimer = TextWidth.wrap(item.disclaimer, width: width - 4).map { ($0, theme.muted) }
        for (offset, line) in (rationale + disclaimer).prefix(y + height - row - 1).enumerated() {
            canvas.put(line.0, x: 2, y: row + 1 + offset, style: line.1, maxWidth: width - 4)
        }
    }
}

// MARK: - Admin

private func drawAdmin(_ state: inout AppState, into canvas: inout Canvas, y: Int, height: Int, theme: Theme) {
    Widgets.tabs(AdminScreen.Tab.allCases.map(\.title), active: state.admin.tab.rawValue, into: &canvas, x: 1, y: y, theme: theme)
    if state.admin.tab == .users {
        if !state.admin.search.isEmpty { canvas.put("search “\(state.admin.search)”", x: canvas.width / 2, y: y, style: theme.muted) }
        Widgets.table(&state.admin.users, into: &canvas, x: 0, y: y + 1, width: canvas.width, height: height - 1, theme: theme)
    } else {
        Widgets.table(&state.admin.audit, into: &canvas, x: 0, y: y + 1, width: canvas.width, height: height - 1, theme: theme)
    }
}

// MARK: - Dialogs

/// "Sign in with: password · phone +1… · GitHub · authenticator on" (the email is in the title bar).
func signInSummary(_ methods: SignInMethods?) -> String {
    guard let methods else { return "Sign in with: …" }
    var parts: [String] = []
    if methods.password { parts.append("password") }
    if let phone = methods.phone { parts.append("phone \(phone)") }
    parts += methods.oauth.map { $0.provider.displayName }
    return "Sign in with: " + (parts.isEmpty ? "—" : parts.joined(separator: " · ")) + (methods.totpEnabled ? " · authenticator on" : "")
}

private func drawDialog(_ dialog: Dialog, into canvas: inout Canvas, theme: Theme, now: Date, tick: Int) {
    let width = min(canvas.width - 4, 76)
    switch dialog {
    case .message(let title, let lines):
        Widgets.dialog(title: title, lines: lines.map { ($0, theme.text) }, into: &canvas, theme: theme)
    case .bulk(let bulk):
        let verb = bulk.action == .approve ? "Approve" : "Reject"
        var lines: [(String, Style)] = [
            ("\(verb) \(bulk.ids.count) recommendation\(bulk.ids.count == 1 ? "" : "s"):", theme.emphasis),
        ]
        let shown = min(bulk.titles.count, max(1, canvas.height - 14))
        for title in bulk.titles.prefix(shown) { lines.append(("  • " + TextWidth.truncate(title, to: width - 10), theme.text)) }
        if bulk.titles.count > shown { lines.append(("  … and \(bulk.titles.count - shown) more", theme.muted)) }
        if let code = bulk.reasonCode { lines.append(("Reason: \(code.rawValue) — \(bulk.reason ?? "")", theme.text)) }
        lines.append(("", theme.text))
        lines.append((
            bulk.action == .approve ? "They become visible to their users at once." : "They will not be shown to their users.", theme.muted))
        lines.append(("Items someone else decided meanwhile are left alone and listed.", theme.muted))
        lines.append(("", theme.text))
        if bulk.needsTypedCount {
            lines.append(("Type \(bulk.ids.count) and press Enter to confirm, Esc to cancel: \(bulk.typed.text)_", theme.emphasis))
        } else {
            lines.append(("y confirms · n or Esc cancels", theme.emphasis))
        }
        Widgets.dialog(title: "\(verb) — preview", lines: lines, into: &canvas, theme: theme, minWidth: 40)
    case .reject(let reject):
        let frame = Widgets.dialog(
            title: reject.ids.count == 1 ? "Reject" : "Reject \(reject.ids.count)",
            lines: [
                (TextWidth.truncate(reject.titles.first ?? "", to: width - 6) + (reject.ids.count > 1 ? " (+\(reject.ids.count - 1))" : ""), theme.emphasis),
                ("", theme.text), ("", theme.text), ("", theme.text), ("", theme.text),
                (reject.error ?? "←/→ picks the reason · Tab moves · Enter continues · Esc cancels", reject.error == nil ? theme.muted : theme.error),
            ], into: &canvas, theme: theme, minWidth: width - 4)
        reject.reason.draw(into: &canvas, x: frame.x + 2, y: frame.y + 3, labelWidth: 8, fieldWidth: frame.width - 12, focused: reject.focus == 0, theme: theme)
        reject.text.draw(into: &canvas, x: frame.x + 2, y: frame.y + 4, labelWidth: 8, fieldWidth: frame.width - 12, focused: reject.focus == 1, theme: theme)
    case .modify(let modify):
        let frame = Widgets.dialog(
            title: "Edit recommendation",
            lines: [("", theme.text), ("", theme.text), ("", theme.text), ("", theme.text), ("", theme.text), ("", theme.text),
                    ("Tab moves · Enter saves (checked by the tone guardrail) · Esc cancels", theme.muted)],
            into: &canvas, theme: theme, minWidth: width - 4)
        let fields = [modify.title, modify.content, modify.rationale]
        for (index, field) in fields.enumerated() {
            field.draw(into: &canvas, x: frame.x + 2, y: frame.y + 2 + index * 2, labelWidth: 11, fieldWidth: frame.width - 15, focused: modify.focus == index, theme: theme)
        }
    case .consent(let consent):
        var lines: [(String, Style)]
        if consent.grant {
            lines = [
                ("Grant consent", theme.emphasis), ("", theme.text),
                ("SpendSense will analyse the account data you upload to find patterns", theme.text),
                ("(subscriptions, savings, credit use, income) and show you educational", theme.text),
                ("content and offers that an operator has reviewed. You can revoke at any time.", theme.text),
                ("", theme.text), ("y grants · n or Esc cancels", theme.emphasis),
            ]
        } else {
            lines = [
                ("Revoke consent", theme.emphasis), ("", theme.text),
                ("SpendSense stops analysing your data and hides your recommendations.", theme.text),
                ("Choose whether your uploaded data is kept or deleted now:", theme.text), ("", theme.text), ("", theme.text),
                ("←/→ chooses · y revokes · n or Esc cancels", theme.emphasis),
            ]
        }
        let frame = Widgets.dialog(title: "Consent", lines: lines, into: &canvas, theme: theme, minWidth: 60)
        if !consent.grant {
            consent.deleteData.draw(into: &canvas, x: frame.x + 2, y: frame.y + 6, labelWidth: 11, fieldWidth: 16, focused: true, theme: theme)
        }
    case .lock(_, let email, let lock):
        Widgets.dialog(
            title: lock ? "Lock account" : "Unlock account",
            lines: [
                ((lock ? "Lock " : "Unlock ") + email + "?", theme.emphasis), ("", theme.text),
                (lock ? "Locking ends every session of this account at once." : "The account can sign in again.", theme.text),
                ("", theme.text), ("y confirms · any other key cancels", theme.emphasis),
            ], into: &canvas, theme: theme)
    case .endSession(let id, let name, let current):
        let lines: [(String, Style)] =
            id == nil
            ? [("Log out everywhere?", theme.emphasis), ("", theme.text), ("Every session of your account ends, this console included.", theme.text),
               ("", theme.text), ("y confirms · any other key cancels", theme.emphasis)]
            : [("End the session on \(name)?", theme.emphasis), ("", theme.text),
               (current ? "This is the session of this console: you will be signed out." : "That device is signed out at once.", theme.text),
               ("", theme.text), ("y confirms · any other key cancels", theme.emphasis)]
        Widgets.dialog(title: "Sessions", lines: lines, into: &canvas, theme: theme)
    case .totp(let secret, let uri, let code):
        let frame = Widgets.dialog(
            title: "Authenticator",
            lines: [
                ("Add SpendSense to your authenticator app with this key:", theme.text), ("", theme.text),
                ("  " + stride(from: 0, to: secret.count, by: 4).map { offset -> String in
                    let start = secret.index(secret.startIndex, offsetBy: offset)
                    return String(secret[start..<(secret.index(start, offsetBy: 4, limitedBy: secret.endIndex) ?? secret.endIndex)])
                }.joined(separator: " "), theme.emphasis),
                ("", theme.text), ("or open this link on the phone: " + uri, theme.muted), ("", theme.text), ("", theme.text),
                ("Then type the 6-digit code it shows · Enter turns it on · Esc cancels", theme.emphasis),
            ], into: &canvas, theme: theme, minWidth: 60)
        code.draw(into: &canvas, x: frame.x + 2, y: frame.y + frame.height - 3, labelWidth: 6, fieldWidth: 10, focused: true, theme: theme)
    case .link(let link):
        guard let wait = link.wait else {
            let frame = Widgets.dialog(
                title: "Link a provider",
                lines: [
                    ("Sign in to this account with another provider too.", theme.text), ("", theme.text), ("", theme.text),
                    ("If another SpendSense account already signs in with it, that account", theme.muted),
                    ("and its data are merged into this one.", theme.muted), ("", theme.text),
                    ("←/→ chooses · Enter continues · Esc cancels", theme.emphasis),
                ], into: &canvas, theme: theme, minWidth: 60)
            link.choice.draw(into: &canvas, x: frame.x + 2, y: frame.y + 3, labelWidth: 10, fieldWidth: 14, focused: true, theme: theme)
            return
        }
        Widgets.dialog(
            title: "Link \(wait.start.provider.displayName)",
            lines: [
                ("Open this link in any browser and sign in there:", theme.text), ("", theme.text), (wait.link, theme.emphasis), ("", theme.text),
                (waitingLine(wait, now: now, tick: tick, ascii: theme.ascii, escape: "stops waiting"), theme.muted),
            ], into: &canvas, theme: theme, minWidth: 60)
    case .linkPhone(let dialog):
        let prompt = dialog.sentTo.map { "We texted a 6-digit code to \($0)." } ?? "The number to sign in with, with its country code:"
        let frame = Widgets.dialog(
            title: "Link a phone number",
            lines: [
                (prompt, theme.text), ("", theme.text), ("", theme.text), ("", theme.text),
                (dialog.error ?? "If another account signs in with this number, it is merged into yours.", dialog.error == nil ? theme.muted : theme.error),
                (dialog.sentTo == nil ? "Enter texts a code · Esc cancels" : "Enter links the number · Esc cancels", theme.emphasis),
            ], into: &canvas, theme: theme, minWidth: 60)
        if dialog.sentTo == nil {
            dialog.phone.draw(into: &canvas, x: frame.x + 2, y: frame.y + 3, labelWidth: 8, fieldWidth: 24, focused: true, theme: theme)
        } else {
            dialog.code.draw(into: &canvas, x: frame.x + 2, y: frame.y + 3, labelWidth: 8, fieldWidth: 10, focused: true, theme: theme)
        }
    case .unlink(let choice, _):
        let frame = Widgets.dialog(
            title: "Unlink",
            lines: [
                ("Stop signing in to this account with:", theme.text), ("", theme.text), ("", theme.text),
                ("Your last way in cannot be removed.", theme.muted),
                ("←/→ chooses · Enter unlinks · Esc cancels", theme.emphasis),
            ], into: &canvas, theme: theme, minWidth: 50)
        choice.draw(into: &canvas, x: frame.x + 2, y: frame.y + 3, labelWidth: 8, fieldWidth: 24, focused: true, theme: theme)
    case .role(_, let email, let choice):
        let frame = Widgets.dialog(
            title: "Change role",
            lines: [
                (email, theme.emphasis), ("", theme.text), ("", theme.text),
                ("Operators review recommendations; admins also manage users and roles.", theme.muted),
                ("←/→ chooses · Enter saves · Esc cancels", theme.emphasis),
            ], into: &canvas, theme: theme, minWidth: 50)
        choice.draw(into: &canvas, x: frame.x + 2, y: frame.y + 3, labelWidth: 8, fieldWidth: 14, focused: true, theme: theme)
    case .feedback(let feedback):
        let frame = Widgets.dialog(
            title: "Feedback",
            lines: [(TextWidth.truncate(feedback.title, to: width - 6), theme.emphasis), ("", theme.text), ("", theme.text), ("", theme.text), ("", theme.text),
                    ("Tab moves · ←/→ changes · Enter sends · Esc cancels", theme.muted)],
            into: &canvas, theme: theme, minWidth: 50)
        feedback.rating.draw(into: &canvas, x: frame.x + 2, y: frame.y + 3, labelWidth: 9, fieldWidth: 12, focused: feedback.focus == 0, theme: theme)
        feedback.helpful.draw(into: &canvas, x: frame.x + 2, y: frame.y + 4, labelWidth: 9, fieldWidth: 12, focused: feedback.focus == 1, theme: theme)
        feedback.comment.draw(into: &canvas, x: frame.x + 2, y: frame.y + 5, labelWidth: 9, fieldWidth: frame.width - 13, focused: feedback.focus == 2, theme: theme)
    }
}

import Foundation
import Models
import TerminalUI

/// Draws the whole state into a canvas of the screen's size.
func render(_ state: AppState, width: Int, height: Int, theme: Theme, now: Date = Date()) -> Canvas {
    var canvas = Canvas(width: width, height: height)
    guard width >= 20, height >= 6 else {
        for (row, line) in TextWidth.wrap("Window too small", width: width).prefix(height).enumerated() {
            canvas.put(line, x: 0, y: row, style: theme.error)
        }
        return canvas
    }
    let crumb = state.page == .login ? "Sign in" : "Home"
    let who = state.me.map { "\($0.email ?? $0.id.uuidString) (\($0.role.rawValue))" } ?? "not signed in"
    Widgets.bar("SpendSense › \(crumb)   \(who)", into: &canvas, y: 0, style: theme.title)

    switch state.page {
    case .login: drawLogin(state, into: &canvas, theme: theme)
    case .home: drawHome(state, into: &canvas, theme: theme, now: now)
    }

    // Status line: work in flight or the last result.
    if let busy = state.busy {
        canvas.put((theme.ascii ? "* " : "◌ ") + busy, x: 1, y: height - 2, style: theme.muted)
    } else if let toast = state.toast {
        let mark = toast.isError ? (theme.ascii ? "x " : "✗ ") : (theme.ascii ? "+ " : "✓ ")
        canvas.put(mark + toast.text, x: 1, y: height - 2, style: toast.isError ? theme.error : theme.success)
    }

    let hints = state.page == .login ? Keymap.login.hints : Keymap.home.hints
    Widgets.hintBar(hints, into: &canvas, y: height - 1, theme: theme)

    if state.showHelp {
        let lines: [(String, String)] =
            state.page == .login ? Keymap.login.helpLines : Keymap.home.helpLines
        let keyWidth = lines.map { TextWidth.of($0.0) }.max() ?? 0
        var body = lines.map { (TextWidth.pad($0.0, to: keyWidth) + "  " + $0.1, theme.text) }
        body.append(("", theme.text))
        body.append(("Press any key to close", theme.muted))
        let title = state.page == .login ? Keymap.login.title : Keymap.home.title
        Widgets.dialog(title: "Keys · \(title)", lines: body, into: &canvas, theme: theme)
    }
    return canvas
}

private func drawLogin(_ state: AppState, into canvas: inout Canvas, theme: Theme) {
    let boxWidth = min(canvas.width - 4, 64)
    let boxHeight = 11
    let x = (canvas.width - boxWidth) / 2
    let y = max(1, (canvas.height - boxHeight) / 2)
    canvas.box(x: x, y: y, width: boxWidth, height: boxHeight, title: "Sign in to SpendSense", style: theme.border, ascii: theme.ascii)
    let labelWidth = 10
    let fieldWidth = boxWidth - labelWidth - 4
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
        canvas.put("Enter signs in · Tab moves between fields", x: x + 2, y: y + 8, style: theme.muted, maxWidth: boxWidth - 4)
    }
}

private func drawHome(_ state: AppState, into canvas: inout Canvas, theme: Theme, now: Date) {
    guard let me = state.me else {
        canvas.put("Loading your account…", x: 2, y: 2, style: theme.muted)
        return
    }
    var y = 2
    canvas.put("Signed in", x: 2, y: y, style: theme.emphasis)
    y += 2
    let rows: [(String, String)] = [
        ("Email", me.email ?? "—"),
        ("Name", me.name ?? "—"),
        ("Role", roleDescription(me.role)),
        ("User id", me.id.uuidString.lowercased()),
        ("Phone", me.phoneNumber ?? "—"),
        ("Member since", me.createdAt.formatted(date: .abbreviated, time: .omitted)),
        ("Server", state.server),
    ]
    for (label, value) in rows where y < canvas.height - 3 {
        canvas.put(TextWidth.pad(label, to: 14), x: 4, y: y, style: theme.muted)
        canvas.put(value, x: 18, y: y, style: theme.text, maxWidth: canvas.width - 20)
        y += 1
    }
    y += 1
    if y < canvas.height - 3 {
        let next =
            switch me.role {
            case .operator, .admin: "The review queue, analytics and user screens arrive with the next console release."
            case .user: "Your profile, consent and recommendations arrive with the next console release."
            }
        for line in TextWidth.wrap(next, width: canvas.width - 6) where y < canvas.height - 3 {
            canvas.put(line, x: 4, y: y, style: theme.muted)
            y += 1
        }
    }
    if let updated = state.lastUpdated {
        let seconds = max(0, Int(now.timeIntervalSince(updated)))
        let text = "updated \(seconds) s ago"
        canvas.put(text, x: canvas.width - TextWidth.of(text) - 1, y: canvas.height - 2, style: theme.muted)
    }
}

private func roleDescription(_ role: Role) -> String {
    switch role {
    case .user: "user — sees own profile, consent and recommendations"
    case .operator: "operator — reviews recommendations for consenting users"
    case .admin: "admin — operator rights plus user and role administration"
    }
}

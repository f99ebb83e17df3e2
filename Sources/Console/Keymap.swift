import TerminalUI

/// Commands of the screens, bound to keys in `Keymap`.
enum LoginCommand: Equatable, Sendable {
    case nextField, previousField, submit, quit, help, phone, oauth
}

/// The provider step of the sign-in screen (Ctrl-O).
enum ProviderStepCommand: Equatable, Sendable {
    case previous, next, choose, cancel
}

/// Keys every signed-in screen shares.
enum GlobalCommand: Equatable, Sendable {
    case help, palette, back, quit, queue, analytics, users, me, admin, sessions, refresh, pause, signOut
}

enum SessionsCommand: Equatable, Sendable {
    case up, down, end, endAll, authenticator, link, linkPhone, unlink
}

enum QueueCommand: Equatable, Sendable {
    case up, down, pageUp, pageDown, top, bottom, open, mark, markRange, markAll, clearMarks
    case sortLeft, sortRight, invert, filter, nextTab, previousTab, approve, reject, modify
}

enum DetailCommand: Equatable, Sendable {
    case up, down, pageUp, pageDown, nextPane, toggle, expand, collapse, expandAll, collapseAll, approve, reject, modify
}

enum ListCommand: Equatable, Sendable {
    case up, down, pageUp, pageDown, top, bottom, open, search, sortLeft, sortRight, invert, filter, nextTab, previousTab
}

enum MeCommand: Equatable, Sendable {
    case up, down, grant, revoke, feedback, upload
}

enum AdminCommand: Equatable, Sendable {
    case up, down, pageUp, pageDown, top, bottom, nextTab, search, lock, unlock, role, filter
}

enum AnalyticsCommand: Equatable, Sendable {
    case range
}

/// The key registries: one per screen, the source of dispatch, `?` help and the hint bar.
enum Keymap {
    static let login = KeyRegistry<LoginCommand>(
        title: "Sign in",
        [
            KeyBinding([.enter], "Sign in (or go to the next empty field)", .submit, hint: "sign in"),
            KeyBinding([.tab, .down], "Next field", .nextField),
            KeyBinding([.backTab, .up], "Previous field", .previousField),
            KeyBinding([.ctrl("p")], "Switch between email + password and phone + texted code", .phone, hint: "phone/email"),
            KeyBinding([.ctrl("o")], "Sign in with Google, GitHub, Facebook or Apple (open a link in any browser)", .oauth, hint: "provider"),
            KeyBinding([.function(1)], "Help: every key of this screen", .help, hint: "help"),
            KeyBinding([.escape, .ctrl("c")], "Quit", .quit, hint: "quit"),
        ])

    /// Choosing a provider (a provider's initial also picks it: g, h for GitHub, f, a).
    static let providerChoice = KeyRegistry<ProviderStepCommand>(
        title: "Sign in with a provider",
        [
            KeyBinding([.left, .up, .backTab], "Previous provider", .previous),
            KeyBinding([.right, .down, .tab], "Next provider", .next, hint: "choose"),
            KeyBinding([.enter], "Continue with the chosen provider", .choose, hint: "continue"),
            KeyBinding([.escape, .ctrl("c")], "Back to email and password", .cancel, hint: "back"),
        ])

    /// Waiting while the browser side completes.
    static let providerWait = KeyRegistry<ProviderStepCommand>(
        title: "Sign in with a provider",
        [KeyBinding([.escape, .ctrl("c")], "Stop waiting (the link stops working after 10 minutes)", .cancel, hint: "cancel")])

    static let global = KeyRegistry<GlobalCommand>(
        title: "Everywhere",
        [
            KeyBinding([.char("?")], "Help: every key of this screen", .help, hint: "help"),
            KeyBinding([.char(":")], "Command palette (:approve, :sort -created, :filter status=pending, :logout …)", .palette, hint: "commands"),
            KeyBinding([.char("q"), .escape], "Back (quits on the first screen)", .back, hint: "back"),
            KeyBinding([.char("r"), .function(5)], "Refresh now", .refresh, hint: "refresh"),
            KeyBinding([.char("p")], "Pause or resume periodic refresh", .pause),
            KeyBinding([.char("1")], "Review queue (operators)", .queue),
            KeyBinding([.char("2")], "Analytics (operators)", .analytics),
            KeyBinding([.char("3")], "Users (operators)", .users),
            KeyBinding([.char("4")], "Me: your profile, consent and recommendations", .me),
            KeyBinding([.char("5")], "Admin: users, roles, locks, audit log (admins)", .admin),
            KeyBinding([.char("6")], "Sessions: your signed-in devices", .sessions),
            KeyBinding([.char("L")], "Log out of this session (server side too)", .signOut),
            KeyBinding([.ctrl("c")], "Quit", .quit),
        ])

    static let queue = KeyRegistry<QueueCommand>(
        title: "Review queue",
        [
            KeyBinding([.up, .char("k")], "Up", .up),
            KeyBinding([.down, .char("j")], "Down", .down),
            KeyBinding([.pageUp], "Page up", .pageUp),
            KeyBinding([.pageDown], "Page down", .pageDown),
            KeyBinding([.char("g"), .home], "Top", .top),
            KeyBinding([.char("G"), .end], "Bottom", .bottom),
            KeyBinding([.enter], "Open the recommendation and its decision trace", .open, hint: "open"),
            KeyBinding([.char(" ")], "Mark or unmark the row", .mark, hint: "mark"),
            KeyBinding([.char("v")], "Mark a range (press at both ends)", .markRange),
            KeyBinding([.char("*")], "Mark every row matching the filter (again: unmark)", .markAll),
            KeyBinding([.char("u")], "Clear all marks", .clearMarks),
            KeyBinding([.char("a")], "Approve (the marked rows, else the current one)", .approve, hint: "approve"),
            KeyBinding([.char("x")], "Reject with a reason (the marked rows, else the current one)", .reject, hint: "reject"),
            KeyBinding([.char("e")], "Edit title, content and rationale", .modify, hint: "edit"),
            KeyBinding([.char("<")], "Sort by the column to the left", .sortLeft),
            KeyBinding([.char(">")], "Sort by the column to the right", .sortRight, hint: "sort"),
            KeyBinding([.char("I")], "Invert the sort order", .invert),
            KeyBinding([.char("/")], "Filter (any column, or column:value)", .filter, hint: "filter"),
            KeyBinding([.tab, .char("l")], "Next status tab", .nextTab, hint: "tab"),
            KeyBinding([.backTab, .char("h")], "Previous status tab", .previousTab),
        ])

    static let detail = KeyRegistry<DetailCommand>(
        title: "Recommendation",
        [
            KeyBinding([.up, .char("k")], "Up (scroll or move in the trace)", .up),
            KeyBinding([.down, .char("j")], "Down", .down),
            KeyBinding([.pageUp], "Page up", .pageUp),
            KeyBinding([.pageDown], "Page down", .pageDown),
            KeyBinding([.tab], "Next pane: content, decision trace, history", .nextPane, hint: "pane"),
            KeyBinding([.enter, .char(" ")], "Fold or unfold the trace node", .toggle, hint: "fold"),
            KeyBinding([.right], "Unfold", .expand),
            KeyBinding([.left], "Fold (or go to the parent)", .collapse),
            KeyBinding([.char("+")], "Unfold everything", .expandAll),
            KeyBinding([.char("-")], "Fold everything", .collapseAll),
            KeyBinding([.char("a")], "Approve", .approve, hint: "approve"),
            KeyBinding([.char("x")], "Reject with a reason", .reject, hint: "reject"),
            KeyBinding([.char("e")], "Edit title, content and rationale", .modify, hint: "edit"),
        ])

    static let users = KeyRegistry<ListCommand>(
        title: "Users",
        [
            KeyBinding([.up, .char("k")], "Up", .up),
            KeyBinding([.down, .char("j")], "Down", .down),
            KeyBinding([.pageUp], "Page up", .pageUp),
            KeyBinding([.pageDown], "Page down", .pageDown),
            KeyBinding([.char("g"), .home], "Top", .top),
            KeyBinding([.char("G"), .end], "Bottom", .bottom),
            KeyBinding([.enter], "Open the user", .open, hint: "open"),
            KeyBinding([.char("s")], "Search the server by name or email", .search, hint: "search"),
            KeyBinding([.char("/")], "Filter the loaded rows", .filter, hint: "filter"),
            KeyBinding([.char("<")], "Sort by the column to the left", .sortLeft),
            KeyBinding([.char(">")], "Sort by the column to the right", .sortRight),
            KeyBinding([.char("I")], "Invert the sort order", .invert),
        ])

    static let user = KeyRegistry<ListCommand>(
        title: "User",
        [
            KeyBinding([.up, .char("k")], "Scroll up", .up),
            KeyBinding([.down, .char("j")], "Scroll down", .down),
            KeyBinding([.pageUp], "Page up", .pageUp),
            KeyBinding([.pageDown], "Page down", .pageDown),
            KeyBinding([.tab, .char("l")], "Next tab: overview, signals, persona history, uploads, recommendations", .nextTab, hint: "tab"),
            KeyBinding([.backTab, .char("h")], "Previous tab", .previousTab),
        ])

    static let me = KeyRegistry<MeCommand>(
        title: "Me",
        [
            KeyBinding([.up, .char("k")], "Up", .up),
            KeyBinding([.down, .char("j")], "Down", .down),
            KeyBinding([.char("c")], "Grant consent (explained first)", .grant, hint: "consent"),
            KeyBinding([.char("R")], "Revoke consent (explained first)", .revoke, hint: "revoke"),
            KeyBinding([.char("f")], "Give feedback on the selected recommendation", .feedback, hint: "feedback"),
            KeyBinding([.char("U")], "Upload a JSON or CSV file by path", .upload, hint: "upload"),
        ])

    static let admin = KeyRegistry<AdminCommand>(
        title: "Admin",
        [
            KeyBinding([.up, .char("k")], "Up", .up),
            KeyBinding([.down, .char("j")], "Down", .down),
            KeyBinding([.pageUp], "Page up", .pageUp),
            KeyBinding([.pageDown], "Page down", .pageDown),
            KeyBinding([.char("g"), .home], "Top", .top),
            KeyBinding([.char("G"), .end], "Bottom", .bottom),
            KeyBinding([.tab], "Switch between users and the audit log", .nextTab, hint: "tab"),
            KeyBinding([.char("s")], "Search users by name or email", .search, hint: "search"),
            KeyBinding([.char("/")], "Filter the loaded rows", .filter),
            KeyBinding([.char("X")], "Lock the account (ends its sessions)", .lock, hint: "lock"),
            KeyBinding([.char("O")], "Unlock the account", .unlock, hint: "unlock"),
            KeyBinding([.char("P")], "Change the account's role (user, operator, admin)", .role, hint: "role"),
        ])

    static let sessions = KeyRegistry<SessionsCommand>(
        title: "Sessions",
        [
            KeyBinding([.up, .char("k")], "Up", .up),
            KeyBinding([.down, .char("j")], "Down", .down),
            KeyBinding([.char("D"), .delete], "End the selected session (its device is signed out at once)", .end, hint: "end session"),
            KeyBinding([.char("A")], "Log out everywhere, this console included", .endAll, hint: "log out all"),
            KeyBinding([.char("T")], "Set up an authenticator app (two-factor sign-in)", .authenticator, hint: "authenticator"),
            KeyBinding([.char("K")], "Link a provider (Google, GitHub…) to this account; an account that signs in with it is merged into this one", .link, hint: "link"),
            KeyBinding([.char("P")], "Link a phone number (a code is texted to it)", .linkPhone, hint: "phone"),
            KeyBinding([.char("U")], "Unlink a provider or your phone number (never your last way in)", .unlink, hint: "unlink"),
        ])

    static let analytics = KeyRegistry<AnalyticsCommand>(
        title: "Analytics",
        [KeyBinding([.char("d")], "Change the date range (7, 30, 90, 365 days)", .range, hint: "range")])

    /// Every command name a `[keys]` override may use.
    static let commandNames: Set<String> = {
        func names<C>(_ registry: KeyRegistry<C>) -> [String] { registry.bindings.map { String(describing: $0.command) } }
        return Set(
            names(global) + names(queue) + names(detail) + names(users) + names(user) + names(me) + names(admin) + names(analytics)
                + names(sessions))
    }()

    /// Help lines and hints for a page: its own keys first, then the shared ones.
    static func help(
        for page: Route, overrides: [String: [Key]] = [:], providerStep: AppState.OAuthStep? = nil
    ) -> (title: String, lines: [(keys: String, help: String)], hints: [(key: String, label: String)]) {
        if page == .login, let step = providerStep {
            let registry = step.wait == nil ? providerChoice : providerWait
            return (registry.title, registry.helpLines, registry.hints)
        }
        let global = self.global.applying(overrides)
        func combine<C>(_ registry: KeyRegistry<C>) -> (String, [(keys: String, help: String)], [(key: String, label: String)]) {
            let registry = registry.applying(overrides)
            return (registry.title, registry.helpLines + global.helpLines, registry.hints + global.hints)
        }
        switch page {
        case .login: return (login.title, login.helpLines, login.hints)
        case .queue: return combine(queue)
        case .detail: return combine(detail)
        case .analytics: return combine(analytics)
        case .users: return combine(users)
        case .user: return combine(user)
        case .me: return combine(me)
        case .admin: return combine(admin)
        case .sessions: return combine(sessions)
        }
    }
}

/// The `:` palette's commands, for completion and help.
enum Palette {
    static let commands: [(name: String, help: String)] = [
        ("queue", "open the review queue"), ("analytics", "open analytics"), ("users", "open users"), ("me", "open your own page"),
        ("admin", "open administration"), ("sessions", "your signed-in devices"), ("approve", "approve the marked rows or the current one"),
        ("reject", "reject the marked rows or the current one"), ("sort", "sort by a column: :sort -created"),
        ("filter", "filter rows: :filter status=pending or :filter text"), ("refresh", "refresh now"),
        ("interval", "periodic refresh in seconds: :interval 10 (0 turns it off)"), ("server", "sign in to another server: :server URL"),
        ("logout", "log out"), ("quit", "quit"),
    ]

    /// Command names starting with what is typed (the first word).
    static func completions(for text: String) -> [String] {
        let word = text.split(separator: " ").first.map(String.init) ?? ""
        guard !text.contains(" ") else { return [] }
        return commands.map(\.name).filter { $0.hasPrefix(word.lowercased()) }
    }
}

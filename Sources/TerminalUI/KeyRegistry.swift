/// One key binding: the keys, what it does in words, and the command it sends.
public struct KeyBinding<Command: Sendable & Equatable>: Sendable {
    public var keys: [Key]
    public var help: String
    public var command: Command
    /// Shown in the one-line hint bar (the rest only in `?` help).
    public var inHintBar: Bool

    public init(_ keys: [Key], _ help: String, _ command: Command, hint: Bool = true) {
        self.keys = keys
        self.help = help
        self.command = command
        self.inHintBar = hint
    }
}

/// The keys of one screen: dispatches presses and generates the help screen and hint bar from the same
/// table, so they cannot disagree.
public struct KeyRegistry<Command: Sendable & Equatable>: Sendable {
    public var title: String
    public var bindings: [KeyBinding<Command>]

    public init(title: String, _ bindings: [KeyBinding<Command>]) {
        self.title = title
        self.bindings = bindings
    }

    /// The command bound to `key`, if any.
    public func command(for key: Key) -> Command? {
        bindings.first { $0.keys.contains(key) }?.command
    }

    /// `key  help` lines for the `?` screen.
    public var helpLines: [(keys: String, help: String)] {
        bindings.map { ($0.keys.map(\.description).joined(separator: "/"), $0.help) }
    }

    /// `? help  r refresh  q quit`.
    public var hintBar: String {
        bindings.filter(\.inHintBar).map { binding in
            "\(binding.keys.first.map(\.description) ?? "") \(binding.help.split(separator: " ").first.map(String.init)?.lowercased() ?? "")"
        }.joined(separator: "  ")
    }
}

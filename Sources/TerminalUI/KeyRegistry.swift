/// One key binding: the keys, what it does in words, and the command it sends.
public struct KeyBinding<Command: Sendable & Equatable>: Sendable {
    public var keys: [Key]
    public var help: String
    public var command: Command
    /// The short label in the one-line hint bar; nil keeps the binding to the `?` help only.
    public var hint: String?

    public init(_ keys: [Key], _ help: String, _ command: Command, hint: String? = nil) {
        self.keys = keys
        self.help = help
        self.command = command
        self.hint = hint
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

    /// `(key, label)` pairs for the hint bar, in table order.
    public var hints: [(key: String, label: String)] {
        bindings.compactMap { binding in
            guard let hint = binding.hint, let key = binding.keys.first else { return nil }
            return (key.description, hint)
        }
    }

    /// `? help  r refresh  q quit`, as plain text.
    public var hintBar: String {
        hints.map { "\($0.key) \($0.label)" }.joined(separator: "  ")
    }
}

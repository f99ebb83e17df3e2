import Foundation
import TerminalUI

/// `~/.config/spendsense/config.toml` (every key is documented in `config.sample` at the repository root).
///
/// The reader understands the TOML the sample uses: `[section]` and `[section.name]` headers, `key = value` with
/// quoted strings, integers, booleans and arrays of strings, and `#` comments. Anything else is an error with
/// its line number, so a typo is never silently ignored.
struct ConsoleConfig: Equatable {
    /// A saved view of the review queue: `:view NAME` applies it.
    struct View: Equatable {
        var tab: QueueTab?
        var sort: String?
        var filter: String?
    }

    var server: String?
    var theme: String = "standard"
    var ascii = false
    var refreshSeconds = 30
    var pageSize = 500
    /// Command name → keys (`approve = "A"`, `mark = ["Space", "m"]`).
    var keys: [String: [Key]] = [:]
    var views: [String: View] = [:]
    /// A view applied when the queue first opens.
    var startupView: String?

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "config line \(line): \(message)" }
    }

    static func defaultURL() -> URL {
        CredentialsStore.defaultURL().deletingLastPathComponent().appendingPathComponent("config.toml")
    }

    /// Reads `url`; a missing file is the defaults.
    static func load(_ url: URL) throws -> ConsoleConfig {
        guard let data = FileManager.default.contents(atPath: url.path) else { return ConsoleConfig() }
        return try parse(String(decoding: data, as: UTF8.self))
    }

    enum Value: Equatable {
        case string(String), integer(Int), bool(Bool), strings([String])
    }

    static func parse(_ text: String) throws -> ConsoleConfig {
        var config = ConsoleConfig()
        var section: [String] = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = stripComment(String(rawLine)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw ParseError(line: number, message: "a section header must end with ]") }
                section = line.dropFirst().dropLast().split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces) }
                guard !section.isEmpty, section.allSatisfy({ !$0.isEmpty }) else { throw ParseError(line: number, message: "empty section name") }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw ParseError(line: number, message: "expected key = value") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let value = try parseValue(line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces), line: number)
            try config.apply(section: section, key: key, value: value, line: number)
        }
        if let startup = config.startupView, config.views[startup] == nil {
            throw ParseError(line: 0, message: "startup_view \"\(startup)\" is not defined under [views]")
        }
        return config
    }

    private static func stripComment(_ line: String) -> String {
        var inString = false
        var result = ""
        for character in line {
            if character == "\"" { inString.toggle() }
            if character == "#", !inString { break }
            result.append(character)
        }
        return result
    }

    private static func parseValue(_ text: String, line: Int) throws -> Value {
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else { throw ParseError(line: line, message: "unterminated string") }
            return .string(String(text.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\""))
        }
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw ParseError(line: line, message: "an array must be on one line and end with ]") }
            let items = try text.dropFirst().dropLast().split(separator: ",").map { item -> String in
                let trimmed = item.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("\""), trimmed.hasSuffix("\""), trimmed.count >= 2 else {
                    throw ParseError(line: line, message: "arrays hold quoted strings")
                }
                return String(trimmed.dropFirst().dropLast())
            }
            return .strings(items)
        }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if let number = Int(text) { return .integer(number) }
        throw ParseError(line: line, message: "cannot read value \(text) (strings need quotes)")
    }

    private mutating func apply(section: [String], key: String, value: Value, line: Int) throws {
        func string() throws -> String {
            guard case .string(let text) = value else { throw ParseError(line: line, message: "\(key) must be a quoted string") }
            return text
        }
        func integer(_ range: ClosedRange<Int>) throws -> Int {
            guard case .integer(let number) = value, range.contains(number) else {
                throw ParseError(line: line, message: "\(key) must be a whole number in \(range.lowerBound)…\(range.upperBound)")
            }
            return number
        }
        switch section.first {
        case nil:
            switch key {
            case "server": server = try string()
            case "theme":
                let name = try string()
                guard ["standard", "monochrome"].contains(name) else { throw ParseError(line: line, message: "theme is standard or monochrome") }
                theme = name
            case "ascii":
                guard case .bool(let flag) = value else { throw ParseError(line: line, message: "ascii is true or false") }
                ascii = flag
            case "refresh_seconds": refreshSeconds = try integer(0...3600)
            case "page_size": pageSize = try integer(10...500)
            case "startup_view": startupView = try string()
            default: throw ParseError(line: line, message: "unknown key \(key)")
            }
        case "keys":
            let texts: [String]
            switch value {
            case .string(let text): texts = [text]
            case .strings(let list): texts = list
            default: throw ParseError(line: line, message: "a key binding is a string or an array of strings")
            }
            guard Keymap.commandNames.contains(key) else {
                throw ParseError(line: line, message: "unknown command \(key); one of: \(Keymap.commandNames.sorted().joined(separator: ", "))")
            }
            keys[key] = try texts.map { text in
                guard let parsed = Key(spec: text) else { throw ParseError(line: line, message: "cannot read key \"\(text)\"") }
                return parsed
            }
        case "views":
            guard section.count == 2 else { throw ParseError(line: line, message: "views are [views.NAME] sections") }
            var view = views[section[1]] ?? View()
            switch key {
            case "tab":
                let name = try string().lowercased()
                guard let tab = QueueTab.allCases.first(where: { $0.title.lowercased() == name }) else {
                    throw ParseError(line: line, message: "tab is pending, approved, rejected or all")
                }
                view.tab = tab
            case "sort": view.sort = try string()
            case "filter": view.filter = try string()
            default: throw ParseError(line: line, message: "a view has tab, sort and filter")
            }
            views[section[1]] = view
        default:
            throw ParseError(line: line, message: "unknown section [\(section.joined(separator: "."))]")
        }
    }
}

extension Key {
    /// Reads a key as the config spells it: `a`, `A`, `Space`, `Enter`, `Esc`, `Tab`, `Up`, `PgDn`, `F5`, `Ctrl-x`.
    init?(spec text: String) {
        let lower = text.lowercased()
        switch lower {
        case "space": self = .char(" ")
        case "enter", "return": self = .enter
        case "esc", "escape": self = .escape
        case "tab": self = .tab
        case "shift-tab", "backtab": self = .backTab
        case "backspace": self = .backspace
        case "del", "delete": self = .delete
        case "up": self = .up
        case "down": self = .down
        case "left": self = .left
        case "right": self = .right
        case "home": self = .home
        case "end": self = .end
        case "pgup", "pageup": self = .pageUp
        case "pgdn", "pagedown": self = .pageDown
        default:
            if lower.hasPrefix("ctrl-") || lower.hasPrefix("c-"), let last = lower.last, lower.count == (lower.hasPrefix("c-") ? 3 : 6), last.isLetter {
                self = .ctrl(last)
            } else if lower.hasPrefix("f"), let number = Int(lower.dropFirst()), (1...24).contains(number) {
                self = .function(number)
            } else if text.count == 1, let character = text.first {
                self = .char(character)
            } else {
                return nil
            }
        }
    }
}

extension KeyRegistry {
    /// The registry with keys replaced per command name (`String(describing: command)`); a key given to one
    /// command is taken away from any other command of this registry.
    func applying(_ overrides: [String: [Key]]) -> KeyRegistry {
        guard !overrides.isEmpty else { return self }
        var copy = self
        let moved = Set(bindings.compactMap { overrides[String(describing: $0.command)] }.joined())
        copy.bindings = bindings.map { binding in
            var binding = binding
            if let keys = overrides[String(describing: binding.command)] {
                binding.keys = keys
            } else {
                binding.keys.removeAll { moved.contains($0) }
            }
            return binding
        }
        return copy
    }
}

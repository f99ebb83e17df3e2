/// A key press, decoded from what the terminal library reports.
public enum Key: Sendable, Equatable, Hashable, CustomStringConvertible {
    case char(Character)
    case ctrl(Character)
    case enter, escape, backspace, tab, backTab, delete, insert
    case up, down, left, right, home, end, pageUp, pageDown
    case function(Int)
    /// The terminal changed size.
    case resize

    /// How help screens and hint bars spell the key.
    public var description: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "Ctrl-\(c.uppercased())"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Backspace"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .delete: "Del"
        case .insert: "Ins"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .function(let n): "F\(n)"
        case .resize: "resize"
        }
    }

    /// ncurses key codes (`KEY_*` from curses.h) this decoder understands.
    public enum Code {
        public static let down: UInt32 = 0o402, up: UInt32 = 0o403, left: UInt32 = 0o404, right: UInt32 = 0o405
        public static let home: UInt32 = 0o406, backspace: UInt32 = 0o407, f0: UInt32 = 0o410
        public static let delete: UInt32 = 0o512, insert: UInt32 = 0o513
        public static let pageDown: UInt32 = 0o522, pageUp: UInt32 = 0o523, enter: UInt32 = 0o527
        public static let backTab: UInt32 = 0o541, end: UInt32 = 0o550, resize: UInt32 = 0o632
    }

    /// Decodes one `wget_wch` result: `isKeyCode` is true when it returned `KEY_CODE_YES`.
    /// Pure, so every mapping is unit-tested.
    public static func decode(_ value: UInt32, isKeyCode: Bool) -> Key? {
        if isKeyCode {
            switch value {
            case Code.down: return .down
            case Code.up: return .up
            case Code.left: return .left
            case Code.right: return .right
            case Code.home: return .home
            case Code.end: return .end
            case Code.backspace: return .backspace
            case Code.delete: return .delete
            case Code.insert: return .insert
            case Code.pageDown: return .pageDown
            case Code.pageUp: return .pageUp
            case Code.enter: return .enter
            case Code.backTab: return .backTab
            case Code.resize: return .resize
            case (Code.f0 + 1)...(Code.f0 + 24): return .function(Int(value - Code.f0))
            default: return nil
            }
        }
        switch value {
        case 0x0A, 0x0D: return .enter
        case 0x09: return .tab
        case 0x1B: return .escape
        case 0x7F, 0x08: return .backspace
        case 0x01...0x1A: return .ctrl(Character(Unicode.Scalar(value + 0x60)!))
        default:
            guard let scalar = Unicode.Scalar(value), value >= 0x20 else { return nil }
            return .char(Character(scalar))
        }
    }
}

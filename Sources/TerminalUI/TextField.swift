/// An editable one-line text value with a cursor; pure, so editing is unit-tested.
public struct TextField: Sendable, Equatable {
    public var label: String
    public var text: String
    /// Cursor position in characters.
    public var cursor: Int
    /// Show `•` instead of the text.
    public var isSecret: Bool

    public init(label: String, text: String = "", isSecret: Bool = false) {
        self.label = label
        self.text = text
        self.cursor = text.count
        self.isSecret = isSecret
    }

    /// Applies an editing key; returns false when the key is not an editing key.
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .char(let character):
            let index = text.index(text.startIndex, offsetBy: cursor)
            text.insert(character, at: index)
            cursor += 1
        case .backspace:
            guard cursor > 0 else { return true }
            let index = text.index(text.startIndex, offsetBy: cursor - 1)
            text.remove(at: index)
            cursor -= 1
        case .delete:
            guard cursor < text.count else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor))
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(text.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = text.count
        case .ctrl("u"):
            text.removeSubrange(text.startIndex..<text.index(text.startIndex, offsetBy: cursor))
            cursor = 0
        case .ctrl("k"):
            text.removeSubrange(text.index(text.startIndex, offsetBy: cursor)...)
        default:
            return false
        }
        return true
    }

    /// What is shown: the text or bullets.
    public var display: String { isSecret ? String(repeating: "•", count: text.count) : text }

    /// Draws `label: [value▏]` at (x, y) with the given field width; the focused field shows a cursor.
    public func draw(into canvas: inout Canvas, x: Int, y: Int, labelWidth: Int, fieldWidth: Int, focused: Bool, theme: Theme) {
        canvas.put(TextWidth.pad(label, to: labelWidth), x: x, y: y, style: focused ? theme.emphasis : theme.muted)
        let shown = isSecret ? String(repeating: theme.ascii ? "*" : "•", count: text.count) : text
        // Scroll so the cursor stays visible.
        let characters = Array(shown)
        let visible = max(1, fieldWidth - 1)
        let start = max(0, cursor - visible)
        let slice = String(characters[min(start, characters.count)..<min(characters.count, start + visible)])
        let fieldStyle = focused ? theme.inputFocused : theme.input
        canvas.put(TextWidth.pad(slice, to: fieldWidth), x: x + labelWidth, y: y, style: fieldStyle)
        if focused {
            let cursorX = x + labelWidth + TextWidth.of(String(characters[min(start, characters.count)..<min(cursor, characters.count)]))
            let under = canvas[cursorX, y].character
            canvas[cursorX, y] = Cell(under, style: theme.cursor)
        }
    }
}

import Testing
@testable import TerminalUI

@Suite("TerminalUI")
struct TerminalUITests {
    @Test func keyDecoding() {
        #expect(Key.decode(0x71, isKeyCode: false) == .char("q"))
        #expect(Key.decode(0x0D, isKeyCode: false) == .enter)
        #expect(Key.decode(0x0A, isKeyCode: false) == .enter)
        #expect(Key.decode(0x09, isKeyCode: false) == .tab)
        #expect(Key.decode(0x1B, isKeyCode: false) == .escape)
        #expect(Key.decode(0x7F, isKeyCode: false) == .backspace)
        #expect(Key.decode(0x03, isKeyCode: false) == .ctrl("c"))
        #expect(Key.decode(0x4E2D, isKeyCode: false) == .char("中"))
        #expect(Key.decode(0x1F600, isKeyCode: false) == .char("😀"))
        #expect(Key.decode(Key.Code.up, isKeyCode: true) == .up)
        #expect(Key.decode(Key.Code.pageDown, isKeyCode: true) == .pageDown)
        #expect(Key.decode(Key.Code.f0 + 5, isKeyCode: true) == .function(5))
        #expect(Key.decode(Key.Code.resize, isKeyCode: true) == .resize)
        #expect(Key.decode(Key.Code.backTab, isKeyCode: true) == .backTab)
        #expect(Key.decode(0o777, isKeyCode: true) == nil)
        // A key code and a character with the same number are different keys.
        #expect(Key.decode(0x103, isKeyCode: false) == .char("ă"))
    }

    @Test func widths() {
        #expect(TextWidth.of("abc") == 3)
        #expect(TextWidth.of("中文") == 4)
        #expect(TextWidth.of("é") == 1)
        #expect(TextWidth.of("e\u{301}") == 1)
        #expect(TextWidth.of("😀") == 2)
        #expect(TextWidth.truncate("中文字符", to: 5) == "中文…")
        #expect(TextWidth.pad("ab", to: 4) == "ab  ")
        #expect(TextWidth.pad("ab", to: 4, alignRight: true) == "  ab")
        #expect(TextWidth.wrap("the quick brown fox", width: 9) == ["the quick", "brown fox"])
        #expect(TextWidth.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(TextWidth.wrap("a\nb", width: 4) == ["a", "b"])
    }

    @Test func canvasWideCharacters() {
        var canvas = Canvas(width: 6, height: 1)
        #expect(canvas.put("中x", x: 0, y: 0) == 3)
        #expect(canvas[1, 0].continuation)
        #expect(canvas.text == "中x")
        // A wide character that does not fit is not half-drawn.
        canvas.put("ab中", x: 3, y: 0)
        #expect(canvas.text == "中xab")
        // Overwriting the right half of a wide character blanks its left half.
        canvas.put("z", x: 1, y: 0)
        #expect(canvas.text == " zxab")
    }

    @Test func canvasDiff() {
        var a = Canvas(width: 4, height: 2)
        a.put("ab", x: 0, y: 0)
        var b = a
        b.put("c", x: 3, y: 1)
        #expect(b.changes(since: a).map { [$0.x, $0.y] } == [[3, 1]])
        #expect(b.changes(since: nil).count == 8)
        #expect(b.changes(since: Canvas(width: 5, height: 2)).count == 8)
    }

    @Test func textFieldEditing() {
        var field = TextField(label: "Email")
        for c in "abd" { field.handle(.char(c)) }
        field.handle(.left)
        field.handle(.char("c"))
        #expect(field.text == "abcd")
        field.handle(.home)
        field.handle(.delete)
        #expect(field.text == "bcd")
        field.handle(.end)
        field.handle(.backspace)
        #expect(field.text == "bc")
        field.handle(.ctrl("u"))
        #expect(field.text == "")
        #expect(field.handle(.up) == false)
        let secret = TextField(label: "Password", text: "hunter2", isSecret: true)
        #expect(secret.display == "•••••••")
    }

    @Test func registryGeneratesHelpAndHints() {
        enum Command: Equatable, Sendable { case quit, refresh }
        let registry = KeyRegistry<Command>(
            title: "T", [KeyBinding([.char("r"), .function(5)], "Refresh now", .refresh, hint: "refresh"), KeyBinding([.char("q")], "Quit", .quit)])
        #expect(registry.command(for: .function(5)) == .refresh)
        #expect(registry.command(for: .char("x")) == nil)
        #expect(registry.helpLines.map(\.keys) == ["r/F5", "q"])
        #expect(registry.hintBar == "r refresh")
    }

    @Test func memoryScreenCountsOnlyChangedCells() {
        let screen = MemoryScreen(width: 10, height: 2)
        var canvas = Canvas(width: 10, height: 2)
        canvas.put("hello", x: 0, y: 0)
        screen.draw(canvas)
        #expect(screen.cellsWritten == 20)
        canvas.put("j", x: 0, y: 0)
        screen.draw(canvas)
        #expect(screen.cellsWritten == 21)
        #expect(screen.text == "jello\n")
    }
}

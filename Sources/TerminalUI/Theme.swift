/// Named styles the views use; a theme maps them to colors (or to plain attributes in monochrome).
public struct Theme: Sendable, Equatable {
    public var ascii: Bool
    public var title: Style
    public var text: Style
    public var muted: Style
    public var emphasis: Style
    public var input: Style
    public var inputFocused: Style
    public var cursor: Style
    public var hintKey: Style
    public var hintBar: Style
    public var error: Style
    public var success: Style
    public var border: Style
    public var selection: Style
    /// Table headers.
    public var header: Style = Style(bold: true, underline: true)
    /// Marked rows.
    public var marked: Style = Style(foreground: .yellow, bold: true)
    /// The active tab.
    public var activeTab: Style = Style(foreground: .black, background: .cyan, bold: true)
    /// Chart bars.
    public var chart: Style = Style(foreground: .cyan)
    /// Warnings (stale data, an unreachable server).
    public var warning: Style = Style(foreground: .yellow, bold: true)

    /// Colors for terminals that have them.
    public static func standard(ascii: Bool = false) -> Theme {
        Theme(
            ascii: ascii,
            title: Style(foreground: .black, background: .cyan, bold: true),
            text: .plain,
            muted: Style(dim: true),
            emphasis: Style(bold: true),
            input: Style(underline: true),
            inputFocused: Style(foreground: .white, background: .blue),
            cursor: Style(reverse: true),
            hintKey: Style(foreground: .cyan, bold: true),
            hintBar: Style(foreground: .default, background: .default, dim: false),
            error: Style(foreground: .red, bold: true),
            success: Style(foreground: .green, bold: true),
            border: Style(foreground: .cyan),
            selection: Style(foreground: .black, background: .cyan)
        )
    }

    /// Attributes only (bold, underline, reverse): for `NO_COLOR` and monochrome terminals.
    public static func monochrome(ascii: Bool = false) -> Theme {
        Theme(
            ascii: ascii,
            title: Style(reverse: true, bold: true) ,
            text: .plain,
            muted: Style(dim: true),
            emphasis: Style(bold: true),
            input: Style(underline: true),
            inputFocused: Style(underline: true, reverse: true),
            cursor: Style(bold: true),
            hintKey: Style(bold: true),
            hintBar: .plain,
            error: Style(bold: true),
            success: Style(bold: true),
            border: .plain,
            selection: Style(reverse: true),
            header: Style(bold: true, underline: true),
            marked: Style(bold: true),
            activeTab: Style(reverse: true),
            chart: .plain,
            warning: Style(bold: true)
        )
    }
}

extension Style {
    init(reverse: Bool, bold: Bool) {
        self.init(bold: bold, reverse: reverse)
    }
}

import CNcurses
import Foundation

/// The real terminal, through ncursesw. The only file that imports CNcurses.
public final class NcursesScreen: Screen {
    private var previous: Canvas?
    private var colorPairs: [Int32: Int16] = [:]
    private var nextPair: Int16 = 1
    private let useColor: Bool
    private var isShutDown = false

    /// Takes over the terminal. `monochrome` (or `NO_COLOR` in the environment) disables colors.
    public init(monochrome: Bool = false) {
        setlocale(LC_ALL, "")
        ss_initscr()
        raw()
        noecho()
        nonl()
        ss_keypad_stdscr(true)
        set_escdelay(25)
        ss_curs_set(0)
        let noColorEnv = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        if !monochrome, !noColorEnv, has_colors() {
            start_color()
            use_default_colors()
            useColor = true
        } else {
            useColor = false
        }
    }

    public var size: (width: Int, height: Int) {
        (Int(ss_cols()), Int(ss_lines()))
    }

    public func draw(_ canvas: Canvas) {
        let changed = canvas.changes(since: previous)
        if previous == nil || previous?.width != canvas.width || previous?.height != canvas.height {
            ss_clear()
        }
        for (x, y) in changed {
            let cell = canvas[x, y]
            if cell.continuation { continue }
            ss_set_attributes(attributes(for: cell.style))
            var text = String(cell.character)
            if TextWidth.of(cell.character) == 0 { text = " " }
            // The bottom-right cell cannot be written without scrolling on some terminals.
            if x == canvas.width - 1, y == canvas.height - 1 {
                ss_insstr_at(Int32(y), Int32(x), text)
            } else {
                ss_addstr_at(Int32(y), Int32(x), text)
            }
        }
        ss_set_attributes(0)
        ss_refresh()
        previous = canvas
    }

    public func readKey(timeoutMilliseconds: Int) -> Key? {
        ss_timeout(Int32(timeoutMilliseconds))
        var value: UInt32 = 0
        let result = ss_get_wch(&value)
        guard result != ss_err() else { return nil }
        let key = Key.decode(value, isKeyCode: result == ss_key_code_yes())
        if key == .resize { previous = nil }
        return key
    }

    public func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        ss_curs_set(1)
        endwin()
    }

    deinit { shutdown() }

    private func attributes(for style: Style) -> Int32 {
        var attributes: Int32 = 0
        if style.bold { attributes |= ss_a_bold() }
        if style.underline { attributes |= ss_a_underline() }
        if style.reverse { attributes |= ss_a_reverse() }
        if style.dim { attributes |= ss_a_dim() }
        if useColor, style.foreground != .default || style.background != .default {
            let key = Int32(style.foreground.rawValue + 1) * 16 + Int32(style.background.rawValue + 1)
            let pair: Int16
            if let existing = colorPairs[key] {
                pair = existing
            } else {
                pair = nextPair
                nextPair += 1
                init_pair(pair, Int16(style.foreground.rawValue), Int16(style.background.rawValue))
                colorPairs[key] = pair
            }
            attributes |= ss_color_pair(Int32(pair))
        }
        return attributes
    }
}

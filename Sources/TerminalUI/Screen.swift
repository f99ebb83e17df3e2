import Foundation

/// Where frames go and keys come from. `NcursesScreen` drives a real terminal; `MemoryScreen` keeps the
/// last frame as text for tests.
///
/// ```swift
/// let screen: any Screen = MemoryScreen(width: 80, height: 24)
/// var canvas = Canvas(width: screen.size.width, height: screen.size.height)
/// canvas.put("hello", x: 0, y: 0)
/// screen.draw(canvas)
/// ```
public protocol Screen: AnyObject {
    /// Columns and rows now.
    var size: (width: Int, height: Int) { get }
    /// Shows `canvas`, writing only the cells that changed since the last frame.
    func draw(_ canvas: Canvas)
    /// The next key, or nil when none arrived within `timeoutMilliseconds`.
    func readKey(timeoutMilliseconds: Int) -> Key?
    /// Restores the terminal.
    func shutdown()
}

/// An in-memory screen for tests: feed keys, read the last frame.
public final class MemoryScreen: Screen {
    public var size: (width: Int, height: Int)
    public private(set) var lastFrame: Canvas?
    public private(set) var framesDrawn = 0
    public private(set) var cellsWritten = 0
    private var pendingKeys: [Key] = []

    public init(width: Int = 80, height: Int = 24) {
        self.size = (width, height)
    }

    public func feed(_ keys: Key...) { pendingKeys.append(contentsOf: keys) }
    public func feed(text: String) { pendingKeys.append(contentsOf: text.map { Key.char($0) }) }

    public func resize(width: Int, height: Int) {
        size = (width, height)
        pendingKeys.append(.resize)
    }

    public func draw(_ canvas: Canvas) {
        cellsWritten += canvas.changes(since: lastFrame).count
        lastFrame = canvas
        framesDrawn += 1
    }

    public func readKey(timeoutMilliseconds: Int) -> Key? {
        pendingKeys.isEmpty ? nil : pendingKeys.removeFirst()
    }

    public func shutdown() {}

    /// The last frame as text.
    public var text: String { lastFrame?.text ?? "" }
}

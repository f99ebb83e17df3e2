import ArgumentParser
import Foundation
import Models
import TerminalUI

/// `spendsense bench-ui` (hidden; used by `make bench`): the review queue with 50,000 rows in memory — sort, filter,
/// and one full frame rendered at 160×48 — timed over several runs; prints `name<TAB>value<TAB>unit` lines.
struct BenchUI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-ui", abstract: "Console benchmark (for make bench).", shouldDisplay: false)
    @Option(help: "Rows in the queue.") var rows = 50_000

    func run() async throws {
        let clock = ContinuousClock()
        let start = Date(timeIntervalSince1970: 1_763_769_600)
        let personas = PersonaID.allCases
        let titles = ["How credit utilization shapes your score", "A $500 starter emergency fund", "High-yield savings account",
                      "Line up bills with paydays", "Subscription tracker, free for a year", "Avalanche or snowball: choosing a payoff order"]
        let names = ["Olivia Wright", "Nikhil Martin", "Rosa Haddad", "Isla Ito", "王小明", "Ben Brooks", "Ana Fischer"]
        var items: [ReviewItem] = []
        items.reserveCapacity(rows)
        for n in 0..<rows {
            let recommendation = Recommendation(
                id: UUID(), userID: UUID(), type: n % 3 == 0 ? .partnerOffer : .education, catalogItemID: "item_\(n % 34)",
                title: titles[n % titles.count], content: "", rationale: "", disclaimer: "", status: n % 11 == 0 ? .approved : .pending,
                persona: personas[n % personas.count], version: 1, createdAt: start.addingTimeInterval(Double(n * 37 % 86_400)),
                updatedAt: start, decisionTrace: nil)
            items.append(ReviewItem(recommendation: recommendation, userName: names[(n / 5) % names.count], userEmail: nil))
        }
        var state = AppState(server: "http://bench")
        state.stack = [.queue]
        let page = Page(items: items, total: rows, skip: 0, limit: rows)

        var load: [Double] = []
        var sort: [Double] = []
        var filter: [Double] = []
        var frame: [Double] = []
        let theme = Theme.standard()
        for round in 0..<7 {
            var t = clock.now
            _ = reduce(&state, .queueLoaded(page, at: Date()))
            load.append(ms(clock.now - t))
            t = clock.now
            state.queue.table.sort(by: round % 2 == 0 ? 3 : 4)  // user, then title
            sort.append(ms(clock.now - t))
            t = clock.now
            state.queue.table.setFilter(round % 2 == 0 ? "rosa" : "persona:high")
            filter.append(ms(clock.now - t))
            state.queue.table.setFilter("")
            t = clock.now
            let canvas = render(&state, width: 160, height: 48, theme: theme)
            frame.append(ms(clock.now - t))
            precondition(canvas.text.contains("Status"))
        }
        func median(_ values: [Double]) -> String { String(format: "%.1f", values.sorted()[values.count / 2]) }
        print("ui_rows\t\(rows)\tcount")
        print("ui_load_ms\t\(median(load))\tms")
        print("ui_sort_ms\t\(median(sort))\tms")
        print("ui_filter_ms\t\(median(filter))\tms")
        print("ui_frame_ms\t\(median(frame))\tms")
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "" } ?? ""
        print("ui_peak_rss_kb\t\(peak)\tkB")
    }

    private func ms(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}

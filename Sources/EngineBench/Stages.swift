@_spi(Benchmark) import Engine
import Foundation
import Models

/// Per-stage timings for one document (printed with `--stages`).
func printStages(_ upload: Data) throws {
    let clock = ContinuousClock()
    func time<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        var result: T? = nil
        let start = clock.now
        for _ in 0..<20 { result = try body() }
        print("stage \(name): \((clock.now - start) / 20)")
        return result!
    }
    _ = try time("jsonserialization") { try JSONSerialization.jsonObject(with: upload) }
    _ = time("json reader") { ParserProbe.readJSON(upload) }
    let parsed = time("parse+validate") { UploadParser.parse(upload, format: .json) }
    let report = time("signals") { SignalEngine.report(parsed.data) }
    let personas = time("personas") { PersonaEngine.assign(report) }
    _ = time("recommendations") { RecommendationEngine().recommend(data: parsed.data, report: report, personas: personas) }
}

import Foundation
import FuzzHarness
import Testing

/// Every input committed under Fuzz/Corpus and Fuzz/Regressions (crashes found by `make fuzz` are copied
/// there) goes through the fuzz targets' code on every test run, without the fuzzer.
@Suite("Fuzz regressions: committed inputs replayed")
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ target: String) -> [URL] {
        ["Corpus", "Regressions"].flatMap { folder in
            let directory = root.appendingPathComponent(folder).appendingPathComponent(target)
            return ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
                .filter { !$0.lastPathComponent.hasPrefix(".") }
        }
    }

    @Test("every committed input of every target returns", arguments: ["FuzzJSON", "FuzzCSV", "FuzzValidator", "FuzzMultipart"])
    func replay(target: String) throws {
        let files = Self.inputs(target)
        #expect(!files.isEmpty, "no seeds for \(target) under \(Self.root.path)")
        let run: (Data) -> Void =
            switch target {
            case "FuzzJSON": FuzzHarness.json
            case "FuzzCSV": FuzzHarness.csv
            case "FuzzValidator": FuzzHarness.validator
            default: FuzzHarness.multipart
            }
        for file in files { run(try Data(contentsOf: file)) }
    }
}

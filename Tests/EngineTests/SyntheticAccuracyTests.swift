import Foundation
import Models
import Testing

@testable import Engine

@Suite("Synthetic data and persona accuracy")
struct SyntheticAccuracyTests {
    @Test("the primary persona equals the planted label for at least 95% of the default 100 users")
    func plantedPersonasAreFound() {
        let users = SyntheticGenerator().users(count: 100)
        var correct = 0
        var confusion: [String: Int] = [:]
        for user in users {
            let result = InsightPipeline.run(user.data)
            if result.personas.primary == user.label {
                correct += 1
            } else {
                confusion["\(user.label.rawValue) → \(result.personas.primary.rawValue)", default: 0] += 1
            }
        }
        let accuracy = Double(correct) / Double(users.count)
        print("persona accuracy on 100 generated users: \(correct)/100 (\(Int(accuracy * 100))%); misses: \(confusion.sorted { $0.key < $1.key })")
        #expect(accuracy >= 0.95)
    }

    @Test("the same seed gives the same data; another seed does not")
    func deterministic() throws {
        let a = SyntheticGenerator(seed: 7).user(index: 3)
        let b = SyntheticGenerator(seed: 7).user(index: 3)
        let c = SyntheticGenerator(seed: 8).user(index: 3)
        #expect(a == b)
        #expect(a.data != c.data)
        let encoded = try JSONEncoder.spendSense.encode(a.data)
        #expect(encoded == (try JSONEncoder.spendSense.encode(b.data)))
    }

    @Test("generated data validates cleanly in both JSON and CSV form")
    func generatedDataIsValid() throws {
        for user in SyntheticGenerator(seed: 11).users(count: 12) {
            let json = try SyntheticExport.json(user.data)
            let parsedJSON = UploadParser.parse(json, format: .json)
            #expect(parsedJSON.issues == [], "\(user.id): \(parsedJSON.issues.prefix(3))")
            #expect(parsedJSON.data == user.data)
            let csv = SyntheticExport.csv(user.data)
            let parsedCSV = UploadParser.parse(csv, format: .csv)
            #expect(parsedCSV.issues == [], "\(user.id): \(parsedCSV.issues.prefix(3))")
            #expect(parsedCSV.data == user.data)
        }
    }
}

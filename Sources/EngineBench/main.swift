import Engine
import Foundation
import Models

// Engine benchmarks for `make bench`: prints one `name<TAB>value<TAB>unit` line per figure.
//   1. full pipeline (parse JSON + validate + signals + personas + recommendations) for one user with ~1,000
//      transactions: median of many runs;
//   2. the same pipeline for 10,000 generated users on every core.

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

let clock = ContinuousClock()

// `--write-upload PATH MB`: a generated upload JSON of about MB megabytes (for the HTTP upload benchmark).
if let flag = CommandLine.arguments.firstIndex(of: "--write-upload"), CommandLine.arguments.count > flag + 2,
    let megabytes = Double(CommandLine.arguments[flag + 2])
{
    // ~340 KB per 1,000 transactions at density 3.7; scale the density to the size wanted.
    var density = 3.7 * megabytes * 1_000_000 / 341_000 * 1.3
    var document = try SyntheticExport.json(SyntheticGenerator(seed: 3, density: density).user(index: 0).data)
    while document.count > Int(megabytes * 1_000_000) {
        density *= 0.97
        document = try SyntheticExport.json(SyntheticGenerator(seed: 3, density: density).user(index: 0).data)
    }
    try document.write(to: URL(fileURLWithPath: CommandLine.arguments[flag + 1]))
    print("wrote \(document.count) bytes")
    exit(0)
}

if CommandLine.arguments.contains("--stages") {
    try printStages(try SyntheticExport.json(SyntheticGenerator(seed: 1, density: 3.7).user(index: 0).data))
    exit(0)
}

// 1. One heavy user.
let heavy = SyntheticGenerator(seed: 1, density: 3.7).user(index: 0)
let upload = try SyntheticExport.json(heavy.data)
var runs: [Double] = []
var recommendations = 0
for _ in 0..<300 {
    let start = clock.now
    let parsed = UploadParser.parse(upload, format: .json)
    precondition(parsed.isValid)
    let result = InsightPipeline.run(parsed.data)
    recommendations = result.recommendations.count
    runs.append(seconds(clock.now - start))
}
runs.sort()
print("one_user_transactions\t\(heavy.data.transactions.count)\tcount")
print("one_user_upload_bytes\t\(upload.count)\tbytes")
print("one_user_pipeline_p50\t\(String(format: "%.3f", runs[runs.count / 2] * 1000))\tms")
print("one_user_pipeline_p90\t\(String(format: "%.3f", runs[runs.count * 9 / 10] * 1000))\tms")
print("one_user_recommendations\t\(recommendations)\tcount")

// 2. Ten thousand users: generate, encode, then time parse + pipeline across all cores.
let userCount = Int(ProcessInfo.processInfo.environment["BENCH_USERS"] ?? "") ?? 10_000
let generator = SyntheticGenerator(seed: 2)
let documents: [Data] = try (0..<userCount).map { try SyntheticExport.json(generator.user(index: $0).data) }
let cores = ProcessInfo.processInfo.activeProcessorCount
let start = clock.now
let processed = await withTaskGroup(of: Int.self) { group in
    let chunk = (userCount + cores - 1) / cores
    for worker in 0..<cores {
        let slice = documents[min(userCount, worker * chunk)..<min(userCount, (worker + 1) * chunk)]
        group.addTask {
            var count = 0
            for document in slice {
                let parsed = UploadParser.parse(document, format: .json)
                if parsed.isValid { count += InsightPipeline.run(parsed.data).recommendations.isEmpty ? 0 : 1 }
            }
            return count
        }
    }
    var sum = 0
    for await count in group { sum += count }
    return sum
}
let total = seconds(clock.now - start)
print("many_users\t\(userCount)\tcount")
print("many_users_with_recommendations\t\(processed)\tcount")
print("many_users_seconds\t\(String(format: "%.2f", total))\ts")
print("cores\t\(cores)\tcount")

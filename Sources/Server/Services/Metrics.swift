import Foundation
import Models
import NIOConcurrencyHelpers

/// Request counts and latency histograms by method, route and status, rendered as Prometheus text.
/// Lock-protected dictionaries: one short critical section per request.
public final class MetricsRegistry: Sendable {
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Key: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    struct Series {
        var count = 0
        var sum = 0.0
        var bucketCounts = [Int](repeating: 0, count: MetricsRegistry.buckets.count)

        mutating func add(_ seconds: Double) {
            count += 1
            sum += seconds
            if let index = MetricsRegistry.buckets.firstIndex(where: { seconds <= $0 }) { bucketCounts[index] += 1 }
        }

        /// The Prometheus histogram lines of this series under `name{labels}`.
        func render(_ name: String, labels: String) -> String {
            var out = ""
            var cumulative = 0
            for (index, bound) in MetricsRegistry.buckets.enumerated() {
                cumulative += bucketCounts[index]
                out += "\(name)_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "\(name)_bucket{\(labels),le=\"+Inf\"} \(count)\n"
            out += "\(name)_sum{\(labels)} \(sum)\n\(name)_count{\(labels)} \(count)\n"
            return out
        }
    }

    private let series = NIOLockedValueBox<[Key: Series]>([:])
    /// The most recent request durations per method and route, for percentiles in the analytics.
    private let recent = NIOLockedValueBox<[String: Reservoir]>([:])

    struct Reservoir {
        static let capacity = 2048
        var samples: [Double] = []
        var next = 0
        var count = 0

        mutating func add(_ value: Double) {
            count += 1
            if samples.count < Self.capacity {
                samples.append(value)
            } else {
                samples[next] = value
                next = (next + 1) % Self.capacity
            }
        }
    }
    private let counters = NIOLockedValueBox<[String: Int]>([:])

    public init() {}

    /// Records one finished request.
    public func record(method: String, route: String, status: Int, seconds: Double) {
        let key = Key(method: method, route: route, status: status)
        series.withLockedValue { all in
            all[key, default: Series()].add(seconds)
        }
        recent.withLockedValue { $0["\(method) \(route)", default: Reservoir()].add(seconds) }
    }

    /// p50/p95/p99 (milliseconds) of the most recent requests per route, busiest first.
    public func routeLatencies() -> [RouteLatency] {
        let snapshot = recent.withLockedValue { $0 }
        return snapshot.map { key, reservoir in
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            let sorted = reservoir.samples.sorted()
            func percentile(_ p: Double) -> Double {
                guard !sorted.isEmpty else { return 0 }
                let index = min(sorted.count - 1, Int(saturating: (p * Double(sorted.count)).rounded(.up)) - 1)
                return (sorted[max(0, index)] * 1000 * 100).rounded() / 100
            }
            return RouteLatency(
                method: parts[0], route: parts.count > 1 ? parts[1] : "", count: reservoir.count, p50Milliseconds: percentile(0.5),
                p95Milliseconds: percentile(0.95), p99Milliseconds: percentile(0.99))
        }.sorted { ($0.count, $0.route) > ($1.count, $1.route) }
    }

    private let jobSeries = NIOLockedValueBox<[String: Series]>([:])

    /// Records one finished job run by kind and outcome (completed, retry, dead).
    public func record(job kind: String, outcome: String, seconds: Double) {
        jobSeries.withLockedValue { all in
            all["kind=\"\(kind)\",outcome=\"\(outcome)\"", default: Series()].add(seconds)
        }
    }

    /// Adds to a named counter (cache hits, jobs processed, …).
    public func increment(_ name: String, by amount: Int = 1) {
        counters.withLockedValue { $0[name, default: 0] += amount }
    }

    /// The Prometheus text exposition of everything recorded so far.
    public func render() -> String {
        let snapshot = series.withLockedValue { $0 }
        let counterSnapshot = counters.withLockedValue { $0 }
        var out = "# HELP http_requests_total HTTP requests by method, route and status.\n"
        out += "# TYPE http_requests_total counter\n"
        let keys = snapshot.keys.sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
        for key in keys {
            out += "http_requests_total{\(labels(key))} \(snapshot[key]!.count)\n"
        }
        out += "# HELP http_request_duration_seconds HTTP request latency by method, route and status.\n"
        out += "# TYPE http_request_duration_seconds histogram\n"
        for key in keys {
            out += snapshot[key]!.render("http_request_duration_seconds", labels: labels(key))
        }
        let jobs = jobSeries.withLockedValue { $0 }
        if !jobs.isEmpty {
            out += "# HELP job_duration_seconds Background job run time by kind and outcome.\n# TYPE job_duration_seconds histogram\n"
            for key in jobs.keys.sorted() {
                out += jobs[key]!.render("job_duration_seconds", labels: key)
            }
        }
        for name in counterSnapshot.keys.sorted() {
            out += "# TYPE \(name) counter\n\(name) \(counterSnapshot[name]!)\n"
        }
        return out
    }

    private func labels(_ key: Key) -> String {
        "method=\"\(escape(key.method))\",route=\"\(escape(key.route))\",status=\"\(key.status)\""
    }

    private func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

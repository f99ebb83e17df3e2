import Foundation

public struct CoverageAnalytics: Codable, Sendable, Equatable {
    public var usersTotal: Int
    public var usersWithData: Int
    public var usersWithPersona: Int
    public var usersWithThreeOrMoreSignals: Int
    public var usersConsenting: Int
    /// Share (0…1) of users with data who have a persona.
    public var personaCoverage: Double
    public var personaDistribution: [String: Int]

    public init(usersTotal: Int, usersWithData: Int, usersWithPersona: Int, usersWithThreeOrMoreSignals: Int, usersConsenting: Int, personaDistribution: [String: Int]) {
        self.usersTotal = usersTotal
        self.usersWithData = usersWithData
        self.usersWithPersona = usersWithPersona
        self.usersWithThreeOrMoreSignals = usersWithThreeOrMoreSignals
        self.usersConsenting = usersConsenting
        self.personaCoverage = usersWithData > 0 ? Double(usersWithPersona) / Double(usersWithData) : 0
        self.personaDistribution = personaDistribution
    }

    enum CodingKeys: String, CodingKey {
        case usersTotal = "users_total"
        case usersWithData = "users_with_data"
        case usersWithPersona = "users_with_persona"
        case usersWithThreeOrMoreSignals = "users_with_3_signals"
        case usersConsenting = "users_consenting"
        case personaCoverage = "persona_coverage"
        case personaDistribution = "persona_distribution"
    }
}

public struct ExplainabilityAnalytics: Codable, Sendable, Equatable {
    public var recommendations: Int
    /// With a rationale that quotes figures from the user's data.
    public var withDataCitingRationale: Int
    /// With a decision trace whose checks all passed and that records the signals used.
    public var withCompleteTrace: Int
    public var rationaleShare: Double
    public var traceShare: Double

    public init(recommendations: Int, withDataCitingRationale: Int, withCompleteTrace: Int) {
        self.recommendations = recommendations
        self.withDataCitingRationale = withDataCitingRationale
        self.withCompleteTrace = withCompleteTrace
        self.rationaleShare = recommendations > 0 ? Double(withDataCitingRationale) / Double(recommendations) : 0
        self.traceShare = recommendations > 0 ? Double(withCompleteTrace) / Double(recommendations) : 0
    }

    enum CodingKeys: String, CodingKey {
        case recommendations
        case withDataCitingRationale = "with_data_citing_rationale"
        case withCompleteTrace = "with_complete_trace"
        case rationaleShare = "rationale_share"
        case traceShare = "trace_share"
    }
}

public struct RouteLatency: Codable, Sendable, Equatable {
    public var method: String
    public var route: String
    public var count: Int
    public var p50Milliseconds: Double
    public var p95Milliseconds: Double
    public var p99Milliseconds: Double

    public init(method: String, route: String, count: Int, p50Milliseconds: Double, p95Milliseconds: Double, p99Milliseconds: Double) {
        self.method = method
        self.route = route
        self.count = count
        self.p50Milliseconds = p50Milliseconds
        self.p95Milliseconds = p95Milliseconds
        self.p99Milliseconds = p99Milliseconds
    }

    enum CodingKeys: String, CodingKey {
        case method, route, count
        case p50Milliseconds = "p50_ms"
        case p95Milliseconds = "p95_ms"
        case p99Milliseconds = "p99_ms"
    }
}

public struct PerformanceAnalytics: Codable, Sendable, Equatable {
    /// From this server process's own measurements (most recent requests per route).
    public var routes: [RouteLatency]
    public var jobsCompleted: Int
    public var jobP50Seconds: Double?
    public var jobP95Seconds: Double?
    public var queueDepth: Int
    public var deadLetters: Int
    public var reviewTurnaroundMedianHours: Double?
    public var reviewTurnaroundMeanHours: Double?

    public init(routes: [RouteLatency], jobsCompleted: Int, jobP50Seconds: Double?, jobP95Seconds: Double?, queueDepth: Int, deadLetters: Int, reviewTurnaroundMedianHours: Double?, reviewTurnaroundMeanHours: Double?) {
        self.routes = routes
        self.jobsCompleted = jobsCompleted
        self.jobP50Seconds = jobP50Seconds
        self.jobP95Seconds = jobP95Seconds
        self.queueDepth = queueDepth
        self.deadLetters = deadLetters
        self.reviewTurnaroundMedianHours = reviewTurnaroundMedianHours
        self.reviewTurnaroundMeanHours = reviewTurnaroundMeanHours
    }

    enum CodingKeys: String, CodingKey {
        case routes
        case jobsCompleted = "jobs_completed"
        case jobP50Seconds = "job_p50_seconds"
        case jobP95Seconds = "job_p95_seconds"
        case queueDepth = "queue_depth"
        case deadLetters = "dead_letters"
        case reviewTurnaroundMedianHours = "review_turnaround_median_hours"
        case reviewTurnaroundMeanHours = "review_turnaround_mean_hours"
    }
}

public struct DailyEngagement: Codable, Sendable, Equatable {
    public var day: Day
    public var created: Int
    public var approved: Int
    public var rejected: Int
    public var modified: Int

    public init(day: Day, created: Int = 0, approved: Int = 0, rejected: Int = 0, modified: Int = 0) {
        self.day = day
        self.created = created
        self.approved = approved
        self.rejected = rejected
        self.modified = modified
    }
}

public struct EngagementAnalytics: Codable, Sendable, Equatable {
    public var approved: Int
    public var rejected: Int
    public var modified: Int
    public var feedbackCount: Int
    public var averageRating: Double?
    public var helpfulShare: Double?
    public var daily: [DailyEngagement]

    public init(approved: Int, rejected: Int, modified: Int, feedbackCount: Int, averageRating: Double?, helpfulShare: Double?, daily: [DailyEngagement]) {
        self.approved = approved
        self.rejected = rejected
        self.modified = modified
        self.feedbackCount = feedbackCount
        self.averageRating = averageRating
        self.helpfulShare = helpfulShare
        self.daily = daily
    }

    enum CodingKeys: String, CodingKey {
        case approved, rejected, modified, daily
        case feedbackCount = "feedback_count"
        case averageRating = "average_rating"
        case helpfulShare = "helpful_share"
    }
}

public struct AnalyticsReport: Codable, Sendable, Equatable {
    public var from: Day
    public var to: Day
    public var coverage: CoverageAnalytics
    public var explainability: ExplainabilityAnalytics
    public var performance: PerformanceAnalytics
    public var engagement: EngagementAnalytics

    public init(from: Day, to: Day, coverage: CoverageAnalytics, explainability: ExplainabilityAnalytics, performance: PerformanceAnalytics, engagement: EngagementAnalytics) {
        self.from = from
        self.to = to
        self.coverage = coverage
        self.explainability = explainability
        self.performance = performance
        self.engagement = engagement
    }
}

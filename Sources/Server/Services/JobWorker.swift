import Engine
import Foundation
import Logging
import Models
import ServiceLifecycle
import Storage

/// Runs queued jobs in the server process: claims one, runs the engine, writes the results in one transaction.
/// A failure is retried with exponential backoff and dead-lettered after the job's attempts; a job whose worker
/// died is claimed again once its lease expires.
public struct JobWorker: Service {
    let dependencies: AppDependencies
    /// How long a claimed job belongs to this worker before another may take it (`JOB_LEASE_SECONDS`).
    var lease: TimeInterval
    var idlePoll: Duration = .milliseconds(250)

    public init(dependencies: AppDependencies) {
        self.dependencies = dependencies
        self.lease = dependencies.configuration.jobLease
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let didWork = (try? await runOnce()) ?? false
                if !didWork { try await Task.sleep(for: idlePoll) }
            }
        }
    }

    /// Claims and runs one job; false when none was ready.
    @discardableResult
    public func runOnce(now: Date = Date()) async throws -> Bool {
        guard let job = try await dependencies.uploads.claimJob(now: now, lease: lease) else { return false }
        let started = ContinuousClock.now
        var logger = dependencies.logger
        logger[metadataKey: "job.id"] = .string(job.id.uuidString.lowercased())
        do {
            try await process(job)
            let elapsed = ContinuousClock.now - started
            dependencies.metrics.record(job: job.kind.rawValue, outcome: "completed", seconds: elapsed.seconds)
            logger.info("job completed", metadata: ["job.kind": .string(job.kind.rawValue), "duration_ms": .stringConvertible(Int(saturating: elapsed.seconds * 1000))])
        } catch StorageError.conflict(let why) {
            // Another worker took the job after our lease ran out; its result stands.
            logger.warning("job result discarded", metadata: ["reason": .string(why)])
        } catch {
            let backoff = min(300, dependencies.configuration.jobRetryBaseSeconds * pow(2, Double(job.attempts - 1)))
            try await dependencies.uploads.failJob(job, error: String(describing: error), retryAfter: backoff, now: now)
            dependencies.metrics.record(job: job.kind.rawValue, outcome: job.attempts >= job.maxAttempts ? "dead" : "retry", seconds: (ContinuousClock.now - started).seconds)
            logger.error("job failed", metadata: ["attempt": .stringConvertible(job.attempts), "error": .string(String(describing: error))])
        }
        await dependencies.cache.invalidate(job.userID)
        return true
    }

    func process(_ job: Job) async throws {
        switch job.kind {
        case .processUpload:
            guard let uploadID = job.uploadID, let upload = try await dependencies.uploads.find(id: uploadID),
                let key = try await dependencies.uploads.blobKey(uploadID: uploadID)
            else { throw JobError("the upload or its file is missing") }
            let bytes = try await dependencies.blobs.get(key)
            let parsed = UploadParser.parse(bytes, format: UploadFormat(rawValue: upload.fileType) ?? .detect(bytes, fileName: upload.fileName))
            guard parsed.isValid else { throw JobError("stored file no longer validates: \(parsed.issues.first?.message ?? "")") }
            let result = InsightPipeline.run(parsed.data)
            try await dependencies.insights.completeJob(
                job, data: parsed.data, report: result.report, personas: result.personas, drafts: result.recommendations, now: Date())
        case .generateRecommendations:
            guard let data = try await dependencies.insights.financialData(userID: job.userID) else {
                throw JobError("the user has no processed data")
            }
            let result = InsightPipeline.run(data)
            try await dependencies.insights.completeJob(
                job, data: nil, report: result.report, personas: result.personas, drafts: result.recommendations, now: Date())
        }
    }
}

struct JobError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

import Foundation
import HTTPTypes
import Models
import Storage
import TestSupport
import Testing

@testable import Server

/// Issue 13 (started): settings for several instances.
@Suite("Instances: job lease")
struct InstanceTests {
    @Test("JOB_LEASE_SECONDS sets how long a claimed job belongs to its worker", arguments: TestBackend.available)
    func jobLease(backend: TestBackend) async throws {
        try await withApp(backend, configure: { $0.runWorker = false; $0.jobLease = 7 }) { dependencies, client in
            #expect(JobWorker(dependencies: dependencies).lease == 7)
            let user = try await client.register("lease@example.com")
            #expect(try await client.upload(try generatedUpload(), token: user.accessToken).status == .created)
            let now = Date()
            // A worker claims the job with the configured lease and stops.
            #expect(try await dependencies.uploads.claimJob(now: now, lease: JobWorker(dependencies: dependencies).lease) != nil)
            #expect(try await dependencies.uploads.claimJob(now: now.addingTimeInterval(6), lease: 7) == nil)
            // Another instance takes it once those 7 s are over.
            #expect(try await JobWorker(dependencies: dependencies).runOnce(now: now.addingTimeInterval(8)))
        }
    }
}

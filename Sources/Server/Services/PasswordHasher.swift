import HummingbirdBcrypt
import NIOCore
import NIOPosix

/// bcrypt, always off the event loops (a cost-12 hash takes ~240 ms), on threads of its own: a burst of
/// sign-ins queues here and never takes the threads database work runs on.
public struct PasswordHasher: Sendable {
    /// One thread per core, for the process's lifetime.
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(1, System.coreCount))
        pool.start()
        return pool
    }()

    public let cost: UInt8
    /// A hash of a random string, verified against when the email is unknown so both paths take as long.
    private let decoyHash: String

    public init(cost: UInt8) {
        self.cost = cost
        self.decoyHash = Bcrypt.hash("decoy-\(UInt64.random(in: 0...UInt64.max))", cost: cost)
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await Self.threads.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String?) async throws -> Bool {
        let target = hash ?? decoyHash
        let matches = try await Self.threads.runIfActive { Bcrypt.verify(password, hash: target) }
        return hash != nil && matches
    }
}

import Crypto
import Foundation
import HTTPTypes
import Models
import Server
import Storage
import TestSupport
import Testing

/// The S3 blob store against a local S3 (moto_server, installed by CI).
@Suite("Uploads on S3")
struct S3BlobTests {
    static func bucket(_ moto: MotoServer, _ aws: AWSConfiguration) async throws -> String {
        let name = "spendsense-test-\(UUID().uuidString.prefix(8).lowercased())"
        let created = try await AWSRequest.send("PUT", moto.url.appendingPathComponent(name), service: "s3", aws: aws)
        #expect(created.status == 200, "\(String(decoding: created.body, as: UTF8.self))")
        return name
    }

    @Test("put, get, delete; the bucket holds only ciphertext; a missing object is notFound")
    func roundTrip() async throws {
        guard let moto = await MotoServer.shared() else {
            if TestBackend.isCI { Issue.record("moto_server is not installed or did not start") }
            return
        }
        let aws = AWSConfiguration(region: "us-east-1", accessKeyID: "testing", secretAccessKey: "testing", endpoint: moto.url)
        let bucket = try await Self.bucket(moto, aws)
        let store = S3BlobStore(aws: aws, bucket: bucket, prefix: "blobs/", key: SymmetricKey(size: .bits256))
        let secret = Data(#"{"accounts":[{"account_id":"acc-1","mask":"4523"}]}"#.utf8)
        try await store.put("uploads/u1/a", secret)
        #expect(try await store.get("uploads/u1/a") == secret)
        // What S3 holds is sealed: neither the text nor its length as is.
        let raw = try await AWSRequest.send("GET", moto.url.appendingPathComponent("\(bucket)/blobs/uploads/u1/a"), service: "s3", aws: aws)
        #expect(raw.status == 200 && raw.body != secret && raw.body.count == secret.count + 28)
        #expect(String(decoding: raw.body, as: UTF8.self).contains("4523") == false)
        // Another key cannot open it.
        let other = S3BlobStore(aws: aws, bucket: bucket, prefix: "blobs/", key: SymmetricKey(size: .bits256))
        await #expect(throws: BlobStoreError.self) { _ = try await other.get("uploads/u1/a") }
        #expect(try await store.delete("uploads/u1/a"))
        #expect(try await !store.delete("uploads/u1/a"))
        await #expect(throws: BlobStoreError.notFound("uploads/u1/a")) { _ = try await store.get("uploads/u1/a") }
        await #expect(throws: BlobStoreError.self) { try await store.put("../escape", secret) }
        // A bucket that does not exist is a refusal, not a crash.
        let missing = S3BlobStore(aws: aws, bucket: "no-such-bucket", key: SymmetricKey(size: .bits256))
        await #expect(throws: StorageError.self) { try await missing.put("x", secret) }
    }

    @Test("the whole upload path with BLOB_STORE=s3: upload, the job reads it back, the profile appears")
    func uploadThroughS3() async throws {
        guard let moto = await MotoServer.shared() else {
            if TestBackend.isCI { Issue.record("moto_server is not installed or did not start") }
            return
        }
        let aws = AWSConfiguration(region: "us-east-1", accessKeyID: "testing", secretAccessKey: "testing")
        let bucket = try await Self.bucket(moto, AWSConfiguration(region: "us-east-1", accessKeyID: "testing", secretAccessKey: "testing", endpoint: moto.url))
        try await withApp(configure: { configuration in
            noWorker(&configuration)
            configuration.blobBackend = .s3
            configuration.aws = aws
            configuration.s3Bucket = bucket
            configuration.s3Endpoint = moto.url
        }) { dependencies, client in
            #expect(dependencies.blobs is S3BlobStore)
            let user = try await client.register("cloud@example.com")
            let reply = try await client.upload(try generatedUpload(.highUtilization), token: user.accessToken)
            #expect(reply.status == .created, "\(reply.text)")
            #expect(try await JobWorker(dependencies: dependencies).runOnce())
            let profile = try await client.call(.get, "/api/v1/users/\(user.userID)/profile", token: user.accessToken).decode(Profile.self)
            #expect(profile.persona?.primary == .highUtilization)
            // Revoking consent with deletion removes the object from the bucket.
            _ = try await client.call(.post, "/api/v1/consent", json: ConsentRequest(consentVersion: "2026-01", tosAccepted: true), token: user.accessToken)
            let revoked = try await client.call(.delete, "/api/v1/consent", json: ConsentRevokeRequest(deleteData: true), token: user.accessToken)
            #expect(revoked.status == .ok, "\(revoked.text)")
            #expect(try revoked.decode(ConsentRevokeResult.self).deleted?.blobs == 1)
        }
    }
}

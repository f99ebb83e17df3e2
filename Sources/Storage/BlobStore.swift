import Crypto
import Foundation

/// Where uploaded files live. Keys are opaque paths such as `uploads/<user>/<upload>`.
///
/// ```swift
/// let blobs: any BlobStore = try FileBlobStore(directory: dataDir.appendingPathComponent("blobs"), key: key)
/// try await blobs.put("uploads/u/1", data)
/// ```
public protocol BlobStore: Sendable {
    func put(_ key: String, _ data: Data) async throws
    func get(_ key: String) async throws -> Data
    /// Deletes the blob; false when it did not exist.
    @discardableResult
    func delete(_ key: String) async throws -> Bool
}

public enum BlobStoreError: Error, Equatable {
    case notFound(String)
    case corrupt(String)
    case invalidKey(String)
}

/// Files on local disk, each sealed with AES-256-GCM (a random nonce per file; the file is nonce ‖ ciphertext ‖ tag).
public struct FileBlobStore: BlobStore {
    let directory: URL
    let key: SymmetricKey

    public init(directory: URL, key: SymmetricKey) throws {
        self.directory = directory
        self.key = key
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// The key in `file` (base64, 32 bytes), created with mode 0600 when missing.
    public static func loadOrCreateKey(at file: URL) throws -> SymmetricKey {
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
                throw BlobStoreError.corrupt("the blob key in \(file.path) is not 32 base64 bytes")
            }
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0) }.base64EncodedString()
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw BlobStoreError.corrupt("cannot write the blob key to \(file.path)")
        }
        return key
    }

    func url(_ key: String) throws -> URL {
        directory.appendingPathComponent(try BlobSeal.checked(key))
    }

    public func put(_ key: String, _ data: Data) async throws {
        let target = try url(key)
        let combined = try BlobSeal.seal(data, key: self.key)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try combined.write(to: target, options: .atomic)
    }

    public func get(_ key: String) async throws -> Data {
        let target = try url(key)
        guard let combined = try? Data(contentsOf: target) else { throw BlobStoreError.notFound(key) }
        return try BlobSeal.open(combined, key: self.key, name: key)
    }

    public func delete(_ key: String) async throws -> Bool {
        let target = try url(key)
        guard FileManager.default.fileExists(atPath: target.path) else { return false }
        try FileManager.default.removeItem(at: target)
        return true
    }
}

/// What both stores share: AES-256-GCM sealing (nonce ‖ ciphertext ‖ tag) and the key rules.
enum BlobSeal {
    static func seal(_ data: Data, key: SymmetricKey) throws -> Data {
        guard let combined = try AES.GCM.seal(data, using: key).combined else { throw BlobStoreError.corrupt("sealing failed") }
        return combined
    }

    static func open(_ combined: Data, key: SymmetricKey, name: String) throws -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key)
        } catch {
            throw BlobStoreError.corrupt("blob \(name) failed authentication")
        }
    }

    /// Letters, digits, `-`, `_` and `/` only, never `..`.
    static func checked(_ key: String) throws -> String {
        guard !key.isEmpty, !key.contains(".."), key.allSatisfy({ $0.isLetter || $0.isNumber || "-_/".contains($0) }) else {
            throw BlobStoreError.invalidKey(key)
        }
        return key
    }
}

/// Amazon S3 (or anything that speaks its API): each object sealed with AES-256-GCM before it leaves the
/// process, so the bucket only ever holds ciphertext. Requests are signed with `SigV4`; with an endpoint
/// (`S3_ENDPOINT`, for MinIO, moto or a private S3) addresses are path-style, otherwise virtual-hosted.
public struct S3BlobStore: BlobStore {
    let aws: AWSConfiguration
    let bucket: String
    let prefix: String
    let key: SymmetricKey

    public init(aws: AWSConfiguration, bucket: String, prefix: String = "", key: SymmetricKey) {
        self.aws = aws
        self.bucket = bucket
        self.prefix = prefix
        self.key = key
    }

    func url(_ name: String) throws -> URL {
        let path = prefix + (try BlobSeal.checked(name))
        if let endpoint = aws.endpoint {
            var base = endpoint.absoluteString
            while base.hasSuffix("/") { base.removeLast() }
            return URL(string: "\(base)/\(bucket)/\(path)")!
        }
        return URL(string: "https://\(bucket).s3.\(aws.region).amazonaws.com/\(path)")!
    }

    private func request(_ method: String, _ name: String, body: Data = Data()) async throws -> (status: Int, body: Data) {
        do {
            return try await AWSRequest.send(method, try url(name), body: body, service: "s3", aws: aws)
        } catch let error as BlobStoreError {
            throw error
        } catch {
            throw StorageError.unavailable("s3: \(error)")
        }
    }

    private static func failure(_ status: Int, _ body: Data, _ what: String) -> StorageError {
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        return status >= 500 ? .unavailable("s3 \(what): \(status) \(text)") : .corrupt("s3 \(what) refused: \(status) \(text)")
    }

    public func put(_ name: String, _ data: Data) async throws {
        let (status, body) = try await request("PUT", name, body: try BlobSeal.seal(data, key: key))
        guard (200..<300).contains(status) else { throw Self.failure(status, body, "put") }
    }

    public func get(_ name: String) async throws -> Data {
        let (status, body) = try await request("GET", name)
        if status == 404 { throw BlobStoreError.notFound(name) }
        guard (200..<300).contains(status) else { throw Self.failure(status, body, "get") }
        return try BlobSeal.open(body, key: key, name: name)
    }

    public func delete(_ name: String) async throws -> Bool {
        // S3 answers 204 whether or not the object existed; ask first.
        let (found, _) = try await request("HEAD", name)
        guard found != 404 else { return false }
        let (status, body) = try await request("DELETE", name)
        guard (200..<300).contains(status) else { throw Self.failure(status, body, "delete") }
        return true
    }
}

import BodyParsing
import Foundation
import NIOCore

/// The upload form, read as the request body arrives (see `MultipartParser`): the file may be 10 MB, the
/// envelope around it (boundaries, part headers, short fields) gets 64 KB more.
enum MultipartForm {
    static func read<Body: AsyncSequence>(_ body: Body, boundary: String, maxFileBytes: Int) async throws -> [MultipartPart]
    where Body.Element == ByteBuffer {
        var parser = MultipartParser(boundary: boundary, maxFileBytes: maxFileBytes)
        let maxTotal = maxFileBytes + 64 * 1024
        var total = 0
        for try await chunk in body {
            total += chunk.readableBytes
            guard total <= maxTotal else { throw MultipartFailure.partTooLarge(name: "file", limit: maxFileBytes) }
            try chunk.withUnsafeReadableBytes { try parser.feed($0) }
        }
        return try parser.finish()
    }
}

import Foundation

/// One part of a `multipart/form-data` body.
public struct MultipartPart: Sendable, Equatable {
    public var name: String
    public var fileName: String?
    public var contentType: String?
    public var body: Data
}

/// Why a form could not be read.
public enum MultipartFailure: Error, Equatable, Sendable {
    case notMultipart
    case missingBoundary
    case malformed(String)
    /// More parts than the form may have.
    case tooManyParts(limit: Int)
    /// A part larger than allowed: its name and the limit.
    case partTooLarge(name: String, limit: Int)
}

/// A streaming `multipart/form-data` reader (RFC 7578, RFC 2046 §5.1): fed the body in chunks of any size, it
/// keeps each part's bytes once and stops at the first byte past a limit. Linear in the body whatever it
/// holds: the delimiter is looked for with `memchr` on its first byte and a compare, so a run of CRs or of
/// near-delimiters costs a few nanoseconds a byte. (multipart-kit 4.7.1 was tried first and measured: its
/// parser hands over one freshly allocated buffer per CR, 4.4 s for a 10 MB body of CRs in release, against
/// a budget of 2 s; this one reads it in well under a second, see BENCHMARKS.md.)
public struct MultipartParser {
    public static let defaultMaxParts = 16
    public static let defaultMaxFieldBytes = 4 * 1024
    /// Part headers are short; a block longer than this is refused.
    public static let maxHeaderBytes = 16 * 1024

    private enum State { case preamble, afterBoundary, headers, body, done }

    private let delimiter: [UInt8]  // "\r\n--" + boundary
    private let maxParts: Int
    private let maxFieldBytes: Int
    private let maxFileBytes: Int
    private var state = State.preamble
    private var buffer: [UInt8] = []
    private var start = 0  // first unconsumed byte of `buffer`
    private var parts: [MultipartPart] = []
    private var current = MultipartPart(name: "", fileName: nil, contentType: nil, body: Data())
    private var currentLimit = 0
    /// Where the search for the end of the headers resumes (bytes before it were looked at already).
    private var headerScan = 0

    public init(boundary: String, maxParts: Int = defaultMaxParts, maxFieldBytes: Int = defaultMaxFieldBytes, maxFileBytes: Int) {
        self.delimiter = Array("\r\n--\(boundary)".utf8)
        self.maxParts = maxParts
        self.maxFieldBytes = maxFieldBytes
        self.maxFileBytes = maxFileBytes
    }

    /// Reads a body held whole.
    public static func parse(
        _ body: Data, boundary: String, maxParts: Int = defaultMaxParts, maxFieldBytes: Int = defaultMaxFieldBytes,
        maxFileBytes: Int = 16 * 1024 * 1024
    ) throws -> [MultipartPart] {
        var parser = MultipartParser(boundary: boundary, maxParts: maxParts, maxFieldBytes: maxFieldBytes, maxFileBytes: maxFileBytes)
        try body.withUnsafeBytes { try parser.feed($0) }
        return try parser.finish()
    }

    /// The next bytes of the body.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer) throws {
        guard state != .done, !chunk.isEmpty else { return }
        buffer.append(contentsOf: chunk)
        try advance()
        // Drop what is consumed once it is most of the buffer (amortized O(1) a byte).
        if start > 0, start * 2 >= buffer.count {
            buffer.removeFirst(start)
            headerScan = max(0, headerScan - start)
            start = 0
        }
    }

    /// The parts, once the whole body has been fed.
    public mutating func finish() throws -> [MultipartPart] {
        switch state {
        case .done: return parts
        case .preamble: throw MultipartFailure.malformed("no boundary in the body (is the boundary right?)")
        default: throw MultipartFailure.malformed("the last part is not closed by the boundary")
        }
    }

    private mutating func advance() throws {
        while true {
            switch state {
            case .preamble:
                // The first delimiter may open the body without its CRLF.
                let bare = delimiter.count - 2
                if buffer.count - start >= bare, matches(at: start, delimiter, from: 2) {
                    start += bare
                } else if let found = find(delimiter, from: start) {
                    start = found + delimiter.count
                } else {
                    start = max(start, buffer.count - delimiter.count)
                    return
                }
                state = .afterBoundary
            case .afterBoundary:
                // "--" ends the body; CRLF (after optional spaces) starts a part.
                var index = start
                while index < buffer.count, buffer[index] == 0x20 || buffer[index] == 0x09 { index += 1 }
                start = index
                guard index + 2 <= buffer.count else { return }
                if buffer[index] == 0x2D, buffer[index + 1] == 0x2D {
                    state = .done
                    return
                }
                guard buffer[index] == 0x0D, buffer[index + 1] == 0x0A else {
                    throw MultipartFailure.malformed("expected a line break after the boundary")
                }
                start = index + 2
                guard parts.count < maxParts else { throw MultipartFailure.tooManyParts(limit: maxParts) }
                headerScan = start
                state = .headers
            case .headers:
                let end: Int
                let next: Int
                if buffer.count - start >= 2, buffer[start] == 0x0D, buffer[start + 1] == 0x0A {
                    end = start  // a part without headers
                    next = start + 2
                } else if let found = find([0x0D, 0x0A, 0x0D, 0x0A], from: max(start, headerScan)) {
                    end = found
                    next = found + 4
                } else {
                    guard buffer.count - start <= Self.maxHeaderBytes else {
                        throw MultipartFailure.malformed("part headers longer than \(Self.maxHeaderBytes) bytes")
                    }
                    headerScan = max(start, buffer.count - 3)
                    return
                }
                guard end - start <= Self.maxHeaderBytes else {
                    throw MultipartFailure.malformed("part headers longer than \(Self.maxHeaderBytes) bytes")
                }
                current = Self.part(headers: String(decoding: buffer[start..<end], as: UTF8.self))
                currentLimit = current.fileName == nil ? maxFieldBytes : maxFileBytes
                start = next
                state = .body
            case .body:
                if let found = find(delimiter, from: start) {
                    try append(upTo: found)
                    parts.append(current)
                    start = found + delimiter.count
                    state = .afterBoundary
                } else {
                    // Everything but a possible start of the delimiter belongs to the part.
                    let safe = max(start, buffer.count - (delimiter.count - 1))
                    try append(upTo: safe)
                    return
                }
            case .done:
                return
            }
        }
    }

    private mutating func append(upTo end: Int) throws {
        guard end > start else { return }
        guard current.body.count + (end - start) <= currentLimit else {
            throw MultipartFailure.partTooLarge(name: current.name, limit: currentLimit)
        }
        buffer.withUnsafeBufferPointer { current.body.append(UnsafeBufferPointer(rebasing: $0[start..<end])) }
        start = end
    }

    /// The first index at or after `from` where `needle` starts, searching with memchr on its first byte.
    private func find(_ needle: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, buffer.count - from >= needle.count else { return nil }
        return buffer.withUnsafeBufferPointer { haystack -> Int? in
            guard let base = haystack.baseAddress else { return nil }
            var index = from
            let last = haystack.count - needle.count
            while index <= last {
                guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return nil }
                let position = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if matches(haystack, at: position, needle, from: 1) { return position }
                index = position + 1
            }
            return nil
        }
    }

    private func matches(at position: Int, _ needle: [UInt8], from offset: Int) -> Bool {
        buffer.withUnsafeBufferPointer { matches($0, at: position - offset, needle, from: offset) }
    }

    private func matches(_ haystack: UnsafeBufferPointer<UInt8>, at position: Int, _ needle: [UInt8], from offset: Int) -> Bool {
        guard position + offset >= 0, position + needle.count <= haystack.count else { return false }
        var index = offset
        while index < needle.count {
            if haystack[position + index] != needle[index] { return false }
            index += 1
        }
        return true
    }

    /// Name, file name and content type from a part's header block.
    static func part(headers: String) -> MultipartPart {
        var part = MultipartPart(name: "", fileName: nil, contentType: nil, body: Data())
        for line in headers.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if field == "content-disposition" {
                let parameters = HeaderParameters.parse(value).parameters
                part.name = parameters["name"] ?? ""
                part.fileName = parameters["filename"]
            } else if field == "content-type" {
                part.contentType = value
            }
        }
        return part
    }

    /// The boundary named by a `multipart/form-data` Content-Type.
    public static func boundary(fromContentType header: String?) throws -> String {
        guard let header else { throw MultipartFailure.notMultipart }
        let (value, parameters) = HeaderParameters.parse(header)
        guard value.lowercased() == "multipart/form-data" else { throw MultipartFailure.notMultipart }
        guard let boundary = parameters["boundary"], !boundary.isEmpty, boundary.utf8.count <= 70 else {
            throw MultipartFailure.missingBoundary
        }
        return boundary
    }
}

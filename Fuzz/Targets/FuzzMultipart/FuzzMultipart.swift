import BodyParsing
import Foundation

/// libFuzzer target: the multipart form reader (multipart-kit's parser under our limits), Content-Type and
/// Content-Disposition parameters, and the duplicate-key scan of JSON bodies. The first line of the input is
/// the Content-Type header; the rest is the body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    let split = data.firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
    let header = String(decoding: data[data.startIndex..<split], as: UTF8.self)
    let body = split < data.endIndex ? Data(data[(split + 1)...]) : Data()
    _ = HeaderParameters.parse(header)
    _ = DuplicateKeys.first(in: body)
    if let boundary = try? MultipartForm.boundary(fromContentType: header) {
        _ = try? MultipartForm.parse(body, boundary: boundary, maxFileBytes: 1 << 20)
    }
    return 0
}

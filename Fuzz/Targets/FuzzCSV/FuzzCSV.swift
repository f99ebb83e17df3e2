import Engine
import Foundation

/// libFuzzer target: the CSV reader (RFC 4180, combined or per-section files) and the validator.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    let parsed = UploadParser.parse(data, format: .csv)
    if parsed.isValid { _ = InsightPipeline.run(parsed.data) }
    return 0
}

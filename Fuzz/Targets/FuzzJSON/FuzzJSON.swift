import Engine
import Foundation

/// libFuzzer target: the JSON upload reader and the validator behind it. Any input must come back as a
/// `ParsedUpload` (valid or with issues); a trap, a hang or an ASan report is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    let parsed = UploadParser.parse(data, format: .json)
    if parsed.isValid { _ = InsightPipeline.run(parsed.data) }
    return 0
}

import Foundation
import FuzzHarness
import FuzzSupport

/// libFuzzer target: `FuzzHarness.json` (see there for what it covers).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    FuzzHarness.json(Data(bytes: bytes, count: count))
    return 0
}

@_cdecl("FuzzJSON_main")
func fuzzJSONMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzzJSON($0, $1) }
}

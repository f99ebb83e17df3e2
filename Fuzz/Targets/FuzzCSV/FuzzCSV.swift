import Foundation
import FuzzHarness
import FuzzSupport

/// libFuzzer target: `FuzzHarness.csv` (see there for what it covers).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    FuzzHarness.csv(Data(bytes: bytes, count: count))
    return 0
}

@_cdecl("FuzzCSV_main")
func fuzzCSVMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzzCSV($0, $1) }
}

import Foundation
import FuzzHarness
import FuzzSupport

/// libFuzzer target: `FuzzHarness.validator` (see there for what it covers).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzValidator(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    FuzzHarness.validator(Data(bytes: bytes, count: count))
    return 0
}

@_cdecl("FuzzValidator_main")
func fuzzValidatorMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzzValidator($0, $1) }
}

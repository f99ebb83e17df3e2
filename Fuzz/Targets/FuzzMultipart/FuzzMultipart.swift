import Foundation
import FuzzHarness
import FuzzSupport

/// libFuzzer target: `FuzzHarness.multipart` (see there for what it covers).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    FuzzHarness.multipart(Data(bytes: bytes, count: count))
    return 0
}

@_cdecl("FuzzMultipart_main")
func fuzzMultipartMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { fuzzMultipart($0, $1) }
}

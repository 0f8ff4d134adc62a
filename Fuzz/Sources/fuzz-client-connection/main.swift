import FuzzTargets

/// libFuzzer's entry point: one input for `ClientConnectionTarget`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClientConnection(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    ClientConnectionTarget.run(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

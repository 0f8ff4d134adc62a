import FuzzTargets

/// libFuzzer's entry point: one input for `HeadersTarget`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHeaders(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    HeadersTarget.run(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

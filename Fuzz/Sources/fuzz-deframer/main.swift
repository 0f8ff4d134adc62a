import FuzzTargets

/// libFuzzer's entry point: one input for `DeframerTarget`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDeframer(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    DeframerTarget.run(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

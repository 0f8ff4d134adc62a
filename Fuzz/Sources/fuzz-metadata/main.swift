import FuzzTargets

/// libFuzzer's entry point: one input for `MetadataTarget`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetadata(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    MetadataTarget.run(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

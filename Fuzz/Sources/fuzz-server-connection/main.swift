import FuzzTargets

/// libFuzzer's entry point: one input for `ServerConnectionTarget`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServerConnection(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    ServerConnectionTarget.run(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

import Glibc

/// The 64 KiB buffer a thread reads a connection into while it waits on it (a caller waiting for
/// a reply, a worker waiting for the next call): one per thread that ever does, made on first use
/// and freed when the thread exits, so a connection carries no read buffer of its own.
enum ThreadReadBuffer {
    static let size = 64 * 1024

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { buffer in buffer?.deallocate() }
        return key
    }()

    /// This thread's buffer.
    static var current: UnsafeMutableRawBufferPointer {
        if let buffer = pthread_getspecific(key) {
            return UnsafeMutableRawBufferPointer(start: buffer, count: size)
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        pthread_setspecific(key, buffer)
        return UnsafeMutableRawBufferPointer(start: buffer, count: size)
    }
}

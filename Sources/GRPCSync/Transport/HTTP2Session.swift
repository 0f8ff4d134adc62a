import CNGHTTP2

/// The category of a received HEADERS block.
enum HeadersCategory: Equatable {
    /// A request head, opening a stream (server).
    case request
    /// The first HEADERS of a response (client).
    case response
    /// Any later HEADERS: trailers.
    case trailers
}

/// A frame nghttp2 has received and checked, as the connection needs it.
enum ReceivedFrame: Equatable {
    /// A HEADERS block is complete (its fields went to ``HTTP2SessionDelegate/sessionReceivedHeaderLocked(streamID:name:value:)``).
    case headers(streamID: Int32, category: HeadersCategory, endStream: Bool)
    /// A DATA frame is complete (its bytes went to ``HTTP2SessionDelegate/sessionReceivedDataLocked(streamID:_:)``).
    case data(streamID: Int32, endStream: Bool)
    /// `tooManyPings`: ENHANCE_YOUR_CALM with the debug data `too_many_pings` (our keepalive
    /// PINGs came too often for the server).
    case goAway(lastStreamID: Int32, errorCode: UInt32, tooManyPings: Bool)
    /// The peer sent a PING (nghttp2 acknowledges it).
    case ping
    /// The peer acknowledged one of our PINGs.
    case pingAck(payload: UInt64)
    /// The peer's SETTINGS (not an acknowledgement of ours); nghttp2 applies and acknowledges them.
    case settings
    /// Anything else (a SETTINGS ACK, WINDOW_UPDATE, a PING nghttp2 answers itself…).
    case other
}

/// A frame nghttp2 has sent (serialized for the socket), as the connection needs it.
enum SentFrame: Equatable {
    /// A HEADERS or DATA frame that ends this side of `streamID` (END_STREAM).
    case endStream(streamID: Int32)
    /// Any other HEADERS or DATA frame.
    case dataOrHeaders
    case goAway(lastStreamID: Int32, errorCode: UInt32, debugData: String)
    case other
}

/// What nghttp2 reports while it reads and writes, turned into Swift values at the boundary.
/// Called on the thread that feeds or drains the session, with the connection's lock held.
protocol HTTP2SessionDelegate: AnyObject {
    /// Server: a HEADERS frame from the client begins on `streamID` (before nghttp2 checks it);
    /// `streamIsOpen` when nghttp2 has that stream open. Nil to go on, else the protocol error
    /// that ends the connection (GOAWAY PROTOCOL_ERROR).
    func sessionBeginsHeadersFrameLocked(streamID: Int32, streamIsOpen: Bool) -> String?
    /// A HEADERS block begins on `streamID` (a request head opens a stream on a server).
    func sessionBeganHeadersLocked(streamID: Int32, category: HeadersCategory)
    /// One field of a block; false to skip the rest of the block and reset its stream (nghttp2's
    /// `NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE`: the remaining fields are still decoded, HPACK's
    /// state must stay in step, but neither checked nor handed over).
    func sessionReceivedHeaderLocked(
        streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>
    ) -> Bool
    func sessionReceivedDataLocked(streamID: Int32, _ bytes: UnsafeRawBufferPointer)
    func sessionReceivedFrameLocked(_ frame: ReceivedFrame)
    /// A frame has been sent.
    func sessionSentFrameLocked(_ frame: SentFrame)
    func sessionClosedStreamLocked(streamID: Int32, errorCode: UInt32)
    /// nghttp2's data source for `streamID` asks for up to `maxLength` bytes; nil when the stream
    /// is unknown (nghttp2 then resets it). Trailers the answer announces are submitted before it
    /// returns.
    func sessionReadDataLocked(streamID: Int32, maxLength: Int) -> DataSourceRead?
    /// A DATA frame of `length` payload bytes goes out: its 9-byte `frameHeader`, then the
    /// payload from the stream's queue.
    func sessionSendDataLocked(streamID: Int32, frameHeader: UnsafeRawBufferPointer, length: Int) -> DataSend
}

/// What became of a DATA frame handed over for sending.
enum DataSend {
    case sent
    /// Not now: the write batch is full; nghttp2 offers the frame again later.
    case wouldBlock
    /// The stream is unknown; nghttp2 resets it.
    case unknownStream
}

/// Why nghttp2 could not take received bytes.
struct SessionError: Error {
    /// nghttp2's text for its error code.
    let reason: String
}

/// One `nghttp2_session`: HTTP/2 framing, HPACK, stream states and flow control. It reads bytes
/// given to ``receive(_:)``, produces bytes with ``nextBytesToSend()``, and reports through its
/// delegate. Not thread-safe: its owner (``HTTP2Connection``) calls it with its lock held.
final class HTTP2Session {
    private var session: OpaquePointer?
    /// Why a callback stopped the session (a protocol error of ours, not nghttp2's).
    fileprivate var refusal: String?
    /// Set right after init; the connection owns the session, so it outlives every callback.
    unowned(unsafe) var delegate: (any HTTP2SessionDelegate)!

    /// A client or server session with the runtime's options: the application returns window
    /// as it takes messages, and header blocks of up to 1 MiB may be sent.
    init?(server: Bool) {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0 else { return nil }
        defer { nghttp2_session_callbacks_del(callbacks) }
        if server { nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks, onBeginFrame) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameReceived)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSent)
        nghttp2_session_callbacks_set_send_data_callback(callbacks, onSendData)
        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0 else { return nil }
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_max_send_header_block_length(option, 1 << 20)
        let me = Unmanaged.passUnretained(self).toOpaque()
        let rc =
            server
            ? nghttp2_session_server_new2(&session, callbacks, me, option)
            : nghttp2_session_client_new2(&session, callbacks, me, option)
        guard rc == 0, session != nil else { return nil }
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    // MARK: input and output

    /// Parses received bytes; the delegate hears about each frame.
    func receive(_ bytes: UnsafeRawBufferPointer) throws(SessionError) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let rc = nghttp2_session_mem_recv(session, base, bytes.count)
        if rc < 0 { throw SessionError(reason: refusal ?? String(cString: nghttp2_strerror(Int32(rc)))) }
    }

    /// The next bytes nghttp2 has ready to send (valid until the next call), or nil.
    func nextBytesToSend() -> UnsafeRawBufferPointer? {
        var data: UnsafePointer<UInt8>?
        let n = nghttp2_session_mem_send(session, &data)
        guard n > 0, let data else { return nil }
        return UnsafeRawBufferPointer(start: data, count: n)
    }

    /// Whether nghttp2 still wants to read or write; when neither, the connection is done.
    var wantsReadOrWrite: Bool {
        nghttp2_session_want_read(session) != 0 || nghttp2_session_want_write(session) != 0
    }

    /// The highest stream id the session has handed to the application (server).
    var lastProcessedStreamID: Int32 { nghttp2_session_get_last_proc_stream_id(session) }

    // MARK: submitting

    /// Our SETTINGS, and the connection's receive window.
    func submitSettings(_ settings: [(id: nghttp2_settings_id, value: UInt32)], connectionWindow: Int32) {
        let entries = settings.map { nghttp2_settings_entry(settings_id: Int32($0.id.rawValue), value: $0.value) }
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), entries, entries.count)
        nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, connectionWindow)
    }

    /// Opens a stream with request `headers`, its DATA from the stream's data source. Returns the
    /// stream id, or the reason nghttp2 refused.
    func submitRequest(_ headers: [HeaderField]) -> Result<Int32, SessionError> {
        var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: readDataCallback)
        let id = headers.withNameValuePairs { nghttp2_submit_request(session, nil, $0, $1, &provider, nil) }
        guard id > 0 else { return .failure(SessionError(reason: String(cString: nghttp2_strerror(id)))) }
        return .success(id)
    }

    /// Response headers; with a body, DATA follows from the stream's data source.
    func submitResponse(_ streamID: Int32, _ headers: [HeaderField], withBody: Bool) {
        var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: readDataCallback)
        _ = headers.withNameValuePairs { nvs, count in
            withBody
                ? nghttp2_submit_response(session, streamID, nvs, count, &provider)
                : nghttp2_submit_response(session, streamID, nvs, count, nil)
        }
    }

    func submitTrailers(_ streamID: Int32, _ trailers: [HeaderField]) {
        _ = trailers.withNameValuePairs { nghttp2_submit_trailer(session, streamID, $0, $1) }
    }

    func submitReset(_ streamID: Int32, errorCode: UInt32) {
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode)
    }

    /// The first GOAWAY of a graceful shutdown (server): last stream id 2^31-1, so streams the
    /// client opens meanwhile are still served.
    func submitShutdownNotice() {
        nghttp2_submit_shutdown_notice(session)
    }

    /// A GOAWAY with `lastStreamID`: no stream above it will be processed.
    func submitGoAway(lastStreamID: Int32, errorCode: UInt32, debugData: [UInt8] = []) {
        nghttp2_submit_goaway(
            session, UInt8(NGHTTP2_FLAG_NONE.rawValue), lastStreamID, errorCode, debugData, debugData.count)
    }

    /// A GOAWAY with the last processed stream id and `errorCode`; the session ends once it is sent.
    func terminate(errorCode: UInt32) {
        nghttp2_session_terminate_session(session, errorCode)
    }

    /// The debug data of a GOAWAY ENHANCE_YOUR_CALM that tells a client its PINGs come too often.
    static let tooManyPings = Array("too_many_pings".utf8)

    func submitPing(payload: UInt64) {
        withUnsafeBytes(of: payload.bigEndian) { bytes in
            _ = nghttp2_submit_ping(
                session, UInt8(NGHTTP2_FLAG_NONE.rawValue), bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// nghttp2 asks the stream's data source again (it answered "deferred").
    func resumeData(_ streamID: Int32) { nghttp2_session_resume_data(session, streamID) }

    /// Returns `count` received bytes to the peer's connection window.
    func consumeConnection(_ count: Int) {
        if count > 0 { nghttp2_session_consume_connection(session, count) }
    }

    /// Returns `count` received bytes to the peer's window for one stream only.
    func consumeStream(_ streamID: Int32, _ count: Int) {
        if count > 0 { nghttp2_session_consume_stream(session, streamID, count) }
    }
}

// MARK: C callbacks: pointers checked, Swift values out, failures back to nghttp2

private func delegate(_ userData: UnsafeMutableRawPointer?) -> (any HTTP2SessionDelegate)? {
    guard let userData else { return nil }
    return Unmanaged<HTTP2Session>.fromOpaque(userData).takeUnretainedValue().delegate
}

private func category(_ frame: UnsafePointer<nghttp2_frame>) -> HeadersCategory {
    switch frame.pointee.headers.cat {
    case NGHTTP2_HCAT_REQUEST: .request
    case NGHTTP2_HCAT_RESPONSE: .response
    default: .trailers
    }
}

private let callbackFailure = NGHTTP2_ERR_CALLBACK_FAILURE.rawValue

private let onBeginFrame: nghttp2_on_begin_frame_callback = { session, hd, userData in
    guard let hd, UInt32(hd.pointee.type) == NGHTTP2_HEADERS.rawValue else { return 0 }
    guard let userData else { return callbackFailure }
    let owner = Unmanaged<HTTP2Session>.fromOpaque(userData).takeUnretainedValue()
    let streamID = hd.pointee.stream_id
    let isOpen = nghttp2_session_find_stream(session, streamID) != nil
    guard let refusal = owner.delegate.sessionBeginsHeadersFrameLocked(streamID: streamID, streamIsOpen: isOpen)
    else { return 0 }
    owner.refusal = refusal
    return callbackFailure
}

private let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, userData in
    guard let frame, let delegate = delegate(userData) else { return callbackFailure }
    delegate.sessionBeganHeadersLocked(streamID: frame.pointee.hd.stream_id, category: category(frame))
    return 0
}

private let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, userData in
    guard let frame, let delegate = delegate(userData) else { return callbackFailure }
    let goOn = delegate.sessionReceivedHeaderLocked(
        streamID: frame.pointee.hd.stream_id,
        name: UnsafeBufferPointer(start: name, count: name == nil ? 0 : nameLength),
        value: UnsafeBufferPointer(start: value, count: value == nil ? 0 : valueLength))
    return goOn ? 0 : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
}

private let onFrameReceived: nghttp2_on_frame_recv_callback = { _, frame, userData in
    guard let frame, let delegate = delegate(userData) else { return callbackFailure }
    let hd = frame.pointee.hd
    let endStream = hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
    let received: ReceivedFrame
    switch UInt32(hd.type) {
    case NGHTTP2_HEADERS.rawValue:
        received = .headers(streamID: hd.stream_id, category: category(frame), endStream: endStream)
    case NGHTTP2_DATA.rawValue:
        received = .data(streamID: hd.stream_id, endStream: endStream)
    case NGHTTP2_GOAWAY.rawValue:
        let goAway = frame.pointee.goaway
        received = .goAway(
            lastStreamID: goAway.last_stream_id, errorCode: goAway.error_code,
            tooManyPings: goAway.error_code == NGHTTP2_ENHANCE_YOUR_CALM.rawValue
                && UnsafeRawBufferPointer(start: goAway.opaque_data, count: goAway.opaque_data_len)
                    .elementsEqual(HTTP2Session.tooManyPings)
        )
    case NGHTTP2_PING.rawValue where hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0:
        let payload = withUnsafeBytes(of: frame.pointee.ping.opaque_data) { $0.loadUnaligned(as: UInt64.self) }
        received = .pingAck(payload: UInt64(bigEndian: payload))
    case NGHTTP2_PING.rawValue:
        received = .ping
    case NGHTTP2_SETTINGS.rawValue where hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0:
        received = .settings
    default:
        received = .other
    }
    delegate.sessionReceivedFrameLocked(received)
    return 0
}

private let onFrameSent: nghttp2_on_frame_send_callback = { _, frame, userData in
    guard let frame, let delegate = delegate(userData) else { return callbackFailure }
    let hd = frame.pointee.hd
    let sent: SentFrame
    let endsStream = hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
    switch UInt32(hd.type) {
    case NGHTTP2_HEADERS.rawValue where endsStream, NGHTTP2_DATA.rawValue where endsStream:
        sent = .endStream(streamID: hd.stream_id)
    case NGHTTP2_HEADERS.rawValue, NGHTTP2_DATA.rawValue:
        sent = .dataOrHeaders
    case NGHTTP2_GOAWAY.rawValue:
        let goAway = frame.pointee.goaway
        sent = .goAway(
            lastStreamID: goAway.last_stream_id, errorCode: goAway.error_code,
            debugData: String(
                decoding: UnsafeRawBufferPointer(start: goAway.opaque_data, count: goAway.opaque_data_len),
                as: UTF8.self))
    default:
        sent = .other
    }
    delegate.sessionSentFrameLocked(sent)
    return 0
}

private let onDataChunk: nghttp2_on_data_chunk_recv_callback = { _, _, streamID, data, length, userData in
    guard let delegate = delegate(userData) else { return callbackFailure }
    delegate.sessionReceivedDataLocked(
        streamID: streamID, UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : length))
    return 0
}

private let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, errorCode, userData in
    guard let delegate = delegate(userData) else { return callbackFailure }
    delegate.sessionClosedStreamLocked(streamID: streamID, errorCode: errorCode)
    return 0
}

private let readDataCallback: nghttp2_data_source_read_callback = { _, streamID, _, length, flags, _, userData in
    guard let flags, let delegate = delegate(userData) else { return Int(callbackFailure) }
    switch delegate.sessionReadDataLocked(streamID: streamID, maxLength: length) {
    case nil:
        return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
    case .deferred?:
        return Int(NGHTTP2_ERR_DEFERRED.rawValue)
    case .send(let count, let end)?:
        // The payload stays in the stream's queue until the send-data callback takes it.
        if count > 0 { flags.pointee |= NGHTTP2_DATA_FLAG_NO_COPY.rawValue }
        switch end {
        case .none: break
        case .endStream: flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
        case .trailers: flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
        }
        return count
    }
}

private let onSendData: nghttp2_send_data_callback = { _, frame, header, length, _, userData in
    guard let frame, let header, let delegate = delegate(userData) else { return callbackFailure }
    let sent = delegate.sessionSendDataLocked(
        streamID: frame.pointee.hd.stream_id, frameHeader: UnsafeRawBufferPointer(start: header, count: 9),
        length: length)
    switch sent {
    case .sent: return 0
    case .wouldBlock: return NGHTTP2_ERR_WOULDBLOCK.rawValue
    case .unknownStream: return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
    }
}

// The values the two stream state machines share: the error an invalid event throws, and what
// they tell nghttp2's data source and the deframer.

/// An event a stream's state does not allow (``ServerStreamState``, ``ClientStreamState``): the
/// peer cannot cause one (nghttp2 checks the frames first), so it means a runtime bug. The stream's
/// shell trips an assertion in debug builds and resets the stream in release builds; it is never
/// ignored.
struct InvalidStreamTransition: Error, Equatable, CustomStringConvertible {
    /// The event, e.g. `receiveData`.
    let event: StaticString
    /// The state it arrived in, e.g. `clientClosedServerOpen`.
    let state: StaticString

    var description: String { "\(event) in state \(state)" }

    static func == (lhs: InvalidStreamTransition, rhs: InvalidStreamTransition) -> Bool {
        lhs.description == rhs.description
    }
}

/// nghttp2's data source for the bytes a stream sends (its DATA frames): whether it waits to be
/// resumed (it answered `NGHTTP2_ERR_DEFERRED` when nothing was queued).
enum DataSource: Equatable, Sendable {
    /// nghttp2 asks for more bytes when it can send.
    case ready
    /// nghttp2 waits for `nghttp2_session_resume_data`.
    case deferred
}

/// What a stream answers nghttp2's data source with (``ServerStreamState/readOutbound(queued:maxLength:)``).
enum DataSourceRead: Equatable {
    /// Send `count` queued bytes (0 only with an end); `end` says what follows them.
    case send(count: Int, end: DataEnd)
    /// Nothing to send now: nghttp2 waits to be resumed.
    case deferred
}

/// What ends a stream's DATA.
enum DataEnd: Equatable {
    /// More DATA may follow.
    case none
    /// The last DATA frame carries END_STREAM.
    case endStream
    /// The last DATA frame ends the data, and trailers with this status follow (they carry END_STREAM).
    case trailers(Status)
}

/// What a stream does with the bytes of a DATA frame it received.
enum InboundData: Equatable {
    /// Deframe them into messages for the application.
    case deliver
    /// Drop them (the call has ended), returning their window at once.
    case discard
}

/// What a streamed response does once its head is on its way: `open` is called on the event loop
/// with the stream to write to, exactly once for every streamed response the server is given.
/// When the request was `HEAD`, or its connection was gone, the stream passed in is already closed.
public final class StreamingBody: Sendable, Equatable {
    let open: @Sendable (ResponseStream) -> Void

    public init(open: @escaping @Sendable (ResponseStream) -> Void) {
        self.open = open
    }

    public static func == (lhs: StreamingBody, rhs: StreamingBody) -> Bool { lhs === rhs }
}

import Foundation

/// Writes to standard output and standard error without stopping the service when nobody reads
/// them any more.
///
/// The services ignore SIGPIPE (their sockets must not kill them), so a write to a pipe whose
/// reader has gone (`consumer | head`, a log shipper that died) fails with EPIPE, and
/// `FileHandle.write(_:)` traps on any failure: the consumer crashed at its next summary. Here a
/// failed write is dropped; the text had no reader.
public enum StandardStreams {
    /// `text` to standard output, as it is.
    public static func writeOutput(_ text: String) {
        write(text, to: .standardOutput)
    }

    /// `text` to standard error, as it is.
    public static func writeError(_ text: String) {
        write(text, to: .standardError)
    }

    /// The throwing write, its failure dropped (the trapping `write(_:)` is the one to avoid).
    private static func write(_ text: String, to stream: FileHandle) {
        try? stream.write(contentsOf: Data(text.utf8))
    }
}

import Foundation

/// Encodes events for the Kafka record value and decodes them back on the consumer side.
///
/// One place owns the wire format so that producer and consumer cannot drift apart: UTF-8 JSON,
/// one object, keys sorted so identical events produce identical bytes. Both directions are
/// hand-written over `JSONWriter`/`JSONParser`, since they run once per event on the hot paths.
public struct EventCodec: Sendable {
    public init() {}

    /// The record value for `event`.
    public func encode(_ event: AnalyticsEvent) -> [UInt8] {
        var writer = JSONWriter(capacity: 384)
        var first = true
        writer.raw("{")
        // Keys in sorted order.
        if event.isBot {
            writer.memberKey("bot", first: &first)
            writer.raw("true")
        }
        writer.member("client_timestamp", event.clientTimestamp, first: &first)
        writer.member("country", event.country, first: &first)
        writer.member("id", event.id, first: &first)
        writer.member("ip_address", event.ipAddress, first: &first)
        if let metadata = event.metadata {
            writer.memberKey("metadata", first: &first)
            writer.object(metadata)
        }
        writer.member("path", event.path, first: &first)
        writer.member("referrer", event.referrer, first: &first)
        writer.member("session_id", event.sessionID, first: &first)
        writer.member("site", event.site, first: &first)
        writer.member("timestamp", event.timestamp, first: &first)
        writer.member("type", event.type, first: &first)
        writer.member("url", event.url, first: &first)
        writer.member("user_agent", event.userAgent, first: &first)
        writer.member("user_id", event.userID, first: &first)
        writer.member("visitor_id", event.visitorID, first: &first)
        writer.raw("}")
        return writer.bytes
    }

    /// Decodes a record value, checking what the consumer relies on (an id, a valid type and a
    /// server timestamp: `RecordMembers`).
    public func decode(_ bytes: [UInt8]) throws(RecordDecodingError) -> AnalyticsEvent {
        let result: Result<AnalyticsEvent, RecordDecodingError> = bytes.withUnsafeBytes { buffer in
            do throws(RecordDecodingError) {
                return .success(try decodeStamped(buffer).event)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// `decode`, also returning the server timestamp as the `Date` it checked.
    public func decodeStamped(_ bytes: UnsafeRawBufferPointer) throws(RecordDecodingError)
        -> (event: AnalyticsEvent, receivedAt: Date)
    {
        var members = try RecordMembers(bytes, keepingMetadata: true)
        let fields = members.fields
        let event = AnalyticsEvent(
            id: members.string(members.id), type: members.type, userID: members.string(fields.userID),
            sessionID: members.string(fields.sessionID), url: members.string(fields.url),
            path: members.string(fields.path), referrer: members.string(fields.referrer),
            userAgent: members.string(fields.userAgent), ipAddress: members.string(fields.ipAddress),
            metadata: members.metadata.take(), timestamp: members.string(members.timestamp),
            clientTimestamp: members.string(fields.clientTimestamp), visitorID: members.string(fields.visitorID),
            isBot: members.isBot, site: members.string(fields.site), country: members.string(fields.country))
        return (event, members.receivedAt)
    }

    /// What the statistics read of a record (`EventSummary`), decoded where it lies: the record
    /// is checked exactly as `decode` checks it, but only the members the statistics keep become
    /// strings, and of the metadata only `load_time` is read. It runs for every record the
    /// consumer reads.
    public func decodeSummary(_ bytes: UnsafeRawBufferPointer) throws(RecordDecodingError) -> EventSummary {
        let members = try RecordMembers(bytes, keepingMetadata: false)
        let fields = members.fields
        // As `AnalyticsAggregator.visitorHash` picks it: the first one present and not empty.
        var visitorHash: UInt64?
        if let user = fields.userID, !members.isEmpty(user) {
            visitorHash = members.hash(user, prefixedBy: "u:")
        } else if let visitor = fields.visitorID, !members.isEmpty(visitor) {
            visitorHash = members.hash(visitor, prefixedBy: "v:")
        } else if let session = fields.sessionID, !members.isEmpty(session) {
            visitorHash = members.hash(session, prefixedBy: "s:")
        }
        return EventSummary(
            idHash: members.hash(members.id), type: members.type, isBot: members.isBot, visitorHash: visitorHash,
            sessionID: members.string(fields.sessionID), url: members.string(fields.url),
            path: members.string(fields.path), referrer: members.string(fields.referrer),
            userAgent: members.string(fields.userAgent), receivedAt: members.receivedAt, loadTime: members.loadTime,
            site: members.string(fields.site), country: members.country(fields.country))
    }
}

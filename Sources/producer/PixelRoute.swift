import AnalyticsCore
import Foundation
import HTTPServer

/// `GET /pixel.gif?type=page_view&url=...`: an event as query parameters, for email and
/// `<noscript>`, where no script can run.
///
/// Every event field may be given (`metadata` as JSON text); each value is percent-decoded once.
/// It goes through the same intake and delivery as `POST /event`: the 1×1 GIF means the event
/// was accepted (with `X-Bot-Reason` when it counts as bot traffic), and every refusal is the same
/// JSON error.
extension IngestionRoutes {
    /// A transparent 1×1 GIF (43 bytes), never cached, so each view asks again.
    static let pixel = HTTPResponse(
        status: .ok, headers: HTTPHeaders([("Content-Type", "image/gif"), ("Cache-Control", "no-store")]),
        body: [
            0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF,
            0xFF, 0xFF, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
            0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
        ])

    /// The pixel, and for bot traffic an `X-Bot-Reason` header saying why (the image has no body to
    /// say it in); ASCII only, as a header must be.
    static func pixel(for classification: VisitorAgent.Classification) -> HTTPResponse {
        guard case .bot(let match) = classification else { return pixel }
        var response = pixel
        response.headers.add("X-Bot-Reason", match.reason.replacingOccurrences(of: "…", with: "..."))
        return response
    }

    func ingestPixel(_ request: HTTPRequest, _ respond: @escaping @Sendable (HTTPResponse) -> Void) {
        // HEAD is safe: it shows the answer's headers and records nothing.
        if request.method == "HEAD" { return respond(Self.pixel) }
        let event: EnrichedEvent
        do throws(IntakeRefusal) {
            let client = intake.clientAddress(of: request)
            try intake.admit(client, cost: 1)
            let members = try Self.members(query: request.head.query ?? "")
            let validated: ValidatedEvent
            do {
                validated = try intake.validator.validate(members: members)
            } catch {
                throw IntakeRefusal(error)
            }
            let site = try intake.checkHost(of: validated, request: request)
            event = try intake.enrich(validated, request: request, client: client, now: Date(), site: site)
        } catch {
            return refuse(error, respond)
        }
        publishOne(event, accepted: Self.pixel(for: event.classification), respond)
    }

    /// The event members a query holds: strings, and `metadata` parsed as JSON.
    static func members(query: String) throws(IntakeRefusal) -> [(key: String, value: JSONValue)] {
        let pairs: [(name: String, value: String)]
        do {
            pairs = try QueryParameters.parse(query)
        } catch {
            switch error {
            case .badEscape(let parameter):
                throw IntakeRefusal(
                    .badRequest,
                    "the query parameter \"\(parameter.prefix(64))\" has a bad percent-escape (% must be followed by two hex digits)",
                    field: parameter, reason: "bad_query")
            case .notUTF8(let parameter):
                throw IntakeRefusal(
                    .badRequest, "the query parameter \"\(parameter.prefix(64))\" is not UTF-8 text once decoded",
                    field: parameter, reason: "bad_query")
            }
        }
        guard !pairs.isEmpty else {
            throw IntakeRefusal(
                .badRequest, "give the event as query parameters, such as ?type=page_view&url=https%3A%2F%2F...",
                field: "type", reason: "missing_type")
        }
        var members: [(key: String, value: JSONValue)] = []
        for (name, value) in pairs {
            guard name == "metadata" else {
                members.append((name, .string(value)))
                continue
            }
            do {
                members.append((name, try EventValidator.parse(Array(value.utf8))))
            } catch {
                throw IntakeRefusal(
                    .badRequest, "metadata must be a JSON object (\(error.description))", field: "metadata",
                    reason: "invalid_metadata")
            }
        }
        return members
    }
}

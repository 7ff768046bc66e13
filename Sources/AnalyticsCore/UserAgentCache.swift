/// Remembers the device, browser and operating system of recently seen user agents.
///
/// It exists because a site sees the same few hundred `User-Agent` strings over and over, and
/// classifying one (a dozen case-insensitive substring searches) cost the consumer an eighth of
/// its time; a lookup is one hash. Memory is bounded: when `capacity` agents are remembered the
/// cache starts over.
struct UserAgentCache: Sendable {
    struct Classification: Sendable {
        var device: String
        var browser: String
        var operatingSystem: String
    }

    let capacity: Int
    private var entries: [String: Classification] = [:]

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    mutating func classify(_ userAgent: String?) -> Classification {
        guard let userAgent else {
            return Classification(
                device: UserAgentClassifier.device(nil), browser: UserAgentClassifier.browser(nil),
                operatingSystem: UserAgentClassifier.operatingSystem(nil))
        }
        if let known = entries[userAgent] { return known }
        let classification = Classification(
            device: UserAgentClassifier.device(userAgent), browser: UserAgentClassifier.browser(userAgent),
            operatingSystem: UserAgentClassifier.operatingSystem(userAgent))
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[userAgent] = classification
        return classification
    }
}

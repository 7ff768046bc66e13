import ASCIIText

/// The sites this producer takes events for (`ALLOWED_HOSTS`): exact hosts (`example.com`) and
/// wildcards (`*.example.com`, any subdomain, not `example.com` itself), compared without case
/// or port. Empty allows every host.
///
/// It keeps one site's counts from being filled with events sent in its name from elsewhere:
/// an event whose `url` host is not listed is answered `403`.
struct HostAllowList: Sendable, Equatable {
    enum Pattern: Sendable, Equatable {
        case exact(String)
        /// The suffix with its leading dot: `.example.com`.
        case subdomains(of: String)
    }

    let patterns: [Pattern]

    init(patterns: [Pattern] = []) {
        self.patterns = patterns
    }

    /// An `ALLOWED_HOSTS` entry: a host name or `*.` and one, letters, digits, `-` and `.` (or an
    /// IP address); nil for anything else.
    static func pattern(_ text: String) -> Pattern? {
        let lowered = text.asciiLowercased
        let wildcard = lowered.hasPrefix("*.")
        let host = wildcard ? String(lowered.dropFirst(2)) : lowered
        guard !host.isEmpty, !host.hasPrefix("."), !host.hasSuffix("."),
            host.utf8.allSatisfy({ $0.isHostCharacter })
        else { return nil }
        return wildcard ? .subdomains(of: "." + host) : .exact(host)
    }

    var allowsAll: Bool { patterns.isEmpty }

    /// Whether events for `host` (lowercase, as `WebURL.host(of:)` gives it) are taken.
    func allows(_ host: String) -> Bool {
        if patterns.isEmpty { return true }
        let name = host.hasPrefix("[") ? host : String(host.prefix { $0 != ":" })
        return patterns.contains { pattern in
            switch pattern {
            case .exact(let allowed): return name == allowed
            case .subdomains(let suffix): return name.hasSuffix(suffix) && name.count > suffix.count
            }
        }
    }

    var description: String {
        patterns.map {
            switch $0 {
            case .exact(let host): return host
            case .subdomains(let suffix): return "*" + suffix
            }
        }.joined(separator: ",")
    }
}

extension UInt8 {
    fileprivate var isHostCharacter: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x61 && self <= 0x7A) || self == UInt8(ascii: "-")
            || self == UInt8(ascii: ".") || self == UInt8(ascii: ":") || self == UInt8(ascii: "[")
            || self == UInt8(ascii: "]")
    }
}

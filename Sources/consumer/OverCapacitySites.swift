import ASCIIText
import Logging
import Synchronization

/// Tells the operator, once per site, that a site got no view of its own because `MAX_SITES`
/// sites already had one: its events still count in the totals and in `sites_over_capacity`,
/// but a site that nobody sees must not go unnoticed. At most `namedLimit` sites are named; after
/// them one line says that further ones are not, so the log stays bounded too.
final class OverCapacitySites: Sendable {
    static let namedLimit = 1_000

    private let logger: Logger
    private let maxSites: Int
    private let defaultSite: String
    private let named = Mutex<Set<String>>([])

    init(logger: Logger, maxSites: Int, defaultSite: String) {
        self.logger = logger
        self.maxSites = maxSites
        self.defaultSite = defaultSite
    }

    /// An event of `site` was counted only in the totals.
    func note(_ site: String?) {
        let name = (site ?? defaultSite).utf8.prefix(253).printableASCII
        let first = named.withLock { named -> Int? in
            guard named.count <= Self.namedLimit, !named.contains(name) else { return nil }
            named.insert(name)
            return named.count
        }
        guard let first else { return }
        if first > Self.namedLimit {
            logger.warning(
                "more than \(Self.namedLimit) sites are over MAX_SITES; further ones are not named in the log")
            return
        }
        logger.warning(
            "site \(name) has no view of its own: \(maxSites) sites (MAX_SITES) already have one; its events count only in the totals and in sites_over_capacity"
        )
    }
}

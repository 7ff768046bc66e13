import AnalyticsCore

/// Which figures a dashboard stream or request asks for: every site together, one site, or the
/// list of sites. The feed computes each at most once per refresh, however many readers ask.
enum FiguresScope: Hashable, Sendable {
    case allSites
    case site(String)
    case siteList

    /// The scope of `GET /analytics` and the stream: `?site=` names one site, else all of them.
    init(site: String?) {
        self = site.map(FiguresScope.site) ?? .allSites
    }
}

/// Figures computed for one scope.
enum Figures: Sendable, Equatable {
    case snapshot(StatsSnapshot)
    case sites([SiteSummary])
    /// No partition has a view of the site asked for.
    case unknownSite(String)

    /// Whether `other` shows the same figures (only the time and partial ages may differ).
    func sameFigures(as other: Figures) -> Bool {
        switch (self, other) {
        case (.snapshot(let mine), .snapshot(let theirs)): mine.sameFigures(as: theirs)
        default: self == other
        }
    }

    /// The JSON `GET /analytics`, the stream and `GET /api/sites` serve.
    func json() throws(SnapshotEncodingError) -> [UInt8] {
        switch self {
        case .snapshot(let snapshot): try StatsRenderer().json(snapshot)
        case .sites(let sites): try StatsRenderer().json(sites)
        case .unknownSite: []
        }
    }
}

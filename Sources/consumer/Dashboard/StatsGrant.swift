/// What a reader of the statistics may see: everything (`STATS_TOKEN`, or no tokens at all), or
/// one site (a `SITE_TOKENS` token, or a login opened with one). A site's owner given their own
/// token sees their site's dashboard, `/analytics?site=`, stream and row of `/api/sites`, and
/// nothing of the other sites in the deployment.
enum StatsGrant: Sendable, Equatable {
    case everything
    case site(String)

    /// Whether this grant shows `site`.
    func shows(_ site: String) -> Bool {
        switch self {
        case .everything: true
        case .site(let granted): granted == site
        }
    }
}

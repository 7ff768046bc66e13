/// Where the producer finds the country of an address: the IPFire Location ranges shipped by
/// Debian's `tor-geoipdb` (`CountryRanges`, the default) or an operator's MaxMind-DB file
/// (`GEOIP_DB`). One protocol, so enrichment does not care which.
public protocol CountryLocator: Sendable {
    /// The country of a public address; nil when the data does not know it.
    func country(of address: IPAddress) -> CountryCode?
}

import AnalyticsCore
import Foundation
import Logging
import ServiceRuntime

/// Where the producer's default country data lives and how it is loaded at start: IPFire
/// Location's ranges (CC BY-SA 4.0) as Debian's `tor-geoipdb` ships them, `geoip` and `geoip6`,
/// in `GEOIP_DATA_DIR` — by default `data/geoip` (where `make run` and `make test` unpack them)
/// or `/usr/share/tor` (the package's own place, and the producer image's).
enum CountryData {
    /// Folders searched when `GEOIP_DATA_DIR` is unset.
    static let defaultFolders = ["data/geoip", "/usr/share/tor"]

    /// The data of `folder` (`off`: none), or of the first default folder that holds it. A named
    /// folder without the files, or damaged files, stop the producer with exit 2 and one line;
    /// no data found in the default folders is a warning, and events carry no country.
    static func load(folder: String?, logger: Logger) -> CountryRanges? {
        if folder == "off" {
            logger.info("GEOIP_DATA_DIR=off: events carry no country")
            return nil
        }
        let candidates = folder.map { [$0] } ?? defaultFolders
        for candidate in candidates {
            let v4Path = candidate + "/geoip"
            let v6Path = candidate + "/geoip6"
            guard let v4 = FileManager.default.contents(atPath: v4Path),
                let v6 = FileManager.default.contents(atPath: v6Path)
            else { continue }
            let started = ContinuousClock.now
            do {
                let ranges = try CountryRanges(ipv4: Array(v4), ipv6: Array(v6), ipv4Name: v4Path, ipv6Name: v6Path)
                logger.info(
                    "country data loaded (IPFire Location, CC BY-SA 4.0)",
                    metadata: [
                        "folder": "\(candidate)", "ipv4_ranges": "\(ranges.ipv4Count)",
                        "ipv6_ranges": "\(ranges.ipv6Count)",
                        "load_ms": "\(Int((ContinuousClock.now - started) / .milliseconds(1)))",
                    ])
                return ranges
            } catch {
                ShutdownSignal.fail("producer: country data: \(error)", status: 2)
            }
        }
        if let folder {
            ShutdownSignal.fail(
                "producer: GEOIP_DATA_DIR=\(folder) holds no readable geoip and geoip6 files "
                    + "(scripts/geoip-data.sh unpacks them from Debian's tor-geoipdb)", status: 2)
        }
        logger.warning(
            "no country data: events carry no country; run scripts/geoip-data.sh or set GEOIP_DATA_DIR",
            metadata: ["searched": "\(defaultFolders.joined(separator: ","))"])
        return nil
    }
}

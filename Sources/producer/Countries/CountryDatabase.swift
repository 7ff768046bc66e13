import AnalyticsCore
import CMaxMindDB
import Foundation
import Synchronization

/// An operator's MaxMind-DB country file (`GEOIP_DB`): DB-IP's "IP to Country Lite" or GeoLite2,
/// fresher than the ranges Debian ships, read through Debian's libmaxminddb in its own search
/// tree (memory-mapped: the file is shared by every process that maps it, not copied).
///
/// It owns the `MMDB_s` handle: opened at start, closed by `shutdown()` (idempotent; `deinit` is
/// the safety net). Lookups from any thread are safe (libmaxminddb only reads the mapped file);
/// `shutdown()` is called after the HTTP server has stopped, once no lookup can run.
final class CountryDatabase: CountryLocator, @unchecked Sendable {
    let path: String
    private let handle: UnsafeMutablePointer<MMDB_s>
    private let open = Atomic<Bool>(true)

    /// Opens `path`; a missing, unreadable or malformed file throws, saying which and why.
    init(path: String) throws(CountryDatabaseError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path) }
        guard FileManager.default.isReadableFile(atPath: path) else { throw .unreadable(path, "permission denied") }
        // Opened before any property is set: a throwing init of a class whose properties are all
        // set runs `deinit`, which would close a handle that never opened.
        let opening = UnsafeMutablePointer<MMDB_s>.allocate(capacity: 1)
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), opening)
        guard status == MMDB_SUCCESS else {
            opening.deallocate()
            throw .unreadable(path, String(cString: MMDB_strerror(status)))
        }
        self.path = path
        handle = opening
    }

    /// The database's own name for what it holds (`DBIP-Country-Lite`, `GeoLite2-Country`).
    var databaseType: String {
        guard open.load(ordering: .acquiring), let type = handle.pointee.metadata.database_type else { return "" }
        return String(cString: type)
    }

    /// Networks in the database's search tree.
    var nodeCount: Int { open.load(ordering: .acquiring) ? Int(handle.pointee.metadata.node_count) : 0 }

    func country(of address: IPAddress) -> CountryCode? {
        guard address.isPublic, open.load(ordering: .acquiring) else { return nil }
        var letters: (CChar, CChar) = (0, 0)
        let found = address.withSocketAddress { socketAddress in
            withUnsafeMutableBytes(of: &letters) { bytes in
                cmaxminddb_country(handle, socketAddress, bytes.baseAddress?.assumingMemoryBound(to: CChar.self))
            }
        }
        guard found == 1 else { return nil }
        let text = String(decoding: [UInt8(bitPattern: letters.0), UInt8(bitPattern: letters.1)], as: UTF8.self)
        return CountryCode(text)
    }

    /// Closes the database. Idempotent.
    func shutdown() {
        guard open.exchange(false, ordering: .acquiringAndReleasing) else { return }
        MMDB_close(handle)
        handle.deallocate()
    }

    deinit { shutdown() }
}

/// Why `GEOIP_DB` cannot be used; the producer stops with exit 2 and this line.
enum CountryDatabaseError: Error, CustomStringConvertible, Equatable {
    case missing(String)
    case unreadable(String, String)

    var description: String {
        switch self {
        case .missing(let path): "GEOIP_DB=\(path): no such file (a MaxMind-DB .mmdb country database)"
        case .unreadable(let path, let reason): "GEOIP_DB=\(path) cannot be read as a MaxMind-DB file: \(reason)"
        }
    }
}

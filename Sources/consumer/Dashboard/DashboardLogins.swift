import ASCIIText
import Foundation
import Synchronization

/// The dashboard's open logins: the random values `GET /?token=` puts in its cookie instead of
/// the master token, kept in memory with an expiry and a bounded count.
///
/// It exists so that a cookie that leaks (a shared computer, a browser profile copied) opens the
/// statistics only until it expires or the consumer restarts, and never gives away `STATS_TOKEN`
/// itself. A value is 256 bits from the system's random source (`SystemRandomNumberGenerator`,
/// `getrandom` on Linux) as 64 hex digits: the first half finds the login in the table, the second
/// is compared in constant time, so how long a lookup takes says nothing about the part that must
/// be guessed. The table lives in this
/// process only: a restart forgets every login (with whatever `STATS_TOKEN` it starts with).
final class DashboardLogins: Sendable {
    /// How long a login lasts, and the cookie's `Max-Age`.
    let lifetime: TimeInterval
    /// Most logins remembered; a login beyond it forgets the oldest of the same grant (else the
    /// oldest).
    let capacity: Int

    private struct Login {
        /// The value's second half as written, compared in constant time.
        var verifier: [UInt8]
        var opened: Date
        /// What the token it was opened with sees.
        var grant: StatsGrant
    }

    private let logins = Mutex<[String: Login]>([:])

    /// Hex digits of each half of a value: 128 random bits each.
    static let halfLength = 32

    init(lifetime: TimeInterval = 30 * 24 * 3600, capacity: Int = 1000) {
        self.lifetime = lifetime
        self.capacity = max(1, capacity)
    }

    /// Opens a login at `now` seeing `grant` and returns the cookie value that stands for it.
    func open(_ grant: StatsGrant = .everything, now: Date = Date()) -> String {
        var random = SystemRandomNumberGenerator()
        let value = (0..<4).map { _ in HexDigits.sixteen(random.next()) }.joined()
        let selector = String(value.prefix(Self.halfLength))
        let verifier = Array(value.utf8.dropFirst(Self.halfLength))
        logins.withLock { logins in
            logins = logins.filter { now.timeIntervalSince($0.value.opened) < lifetime }
            // Room is made among the logins of the same grant first: a site's token opening logins
            // over and over must not sign out the operator or another site's owner.
            while logins.count >= capacity,
                let oldest = logins.filter({ $0.value.grant == grant }).min(by: { $0.value.opened < $1.value.opened })
                    ?? logins.min(by: { $0.value.opened < $1.value.opened })
            {
                logins[oldest.key] = nil
            }
            logins[selector] = Login(verifier: verifier, opened: now, grant: grant)
        }
        return value
    }

    /// Whether `value` (a cookie's) stands for a login opened here that has not expired at `now`.
    func isOpen(_ value: [UInt8], now: Date = Date()) -> Bool { grant(of: value, now: now) != nil }

    /// What the login `value` (a cookie's) stands for sees; nil unless it was opened here and has
    /// not expired at `now`.
    func grant(of value: [UInt8], now: Date = Date()) -> StatsGrant? {
        guard let (selector, verifier) = Self.halves(of: value) else { return nil }
        return logins.withLock { logins in
            guard let login = logins[selector] else { return nil }
            guard now.timeIntervalSince(login.opened) < lifetime else {
                logins[selector] = nil
                return nil
            }
            return StatsAccess.same(verifier, login.verifier) ? login.grant : nil
        }
    }

    /// Forgets the login `value` stands for, if it is one.
    func close(_ value: [UInt8]) {
        guard let (selector, verifier) = Self.halves(of: value) else { return }
        logins.withLock { logins in
            if let login = logins[selector], StatsAccess.same(verifier, login.verifier) { logins[selector] = nil }
        }
    }

    /// How many logins are remembered.
    var count: Int { logins.withLock { $0.count } }

    /// The selector and the verifier's bytes of a value of the right length, else nil.
    private static func halves(of bytes: [UInt8]) -> (String, [UInt8])? {
        guard bytes.count == 2 * halfLength else { return nil }
        return (String(decoding: bytes[..<halfLength], as: UTF8.self), Array(bytes[halfLength...]))
    }
}

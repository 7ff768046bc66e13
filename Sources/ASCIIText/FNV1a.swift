/// The 64-bit FNV-1a hash: a few instructions per byte, stable across runs, processes and
/// machines.
///
/// It exists once so the two places that need a stable hash of bytes — the static assets' entity
/// tags and the HyperLogLog sketches merged between consumers — cannot drift apart. It is not
/// keyed: a sender who chooses `user_id`s or `session_id`s can choose their hashes too, and so
/// steer a unique-visitor estimate. A key would change every hash and with them the sketches
/// already on the partials topic, so it would need a new partial-state version.
public enum FNV1a {
    /// The state before any byte (computed, so callers in other modules fold it as a constant).
    @inlinable public static var offsetBasis: UInt64 { 0xCBF2_9CE4_8422_2325 }
    /// The multiplier applied after each byte.
    @inlinable public static var prime: UInt64 { 0x0000_0100_0000_01B3 }

    /// The hash of `bytes`, continued from `state`: hashing `a` then `b` from the result equals
    /// hashing `a + b`, so a prefix can be hashed once and reused.
    @inlinable
    public static func hash(_ bytes: some Sequence<UInt8>, from state: UInt64 = offsetBasis) -> UInt64 {
        var hash = state
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* prime }
        return hash
    }
}

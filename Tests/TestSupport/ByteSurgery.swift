import Foundation

/// Edits binary records in place, for tests that need a record no correct writer makes (a partial
/// state holding infinity, say) without a second encoder to keep in step with the real one.
public enum ByteSurgery {
    /// `bytes` with the first little-endian occurrence of `value` replaced by `replacement`, or nil
    /// when `value` does not occur.
    public static func replacing(_ value: Double, with replacement: Double, in bytes: [UInt8]) -> [UInt8]? {
        let pattern = withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        guard bytes.count >= 8,
            let start = (0...(bytes.count - 8)).first(where: { bytes[$0..<$0 + 8].elementsEqual(pattern) })
        else { return nil }
        var result = bytes
        let patch = withUnsafeBytes(of: replacement.bitPattern.littleEndian) { Array($0) }
        result.replaceSubrange(start..<start + 8, with: patch)
        return result
    }
}

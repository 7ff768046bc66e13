import Foundation

/// A record as `kcat -J` prints it.
public struct TopicRecord: Sendable {
    public var partition: Int
    public var offset: Int
    public var key: String?
    public var headers: [String: String]
    public var payload: String
    /// The record has no value at all (a tombstone), not an empty one.
    public var isTombstone = false

    /// The payload as a JSON object.
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any] ?? [:]
    }
}

/// Reads and writes topics with `kcat`, an independent Kafka client, so tests check what really
/// is on the broker rather than what our own client believes.
public enum Kcat {
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/kcat")
    }

    /// Every record on `topic`, from the beginning to the current end.
    public static func readAll(brokers: String, topic: String) throws -> [TopicRecord] {
        let output = try run(["-b", brokers, "-t", topic, "-C", "-o", "beginning", "-e", "-J", "-q"])
        return output.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            var headers: [String: String] = [:]
            if let list = object["headers"] as? [String] {
                for index in stride(from: 0, to: list.count - 1, by: 2) { headers[list[index]] = list[index + 1] }
            }
            return TopicRecord(
                partition: object["partition"] as? Int ?? -1, offset: object["offset"] as? Int ?? -1,
                key: object["key"] as? String, headers: headers, payload: object["payload"] as? String ?? "",
                isTombstone: object["payload"] is NSNull)
        }
    }

    /// The partition count of every topic on the cluster, from its metadata.
    public static func partitionCounts(brokers: String) throws -> [String: Int] {
        let output = try run(["-b", brokers, "-L", "-J"])
        guard let metadata = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
            let topics = metadata["topics"] as? [[String: Any]]
        else { return [:] }
        var counts: [String: Int] = [:]
        for topic in topics {
            if let name = topic["topic"] as? String { counts[name] = (topic["partitions"] as? [Any])?.count ?? 0 }
        }
        return counts
    }

    /// Produces each line of `values` as one record.
    public static func produce(brokers: String, topic: String, values: [String]) throws {
        _ = try run(["-b", brokers, "-t", topic, "-P"], input: values.joined(separator: "\n") + "\n")
    }

    /// Produces each `(key, value)` as one keyed record, in order.
    public static func produce(brokers: String, topic: String, keyed records: [(String, String)]) throws {
        let lines = records.map { "\($0.0)\t\($0.1)" }
        _ = try run(["-b", brokers, "-t", topic, "-P", "-K", "\t"], input: lines.joined(separator: "\n") + "\n")
    }

    /// Produces `bytes` (binary, as they are) as one record with `key`, to `partition` when given.
    public static func produce(
        brokers: String, topic: String, key: String, bytes: [UInt8], partition: Int32? = nil
    ) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kcat-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        _ = try run(
            ["-b", brokers, "-t", topic, "-P", "-k", key] + (partition.map { ["-p", String($0)] } ?? []) + [file.path])
    }

    /// Produces each line of `values` as one record on `partition`.
    public static func produce(brokers: String, topic: String, partition: Int32, values: [String]) throws {
        _ = try run(
            ["-b", brokers, "-t", topic, "-P", "-p", String(partition)], input: values.joined(separator: "\n") + "\n")
    }

    private static func run(_ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

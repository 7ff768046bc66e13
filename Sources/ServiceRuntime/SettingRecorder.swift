import Synchronization

/// Collects the settings an `EnvironmentReader` is asked for; each name once.
final class SettingRecorder: Sendable {
    private let recorded = Mutex<[SettingDescription]>([])

    func record(_ setting: SettingDescription) {
        recorded.withLock { settings in
            if !settings.contains(where: { $0.name == setting.name }) { settings.append(setting) }
        }
    }

    var settings: [SettingDescription] { recorded.withLock { $0 } }
}

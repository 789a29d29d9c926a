import Foundation

/// A fresh temporary directory path (not yet created) that is removed when the value is released.
final class TestDirectory: Sendable {
    let root: String

    init() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("casebridge-trust-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    func path(_ name: String) -> String {
        root + "/" + name
    }

    func mode(_ name: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path(name))
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func read(_ name: String) throws -> String {
        try String(contentsOfFile: path(name), encoding: .utf8)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }
}

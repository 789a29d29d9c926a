import ArgumentParser
import CasebridgeCore
import CasebridgeServer
import Foundation

/// Where a user's credentials live: `--credentials`, else `$CASEBRIDGE_CREDENTIALS`, else
/// `~/.config/casebridge/credentials.json`. Written by `casebridge login`, mode 0600.
struct Credentials: Codable {
    var node: String
    var token: String

    static func defaultPath(_ given: String?) -> String {
        if let given { return given }
        let env = ProcessInfo.processInfo.environment
        if let p = env["CASEBRIDGE_CREDENTIALS"], !p.isEmpty { return p }
        let home = env["HOME"] ?? NSHomeDirectory()
        return home + "/.config/casebridge/credentials.json"
    }

    /// Reads a credentials file, refusing one that others can read. Nil when it does not exist.
    static func load(path: String) throws -> Credentials? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        if st.st_mode & 0o077 != 0 {
            throw CLIError(message: "\(path): credentials file is readable by others (mode \(String(st.st_mode & 0o777, radix: 8))); run `chmod 600 \(path)`", code: Exit.noPermission)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(message: "\(path): cannot read the credentials file", code: Exit.noInput)
        }
        do {
            return try JSONDecoder().decode(Credentials.self, from: data)
        } catch {
            throw CLIError(message: "\(path): not a casebridge credentials file (run `casebridge login` again)", code: Exit.config)
        }
    }

    /// Writes the file with mode 0600 (created so; never world-readable even for an instant).
    func save(path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = try encoder.encode(self)
        let tmp = path + ".tmp"
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw CLIError(message: "\(path): cannot write the credentials file", code: Exit.cantCreate) }
        let ok = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) == $0.count }
        fsync(fd)
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw CLIError(message: "\(path): cannot write the credentials file", code: Exit.cantCreate)
        }
    }
}

/// Options of the commands that talk to the node's local API with a user's token.
struct APIOptions: ParsableArguments {
    @Option(help: "Local API of the node, e.g. http://127.0.0.1:7080 (default: $CASEBRIDGE_NODE, else the credentials file's, else http://127.0.0.1:7080).")
    var node: String?

    @Option(help: "Credentials file written by `casebridge login` (default: $CASEBRIDGE_CREDENTIALS, else ~/.config/casebridge/credentials.json). $CASEBRIDGE_TOKEN takes precedence.")
    var credentials: String?

    /// A client with the token from `CASEBRIDGE_TOKEN` or the credentials file.
    func client() throws -> LocalAPIClient {
        let env = ProcessInfo.processInfo.environment
        let creds = try Credentials.load(path: Credentials.defaultPath(credentials))
        let base = node ?? env["CASEBRIDGE_NODE"] ?? creds?.node ?? "http://127.0.0.1:7080"
        guard let token = env["CASEBRIDGE_TOKEN"].flatMap({ $0.isEmpty ? nil : $0 }) ?? creds?.token else {
            throw CLIError(message: "no API token: run `casebridge login` (or set CASEBRIDGE_TOKEN)", code: Exit.noPermission)
        }
        return LocalAPIClient(baseURL: base, token: token)
    }
}

/// Percent-encodes one path segment.
func pathSegment(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
}

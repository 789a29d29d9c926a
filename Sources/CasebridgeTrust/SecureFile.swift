// On Linux, `struct stat` is attributed to CoreFoundation once Foundation is in the module, so
// MemberImportVisibility wants CoreFoundation imported where its fields are used.
#if canImport(CoreFoundation)
import CoreFoundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// File I/O for certificates and private keys: never overwrites, sets exact modes, refuses loose key files.
enum SecureFile {
    /// A file to be created by ``writeNew(_:in:)``.
    struct Item {
        var name: String
        var contents: String
        var mode: mode_t
    }

    static func path(_ dir: String, _ name: String) -> String {
        dir.hasSuffix("/") ? dir + name : dir + "/" + name
    }

    /// Creates every item in `dir` (made with mode 0700 if missing), refusing if any already exists.
    ///
    /// Each file is opened with `O_CREAT | O_EXCL | O_NOFOLLOW` and then set to its exact mode, so a
    /// concurrent writer or a planted symlink cannot make us overwrite anything. On failure the files
    /// created so far are removed.
    static func writeNew(_ items: [Item], in dir: String) throws {
        var info = stat()
        if lstat(dir, &info) != 0 {
            guard errno == ENOENT else { throw ioError("cannot inspect directory", dir) }
            guard mkdir(dir, 0o700) == 0 else { throw ioError("cannot create directory", dir) }
        } else if (info.st_mode & S_IFMT) != S_IFDIR {
            throw TrustError(.fileIO, "\(dir) exists and is not a directory")
        }
        for item in items {
            let target = path(dir, item.name)
            if lstat(target, &info) == 0 {
                throw TrustError(.fileExists, "\(target) already exists; refusing to overwrite it")
            }
        }
        var created: [String] = []
        do {
            for item in items {
                let target = path(dir, item.name)
                try createExclusive(target, contents: Array(item.contents.utf8), mode: item.mode)
                created.append(target)
            }
        } catch {
            for target in created { unlink(target) }
            throw error
        }
    }

    /// Replaces `target` atomically: writes a temporary file next to it (`O_EXCL`, exact `mode`, fsync), then
    /// renames it over `target`, so a reader sees either the old or the new contents, never a mix.
    ///
    /// The folder holding `target` must exist. A symlink at `target` is replaced, not followed.
    static func replaceAtomically(_ target: String, contents: String, mode: mode_t) throws {
        let temporary = target + ".tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        try createExclusive(temporary, contents: Array(contents.utf8), mode: mode)
        guard rename(temporary, target) == 0 else {
            let error = ioError("cannot rename into place", target)
            unlink(temporary)
            throw error
        }
        // Make the rename durable: fsync the folder.
        let slash = target.lastIndex(of: "/")
        let dir = slash.map { String(target[..<$0]) } ?? "."
        let fd = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    private static func createExclusive(_ target: String, contents: [UInt8], mode: mode_t) throws {
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            if errno == EEXIST {
                throw TrustError(.fileExists, "\(target) already exists; refusing to overwrite it")
            }
            throw ioError("cannot create", target)
        }
        var ok = fchmod(fd, mode) == 0
        var written = 0
        while ok && written < contents.count {
            let n = contents[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { ok = false } else { written += n }
        }
        if ok { ok = fsync(fd) == 0 }
        let closed = close(fd) == 0
        guard ok && closed else {
            let error = ioError("cannot write", target)
            unlink(target)
            throw error
        }
    }

    /// Reads a text file.
    static func read(_ target: String) throws -> String {
        try read(target, privateKey: false)
    }

    /// Reads a private key file, refusing it if its mode lets group or others access it.
    static func readPrivateKey(_ target: String) throws -> String {
        try read(target, privateKey: true)
    }

    private static func read(_ target: String, privateKey: Bool) throws -> String {
        let fd = open(target, O_RDONLY | O_CLOEXEC | (privateKey ? O_NOFOLLOW : 0))
        guard fd >= 0 else { throw ioError("cannot open", target) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ioError("cannot inspect", target) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw TrustError(.fileIO, "\(target) is not a regular file")
        }
        if privateKey && (info.st_mode & 0o077) != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw TrustError(
                .insecureKeyFile,
                "private key file \(target) has mode 0\(mode); it must not be accessible by group or others (run: chmod 600 \(target))"
            )
        }
        guard info.st_size <= 1 << 20 else {
            throw TrustError(.fileIO, "\(target) is larger than 1 MiB; not a certificate or key file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw ioError("cannot read", target) }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func ioError(_ what: String, _ target: String) -> TrustError {
        let message = String(cString: strerror(errno))
        return TrustError(.fileIO, "\(what) \(target): \(message)")
    }
}

/// `read(2)`, reachable from inside ``SecureFile`` whose own `read` methods shadow it.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

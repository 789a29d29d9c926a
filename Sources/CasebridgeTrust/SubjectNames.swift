#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Validation and encoding of the names that go into certificates.
enum SubjectNames {
    /// Checks a federation name (used as the CA's CN and O and as the O of node certificates).
    static func validateFederationName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 64 else {
            throw TrustError(.invalidName, "federation name must be 1 to 64 characters long")
        }
        guard name.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .control }) else {
            throw TrustError(.invalidName, "federation name must not contain control characters")
        }
        guard name.trimmingSpaces == name else {
            throw TrustError(.invalidName, "federation name must not start or end with spaces")
        }
    }

    /// Validates a DNS host name and returns it lowercased.
    static func normalizedDNSName(_ name: String) throws -> String {
        let lower = String(name.lowercased())
        let labels = lower.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            !lower.isEmpty && lower.utf8.count <= 253
            && labels.allSatisfy { label in
                let bytes = Array(label.utf8)
                return (1...63).contains(bytes.count)
                    && bytes.first != UInt8(ascii: "-") && bytes.last != UInt8(ascii: "-")
                    && bytes.allSatisfy {
                        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-")
                    }
            }
        guard valid else {
            throw TrustError(.invalidDNSName, "\(String(reflecting: String(name.prefix(260)))) is not a valid DNS name")
        }
        return lower
    }

    /// Parses a textual IPv4 or IPv6 address into its 4- or 16-byte network form.
    static func ipAddressBytes(_ address: String) throws -> [UInt8] {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, address, &v4) == 1 {
            return v4
        }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, address, &v6) == 1 {
            return v6
        }
        throw TrustError(
            .invalidIPAddress,
            "\(String(reflecting: String(address.prefix(80)))) is not a valid IPv4 or IPv6 address"
        )
    }

    /// Formats a 4- or 16-byte address; other lengths are shown as hex.
    static func ipAddressString(_ bytes: [UInt8]) -> String {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return Hex.encode(bytes)
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        guard inet_ntop(family, bytes, &buffer, socklen_t(buffer.count)) != nil else {
            return Hex.encode(bytes)
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

enum Hex {
    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

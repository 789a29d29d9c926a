import Foundation
import SwiftASN1
import X509

/// PEM encoding and decoding of certificates.
enum PEM {
    static func certificate(_ certificate: Certificate) throws -> String {
        normalized(try certificate.serializeAsPEM().pemString)
    }

    /// Ensures a PEM block ends with exactly one newline.
    static func normalized(_ pem: String) -> String {
        var text = pem
        while text.hasSuffix("\n") { text.removeLast() }
        return text + "\n"
    }

    /// All certificates in a PEM string, in order. Blocks that are not certificates are ignored.
    static func certificates(in pem: String) throws -> [Certificate] {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw TrustError(.invalidEncoding, "input is not valid PEM: \(error)")
        }
        var certificates: [Certificate] = []
        for document in documents where document.discriminator == Certificate.defaultPEMDiscriminator {
            do {
                certificates.append(try Certificate(derEncoded: document.derBytes))
            } catch {
                throw TrustError(.invalidEncoding, "PEM block \(certificates.count + 1) is not a valid X.509 certificate: \(error)")
            }
        }
        guard !certificates.isEmpty else {
            throw TrustError(.invalidEncoding, "input holds no PEM CERTIFICATE block")
        }
        return certificates
    }

    static func firstCertificate(in pem: String) throws -> Certificate {
        try certificates(in: pem)[0]
    }
}

/// Times and serial numbers for new certificates.
enum CertificateTime {
    /// `date` truncated to whole seconds, as X.509 times carry no fractions.
    static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// A random positive 16-byte serial number (126 random bits; the top bits are fixed so it always encodes in 16 bytes).
    static func randomSerial() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[0] = (bytes[0] & 0x3f) | 0x40
        return Certificate.SerialNumber(bytes: bytes)
    }
}

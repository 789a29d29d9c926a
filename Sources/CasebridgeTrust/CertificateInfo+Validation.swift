public import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

extension CertificateInfo {
    /// Checks that a node certificate chain is issued by the given federation CA and valid at `now`.
    ///
    /// The leaf (first certificate of `chainPEM`) must be within its validity period, chain to the CA
    /// certificate in `caPEM` under RFC 5280 rules (signature, CA basic constraints, validity of every
    /// certificate), and meet the node profile: not a CA, extendedKeyUsage serverAuth and clientAuth,
    /// exactly one valid `casebridge://node/` URI. Further certificates in `chainPEM` are only used as
    /// candidate intermediates; they are never trusted by themselves.
    ///
    /// - Returns: The leaf's ``CertificateInfo``.
    /// - Throws: ``TrustError`` with code ``TrustError/Code/notYetValid``, ``TrustError/Code/expired``
    ///   or ``TrustError/Code/untrusted``, or ``TrustError/Code/invalidEncoding`` for bad input.
    public static func validate(chainPEM: String, againstCA caPEM: String, now: Date = Date()) async throws
        -> CertificateInfo
    {
        let chain = try PEM.certificates(in: chainPEM)
        let roots = try PEM.certificates(in: caPEM)
        let leaf = chain[0]
        let info = CertificateInfo(leaf)
        if now < leaf.notValidBefore {
            throw TrustError(.notYetValid, "certificate \(info.subject) is not valid before \(leaf.notValidBefore)")
        }
        if now > leaf.notValidAfter {
            throw TrustError(.expired, "certificate \(info.subject) expired at \(leaf.notValidAfter)")
        }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy(fixedExpiryValidationTime: now)
            CasebridgeNodePolicy()
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst()))
        switch result {
        case .validCertificate:
            return info
        case .couldNotValidate(let failures):
            let reasons = failures.map { String(describing: $0.policyFailureReason) }
            let detail = reasons.isEmpty ? "no chain to the federation CA (not signed by it)" : reasons.joined(separator: "; ")
            throw TrustError(.untrusted, "certificate \(info.subject) is not trusted by the federation CA: \(detail)")
        }
    }
}

extension FederationCA {
    /// Checks that a node certificate chain was issued by this CA and is valid at `now`.
    ///
    /// See ``CertificateInfo/validate(chainPEM:againstCA:now:)``.
    public func verify(chainPEM: String, now: Date = Date()) async throws -> CertificateInfo {
        try await CertificateInfo.validate(chainPEM: chainPEM, againstCA: certificatePEM, now: now)
    }
}

/// The Casebridge node certificate profile, applied to the leaf of a chain.
struct CasebridgeNodePolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        let leaf = chain.leaf
        guard chain.count == 2 else {
            return .failsToMeetPolicy(reason: "node certificates must be issued directly by the federation CA")
        }
        guard case .notCertificateAuthority = try? leaf.extensions.basicConstraints else {
            return .failsToMeetPolicy(reason: "a node certificate must have basicConstraints CA:FALSE")
        }
        guard let usages = try? leaf.extensions.extendedKeyUsage,
            usages.contains(.serverAuth), usages.contains(.clientAuth)
        else {
            return .failsToMeetPolicy(reason: "a node certificate must allow serverAuth and clientAuth")
        }
        guard CertificateInfo(leaf).nodeId != nil else {
            return .failsToMeetPolicy(reason: "a node certificate must carry exactly one valid \(NodeIdentity.uriPrefix) URI")
        }
        return .meetsPolicy
    }
}

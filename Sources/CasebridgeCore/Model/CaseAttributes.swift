/// The kind of trafficking a case concerns.
public enum CaseType: String, Sendable, Hashable, Codable, CaseIterable {
    case sexTrafficking = "sex-trafficking"
    case laborTrafficking = "labor-trafficking"
    case both
    case other
}

/// A case's state.
public enum CaseStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case open, closed, inactive
}

/// A subject's role in a case.
public enum SubjectRole: String, Sendable, Hashable, Codable, CaseIterable {
    case suspect, victim, witness, associate
}


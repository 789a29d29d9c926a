/// The kinds of case identifiers Casebridge matches on.
public enum IdentifierKind: String, Sendable, Hashable, CaseIterable, Codable {
    case phone, email, name, dob
    case nameDob = "name+dob"
    case plate, handle, document

    /// Relative strength for ranking hits: phone, email, document, handle, plate and name+dob are
    /// strong (3); a name alone or a date of birth alone is weak (1).
    public var strength: Int {
        switch self {
        case .phone, .email, .document, .handle, .plate, .nameDob: 3
        case .name, .dob: 1
        }
    }
}

/// `count` random strings of scalars drawn from `alphabet`, each of a length in `lengths`: inputs for the tests that
/// hold a normalizer's fast path against its general path.
func randomStrings(_ count: Int, from alphabet: String, lengths: ClosedRange<Int>) -> [String] {
    let scalars = Array(alphabet.unicodeScalars)
    var rng = SystemRandomNumberGenerator()
    return (0..<count).map { _ in
        var s = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: lengths, using: &rng) { s.append(scalars.randomElement(using: &rng)!) }
        return String(s)
    }
}

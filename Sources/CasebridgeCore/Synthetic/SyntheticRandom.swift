/// xoshiro256** seeded through SplitMix64: fast, and the same sequence on every platform and
/// Swift version (bounded draws use our own arithmetic, not the standard library's).
public struct SyntheticRandom: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64, stream: UInt64 = 0) {
        var sm = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&sm)
        s1 = splitMix(&sm)
        s2 = splitMix(&sm)
        s3 = splitMix(&sm)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in `0..<bound` (Lemire's multiply-shift with rejection).
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in `[0, 1)`.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }

    /// Index drawn with the given relative weights.
    mutating func weighted(_ weights: [Double]) -> Int {
        var total = 0.0
        for w in weights { total += w }
        var x = unit() * total
        for (i, w) in weights.enumerated() {
            if x < w { return i }
            x -= w
        }
        return weights.count - 1
    }

    mutating func shuffle<T>(_ items: inout [T]) {
        var i = items.count - 1
        while i > 0 {
            let j = below(i + 1)
            items.swapAt(i, j)
            i -= 1
        }
    }

    /// A letter A–Z.
    mutating func letter() -> UInt8 { UInt8(65 + below(26)) }
    /// A digit 0–9.
    mutating func digit() -> UInt8 { UInt8(48 + below(10)) }
}

/// A fixed bijection on `0..<modulus` (an affine map with a multiplier coprime to the modulus),
/// used to hand out unique but random-looking numbers from a counter.
struct SyntheticScatter: Sendable {
    let modulus: UInt64
    let multiplier: UInt64
    let offset: UInt64

    init(modulus: UInt64, salt: UInt64) {
        self.modulus = modulus
        var m = (salt | 1) % modulus
        if m < 2 { m = 2 }
        while gcd(m, modulus) != 1 { m += 1 }
        multiplier = m
        offset = (salt >> 17) % modulus
    }

    func callAsFunction(_ k: UInt64) -> UInt64 {
        let x = k % modulus
        let product = x.multipliedFullWidth(by: multiplier)
        let (_, r) = modulus.dividingFullWidth((product.high, product.low))
        return (r + offset) % modulus
    }
}

private func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var a = a, b = b
    while b != 0 { (a, b) = (b, a % b) }
    return a
}

/// Conversions that never trap, for numbers that can come from a client: Swift's `Int(Double)` traps on NaN,
/// infinities and values beyond `Int`'s range, and `+` traps on overflow.
extension Int {
    /// `value` rounded toward zero and clamped to `Int`'s range; 0 for NaN.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9.2e18 {
            self = .max
        } else if value <= -9.2e18 {
            self = .min
        } else {
            self = Int(value)
        }
    }

    /// `self + other`, clamped to `Int`'s range instead of trapping.
    public func saturatingAdd(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}

extension Int64 {
    /// `value` rounded toward zero and clamped to `Int64`'s range; 0 for NaN.
    public init(saturating value: Double) {
        self = Int64(Int(saturating: value))
    }
}

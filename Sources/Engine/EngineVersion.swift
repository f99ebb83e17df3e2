/// The version both programs report and every decision trace records.
public enum SpendSenseVersion {
    public static let current = "0.1.0"
    /// Bumped whenever signals, personas or recommendations change meaning.
    public static let engine = "engine-1"
}

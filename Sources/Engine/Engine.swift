import Models

/// Pure domain logic. Issue 3 fills this target with validation, signals, personas and recommendations;
/// for now it carries the version string both programs report.
public enum SpendSenseVersion {
    public static let current = "0.1.0"
}

/// Which part of the data a run's activations were computed on.
public enum Split: String, CaseIterable, Sendable {
    case train
    case test
}

public enum ProctorVersion {
    public static let string = "0.1.0"
}

import Foundation

/// The certificates the interop programs use with `--use_tls` unless told otherwise: the
/// project's test CA and a server certificate it signed for `*.test.google.fr`, `localhost`,
/// `127.0.0.1` and `::1` (Tests/Certificates, made by scripts/make-test-certs.sh), found in the
/// source tree the programs were built from.
public enum InteropCertificates {
    /// The folder of the test certificates (this file is Programs/Sources/Interop/Testing/…).
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/Certificates")

    /// The path of the test certificate file `name` (`ca.pem`, `server.pem`, `server.key`).
    public static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// The bytes of the file at `path`.
    public static func read(_ path: String) throws -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw InteropFailure("cannot read \(path): \(error.localizedDescription)")
        }
    }
}

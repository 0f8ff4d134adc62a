import GRPCSync
import GeneratedGolden
import XCTest

/// golden/package_visibility.proto is generated with `Visibility=Package`: its stub, servicer,
/// registration function and paths are `package`, usable from this module of the same package.
/// Swift has no `package open`, so only the generated code's own module can subclass the
/// servicer; here the servicer is registered as generated and answers UNIMPLEMENTED.
final class PackageVisibilityTests: XCTestCase {
    func testPackageScopedServiceWorks() throws {
        XCTAssertEqual(Golden_Scoped_ScopedMethods.serviceName, "golden.scoped.Scoped")
        XCTAssertEqual(Golden_Scoped_ScopedMethods.mirror, "/golden.scoped.Scoped/Mirror")
        let golden = try GoldenServer { addScopedServicerToServer(Golden_Scoped_ScopedServicer(), $0) }
        defer { golden.stop() }
        let stub = Golden_Scoped_ScopedStub(golden.channel)
        XCTAssertThrowsError(try stub.mirror(point(1, 2), timeout: 5)) { error in
            XCTAssertEqual((error as? RPCError)?.code, .unimplemented)
            XCTAssertEqual((error as? RPCError)?.details, "Method not implemented!")
        }
    }
}
